"""The command line: verbs mapped to the stages, errors to messages and exit codes."""

from publisher.cli.commands import main

__all__ = ["main"]
