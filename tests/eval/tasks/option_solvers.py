"""A solver for `--solver option_solvers.py@shout` (written for Inspect)."""

from inspect_ai.solver import solver


@solver
def shout(prefix: str = "!", times: int = 1):
    async def solve(state, generate):
        prompt = state.user_prompt
        prompt.content = prefix * times + prompt.text
        return await generate(state)

    return solve
