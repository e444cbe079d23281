"""`python -m citaat ...` is the `citaat` command."""

from citaat.cli import main

main()
