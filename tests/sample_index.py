"""A tiny synthetic Dutch corpus (two documents, every chunk kind) for the index and search tests.

`sample_chunks()` returns chunks exactly as ingest would write them: passages with their quotes
as children (`parent`), offsets into one document text per document, respondent codes on the
quotes and passages. `write_sample(dir)` writes them as DIR/chunks.jsonl.
"""

from __future__ import annotations

from pathlib import Path

from citaat.ingest.model import Chunk
from citaat.ingest.store import write_chunks

REPORT = "rapport-samenwerking.pdf"
TRANSCRIPT = "interview-r7.docx"

# (section path, passage template, quotes): the template's {0}, {1}, … are the quotes, written
# as “quote” (Rn) in the passage text.
_REPORT: list[tuple[tuple[str, ...], str, list[tuple[str, str]]]] = [
    (
        ("Succesfactoren", "2.1 Vertrouwen tussen gemeenten"),
        "Vertrouwen tussen de deelnemende gemeenten wordt het vaakst genoemd als succesfactor. {0}",
        [("Zonder vertrouwen tussen de wethouders komt er niets van de grond", "R13")],
    ),
    (
        ("Succesfactoren", "2.1 Vertrouwen tussen gemeenten"),
        "Elkaar kennen en informeel overleggen versterkt de band. {0} Ook anderen noemen dit: {1}",
        [
            ("We drinken elke maand koffie met alle gemeentesecretarissen samen", "R4"),
            ("De klik tussen de mensen is het allerbelangrijkste", "R25"),
        ],
    ),
    (
        ("Succesfactoren", "2.2 Gezamenlijke ambitie"),
        "Een gedeelde ambitie helpt om keuzes te maken over dienstverlening en kwaliteit. {0}",
        [("Wij wilden samen de beste belastingdienst van de regio worden", "R2")],
    ),
    (
        ("Faalfactoren", "3.1 Falende ICT"),
        "Tegenvallende prestaties van de ICT zijn het grootste risico voor het samenwerkingsverband. {0}",
        [("Als de servers platliggen, is het vertrouwen in één dag weg", "R13")],
    ),
    (
        ("Faalfactoren", "3.2 Financiële risico's"),
        "Een te krappe begroting leidt tot tekorten en discussie over de verdeelsleutel. {0}",
        [("Elk jaar weer ruzie over wie de tekorten betaalt", "R9")],
    ),
    (
        ("Geleerde lessen",),
        "Investeer vooraf in de relatie en houd de juridische vorm zo eenvoudig mogelijk.",
        [],
    ),
]
_TABLE = (
    ("Succesfactoren", "Tabel 1 Relatie"),
    "Tabel 1 Relatie\n\nN | Gemiddelde\nEr is sprake van vertrouwen tussen de gemeentesecretarissen | 33 | 3,94",
)
_TURNS = [
    ("Hoe begon de samenwerking?", "We begonnen met de salarisadministratie, omdat die het meest kwetsbaar was."),
    ("Wat zou u anders doen?", "Ik zou de gemeenteraden veel eerder meenemen in de plannen voor de fusie."),
]


def _report_chunks() -> list[Chunk]:
    chunks: list[Chunk] = []
    pos = 0
    for n, (section, template, quotes) in enumerate(_REPORT):
        # Fill in the quotes and remember where each quote text lands.
        text = ""
        spans: list[tuple[int, int]] = []
        rest = template
        for i, (quote, code) in enumerate(quotes):
            before, rest = rest.split("{" + str(i) + "}", 1)
            text += before + "“"
            spans.append((len(text), len(text) + len(quote)))
            text += f"{quote}” ({code})"
        text += rest
        pid = f"rapport:p:{n:02d}"
        page = 3 + n // 2
        codes = tuple(dict.fromkeys(code for _, code in quotes))
        chunks.append(Chunk(pid, REPORT, "passage", text, codes, section, page, pos, pos + len(text)))
        for i, ((quote, code), (qs, qe)) in enumerate(zip(quotes, spans, strict=True)):
            chunks.append(
                Chunk(
                    f"rapport:q:{n:02d}{i}",
                    REPORT,
                    "quote",
                    quote,
                    (code,),
                    section,
                    page,
                    pos + qs,
                    pos + qe,
                    parent=pid,
                    meta={"code": f"({code})"},
                )
            )
        pos += len(text) + 2
    section, table = _TABLE
    chunks.append(Chunk("rapport:t:00", REPORT, "table", table, (), section, 9, pos, pos + len(table)))
    return chunks


def _turn_chunks() -> list[Chunk]:
    chunks = []
    pos = 0
    for n, (question, answer) in enumerate(_TURNS):
        pos += len(question) + 2
        chunks.append(
            Chunk(
                f"r7:u:{n:02d}",
                TRANSCRIPT,
                "turn",
                answer,
                ("R7",),
                ("Interview R7",),
                None,
                pos,
                pos + len(answer),
                context=question,
            )
        )
        pos += len(answer) + 2
    return chunks


def sample_chunks() -> list[Chunk]:
    """Report passages, their quotes, one table and two transcript turns (15 chunks)."""
    return _report_chunks() + _turn_chunks()


def write_sample(directory: Path) -> Path:
    """Write the sample as DIR/chunks.jsonl and return DIR."""
    directory.mkdir(parents=True, exist_ok=True)
    write_chunks(directory, sample_chunks())
    return directory
