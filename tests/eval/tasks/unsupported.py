from inspect_ai import Task, task
from inspect_ai.solver import use_tools  # not offered by inspect_cli


@task
def uses_tools():
    return Task()
