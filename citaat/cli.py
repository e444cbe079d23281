"""The `citaat` command: the app's commands (`citaat.app.cli`) and `citaat eval` (`citaat.eval.cli`).

This is the composition root above both top layers, so app and eval never import each other. A
user error (any `CitaatError`, from any layer) ends in one Dutch line on stderr and exit code 1:
`citaat.app.cli.CitaatGroup` catches it once, for every subcommand including `citaat eval`.
"""

from __future__ import annotations

import sys

import typer

from citaat.app.cli import app
from citaat.eval.cli import eval_app

app.add_typer(eval_app, name="eval")



def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("citaat: onderbroken", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
