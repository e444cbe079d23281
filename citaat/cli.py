"""The `citaat` command: the app's commands (`citaat.app.cli`) and `citaat eval` (`citaat.eval.cli`).

This is the composition root above both top layers, so app and eval never import each other. A
user error (any `CitaatError`) ends in one Dutch line on stderr and a non-zero exit, no traceback.
"""

from __future__ import annotations

import sys

import typer

from citaat.app.cli import app
from citaat.eval.cli import eval_app

app.add_typer(eval_app, name="eval")



def _user_errors() -> tuple[type[BaseException], ...]:
    from citaat.eval.dataset import DatasetError
    from citaat.eval.run import EvalError
    from citaat.index.embedders import EmbedderError
    from citaat.index.store import SearchIndexError
    from citaat.ingest.store import StoreError

    return (EvalError, DatasetError, SearchIndexError, EmbedderError, StoreError)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("citaat: onderbroken", err=True)
        sys.exit(130)
    except _user_errors() as exc:
        typer.echo(f"citaat: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
