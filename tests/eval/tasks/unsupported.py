from inspect_ai import Task, task


@task
def uses_tools():
    return Task()
