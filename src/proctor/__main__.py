"""`python -m proctor` runs the CLI."""

from proctor.cli.app import main

main()
