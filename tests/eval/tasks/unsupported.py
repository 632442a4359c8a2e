from inspect_ai import Task, task
from inspect_ai.solver import use_tools  # noqa: F401  (not offered by inspect_cli: the eval must say so)


@task
def uses_tools():
    return Task()
