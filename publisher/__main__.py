"""``python -m publisher``."""

from publisher.cli.commands import main

main()
