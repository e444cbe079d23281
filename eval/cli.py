"""The `citaat eval` commands: compare retrieval configurations on a question set, derive labels.

Errors are raised, not printed: the command group (`citaat.app.cli.CitaatGroup`) turns any
`CitaatError` into one Dutch line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citaat.eval.run import EvalError

eval_app = typer.Typer(
    help="Retrieval evalueren: zoekconfiguraties vergelijken op een vragenset (tabel, JSON, grafiek).",
    invoke_without_command=True,
)


@eval_app.callback(
    help="Vergelijk zoekconfiguraties op een vragenset: tabel op het scherm, "
    "results.json, report.md en chart.png in --out.",
)
def eval_cmd(
    ctx: typer.Context,
    question_set: Annotated[
        Path | None, typer.Option("--set", help="Vragenset (JSONL); standaard eval/data/questions.jsonl.")
    ] = None,
    index_dir: Annotated[
        Path | None,
        typer.Option("--index", "-i", help="Map met chunks.jsonl en index/; standaard een cache van het rapport."),
    ] = None,
    config: Annotated[
        list[str] | None,
        typer.Option("--config", "-c", help="Configuratie(s), herhaalbaar of met komma's; standaard alle."),
    ] = None,
    split: Annotated[str, typer.Option("--split", help="dev, test of all.")] = "all",
    out: Annotated[Path, typer.Option("--out", "-o", help="Map voor results.json, report.md en chart.png.")] = Path(
        "eval/out"
    ),
    stat_test: Annotated[str, typer.Option("--stat-test", help="fisher (randomisatie) of student (t-toets).")] = (
        "fisher"
    ),
    list_configs: Annotated[bool, typer.Option("--list-configs", help="Toon de configuraties en stop.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Geen voortgangsbalk.")] = False,
) -> None:
    """Run retrieval configurations on a question set: Markdown table on stdout, JSON and PNG in --out."""
    if ctx.invoked_subcommand is not None:
        return
    import logging

    logging.basicConfig(level=logging.WARNING, format="citaat: %(message)s")
    from citaat.eval.configs import builtin_configs

    if list_configs:
        for cfg in builtin_configs().values():
            typer.echo(f"{cfg.name:<22} {cfg.description}")
        return
    if split not in ("dev", "test", "all"):
        raise EvalError(f"--split {split!r} bestaat niet", "kies dev, test of all")
    if stat_test not in ("fisher", "student"):
        raise EvalError(f"--stat-test {stat_test!r} bestaat niet", "kies fisher of student")
    names = [n.strip() for value in config or [] for n in value.split(",") if n.strip()] or None

    from citaat.eval.run import run_eval

    _, report = run_eval(question_set, index_dir, names, split, out, stat_test, progress=not quiet)
    typer.echo(report)
    typer.echo(f"Geschreven: {out / 'results.json'}, {out / 'report.md'}, {out / 'chart.png'}", err=True)


@eval_app.command(
    "label",
    help="Leid labels (chunk-id's met cijfer) af uit de snippets, of toon de "
    "kandidaat-chunks voor één vraag.",
)
def eval_label(
    index_dir: Annotated[
        Path | None,
        typer.Option("--index", "-i", help="Map met chunks.jsonl en index/; standaard een cache van het rapport."),
    ] = None,
    question_set: Annotated[
        Path | None, typer.Option("--set", help="Vragenset (JSONL); standaard eval/data/questions.jsonl.")
    ] = None,
    show: Annotated[
        str | None, typer.Option("--show", help="Toon de kandidaten (BM25 en hybride top 10) voor deze vraag-id.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Gelabeld bestand; standaard eval/data/labels.jsonl.")
    ] = None,
) -> None:
    """Derive graded chunk-id labels from the snippets (and report snippets that match no chunk),
    or show the candidate chunks for one question with the snippet highlighted."""
    import logging

    logging.basicConfig(level=logging.WARNING, format="citaat: %(message)s")
    from citaat.eval.dataset import DEFAULT_LABELS
    from citaat.eval.labels import run_label

    text = run_label(question_set, index_dir, show, out or DEFAULT_LABELS)
    typer.echo(text)



@eval_app.command(
    "answers",
    help="Scoor antwoorden van `citaat ask --queries VRAGEN --json` op de vragenset: bevat het antwoord "
    "het antwoord, worden vragen zonder antwoord geweigerd.",
)
def eval_answers(
    answers: Annotated[Path, typer.Argument(help="JSONL-uitvoer van `citaat ask --queries … --json`.")],
    question_set: Annotated[
        Path | None, typer.Option("--set", help="Vragenset (JSONL); standaard eval/data/questions.jsonl.")
    ] = None,
    split: Annotated[str, typer.Option("--split", help="dev, test of all.")] = "all",
    as_json: Annotated[bool, typer.Option("--json", help="Uitvoer als JSON.")] = False,
) -> None:
    """Score the answers of `citaat ask` against the question set."""
    import json

    from citaat.eval.answers import format_answer_report, read_answers, score_answers
    from citaat.eval.dataset import load_questions

    if split not in ("dev", "test", "all"):
        raise EvalError(f"--split {split!r} bestaat niet", "kies dev, test of all")
    qset = load_questions(question_set).select(split)
    result = score_answers(qset, read_answers(answers))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        typer.echo(format_answer_report(result, f"Antwoorden ({split})"))


@eval_app.command(
    "figures",
    help="Maak docs/benchmarks.md uit de vastgelegde cijfers (eval/figures/) en controleer de voorwaarden.",
)
def eval_figures(
    retrieval: Annotated[
        Path | None,
        typer.Option("--retrieval", help="results.json van `citaat eval --out DIR`: leg de zoekcijfers vast."),
    ] = None,
    write: Annotated[bool, typer.Option("--write", help="Schrijf docs/benchmarks.md.")] = False,
) -> None:
    """Record retrieval figures, check the conditions, and render (or write) docs/benchmarks.md."""
    from citaat.eval.figures import DOC, Figures, check, record_retrieval, render
    from citaat.ingest.fsio import atomic_write_text

    if retrieval is not None:
        typer.echo(f"Vastgelegd: {record_retrieval(retrieval)}", err=True)
    figures = Figures.load()
    failed = check(figures)
    text = render(figures)
    if write:
        atomic_write_text(DOC, text)
        typer.echo(f"Geschreven: {DOC} ({len(text.splitlines())} regels)", err=True)
    elif DOC.is_file() and DOC.read_text(encoding="utf-8") != text:
        typer.echo("docs/benchmarks.md is niet bijgewerkt: draai `citaat eval figures --write`", err=True)
    for line in failed:
        typer.echo(f"voorwaarde niet gehaald: {line}", err=True)
    if failed:
        raise typer.Exit(1)


@eval_app.command(
    "coding",
    help="Meet de codeerassistent (citaat code) op de handcodering in eval/data/coding: MAP per code zonder "
    "en met 2 voorbeelden, micro-F1 van de voorstellen, en de baselines (e5, TF-IDF, willekeurig).",
)
def eval_coding(
    index_dir: Annotated[Path, typer.Option("--index", "-i", help="Geïndexeerde map van het rapport.")] = Path(
        "bench-work/report"
    ),
    split: Annotated[str, typer.Option("--split", help="dev, test of all.")] = "dev",
    source: Annotated[
        str, typer.Option("--source", help="report (de citaten) of examples (beurten van de voorbeeldtranscripten).")
    ] = "report",
    as_json: Annotated[bool, typer.Option("--json", help="Uitvoer als JSON.")] = False,
) -> None:
    """Score index/coding.py against the hand coding of the report's quotes."""
    import json

    from citaat.eval.coding import evaluate, format_report, load_gold
    from citaat.index.search import Searcher

    if split not in ("dev", "test", "all"):
        raise EvalError(f"--split {split!r} bestaat niet", "kies dev, test of all")
    if source not in ("report", "examples"):
        raise EvalError(f"--source {source!r} bestaat niet", "kies report of examples")
    result = evaluate(Searcher.open(index_dir), load_gold(), split, source=source)
    typer.echo(json.dumps(result, indent=1) if as_json else format_report(result, f"{source}, {split}"))
