"""The `citaat` command line: thin subcommands that each call one service function.

Heavy imports (faiss, numpy, gradio, the embedder) happen inside the commands so `--help` is
instant. User errors end with one line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="citaat",
    help="Citaat: zoeken en citeren in Nederlands interviewonderzoek (offline).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(message: str, code: int = 1) -> None:
    """Print one clear line to stderr and exit; used for user errors."""
    typer.echo(f"citaat: {message}", err=True)
    raise typer.Exit(code)


# --------------------------------------------------------------------------- ingest


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Bestanden of mappen om in te lezen.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Uitvoermap (chunks.jsonl).")] = Path("data"),
    respondent: Annotated[
        str | None,
        typer.Option("--respondent", "-r", help="Respondentcode voor transcripten, bv. R12 (wint van het bestand)."),
    ] = None,
    no_index: Annotated[bool, typer.Option("--no-index", help="Alleen chunks maken, geen zoekindex bouwen.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Geen voortgangsbalk.")] = False,
) -> None:
    """Read a report and transcripts into respondent-attributed chunks (DIR/chunks.jsonl)."""
    from ingest.pipeline import IngestConfig, ingest_paths, print_summary

    if respondent is not None:
        from ingest.attribution import normalize_code

        code = normalize_code(respondent)
        if code is None:
            fail(f"--respondent {respondent!r} is geen respondentcode (verwacht bv. R12)")
        respondent = code
    cfg = IngestConfig(respondent_override=respondent, progress=not quiet)
    result = ingest_paths(paths, out, cfg)
    print_summary(result)
    if not no_index and result.chunk_count:
        _build_index(out, quiet=quiet)
    if result.failed:
        raise typer.Exit(2)


def _build_index(out: Path, *, quiet: bool) -> None:
    try:
        from index.build import build_index  # type: ignore[import-not-found]
    except ImportError:  # the index package is not built yet in this checkout
        return
    build_index(out, progress=not quiet)


@app.command()
def chunks(
    directory: Annotated[Path, typer.Argument(help="Map met chunks.jsonl.")],
    respondent: Annotated[
        str | None, typer.Option("--respondent", "-r", help="Alleen deze respondent, bv. R13.")
    ] = None,
    kind: Annotated[str | None, typer.Option("--kind", "-k", help="quote, passage, table of turn.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Eén JSON-object per regel.")] = False,
) -> None:
    """List chunks, optionally only one respondent's or one kind."""
    from ingest.attribution import normalize_code
    from ingest.store import StoreError, read_chunks

    try:
        items = read_chunks(directory)
    except StoreError as exc:
        fail(str(exc))
    code = None
    if respondent:
        code = normalize_code(respondent)
        if code is None:
            fail(f"{respondent!r} is geen respondentcode (verwacht bv. R13)")
    selected = [c for c in items if (code is None or code in c.respondents) and (kind is None or c.kind == kind)]
    for c in selected:
        if as_json:
            typer.echo(c.to_json())
        else:
            who = ", ".join(c.respondents) or "-"
            where = " > ".join(c.section) or "-"
            page = f"p. {c.page}" if c.page else "p. -"
            typer.echo(f"[{c.kind}] {c.id}  {who} · {where} · {page}")
            typer.echo(f"    {c.text[:300]}{'…' if len(c.text) > 300 else ''}")
    if not as_json:
        typer.echo(f"{len(selected)} chunks", err=True)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("citaat: onderbroken", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
