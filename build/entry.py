"""Entry point of the single-file `inspect` binary (not named inspect.py: that
would shadow the standard library's inspect module)."""

from inspect_cli.cli import main

if __name__ == "__main__":
    main()
