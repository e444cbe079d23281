"""The publication's apparatus (ingest/apparatus.py), golden-tested on the report: exactly the
title page, blurb and colophon, the preface's signature, the reading guidance, the supervisory
group and the three footnotes; the same in the PDF and the text version; never a quote."""

from __future__ import annotations

import pytest

from citaat.ingest.apparatus import apparatus_reason, find_apparatus, is_apparatus
from citaat.ingest.model import Chunk

GOLDEN = [
    ("voorwerk", "Ministerie van Binnenlandse Zaken en"),
    ("voorwerk", "Het vertrouwen in de samenwerking komt te voet"),
    ("voorwerk", "Dit is een uitgave in opdracht van:"),
    ("ondertekening", "Dr Henriëtte van den Heuvel"),
    ("leeswijzer", "Bent u nieuwsgierig naar wat u collega's vertellen"),
    ("leeswijzer", "Je kunt ook meteen doorgaan met de aanbevelingen op pagina 38"),
    ("voetnoot", "¹ De focus binnen dit rapport is op gemeenten"),
    ("kop: begeleidingsgroep", "Het schrijven van de publicatie is begeleid"),
    ("voetnoot", "² De nummering is niet gelijk aan de volgorde"),
    ("voetnoot", "³ Hierbij lijkt vooral gerefereerd te worden"),
]


def _found(chunks: list[Chunk]) -> list[tuple[str, str]]:
    by_id = {c.id: c for c in chunks}
    found = find_apparatus(chunks)
    return [(reason, by_id[cid].text) for cid, reason in found.items()]


@pytest.mark.parametrize("which", ["pdf", "txt"])
def test_the_reports_apparatus_is_found_exactly(which, pdf_chunks, txt_chunks):
    chunks = pdf_chunks if which == "pdf" else txt_chunks
    found = _found(chunks)
    assert len(found) == len(GOLDEN), [text[:60] for _, text in found]
    for (reason, text), (want_reason, prefix) in zip(found, GOLDEN, strict=True):
        assert reason == want_reason
        assert text.startswith(prefix), text[:80]


def test_no_quote_and_no_finding_is_apparatus(pdf_chunks):
    found = find_apparatus(pdf_chunks)
    assert not any(c.id in found for c in pdf_chunks if c.kind == "quote")
    # the chapters with the findings lose only their footnotes
    findings = [c for c in pdf_chunks if c.section and c.section[0] in ("Succesfactoren", "Faalfactoren")]
    assert findings and [found[c.id] for c in findings if c.id in found] == ["voetnoot"]


def _chunk(text: str, section: tuple[str, ...] = (), kind: str = "passage", **meta: object) -> Chunk:
    return Chunk(
        id=f"d:{len(text)}:{kind}", doc="d.txt", kind=kind, text=text, respondents=(),  # type: ignore[arg-type]
        section=section, page=None, start=0, end=len(text), meta=dict(meta),
    )


def test_front_matter_needs_a_heading_elsewhere_and_speech_is_never_apparatus():
    plain = [_chunk("Lees verder in hoofdstuk 2 voor de uitkomsten. Een verslag zonder koppen.")]
    # without any heading in the document there is no front matter (the guidance rule still applies)
    assert find_apparatus([_chunk("Een verslag zonder koppen.")]) == {}
    assert list(find_apparatus(plain).values()) == ["leeswijzer"]
    headed = [_chunk("Titelblad"), _chunk("De bevindingen van het onderzoek.", ("1. Bevindingen",))]
    assert list(find_apparatus(headed).values()) == ["voorwerk"]
    assert apparatus_reason(_chunk("Inhoud van de samenwerking", ("3. Colofon",))) == "kop: colofon"
    assert not is_apparatus(_chunk("¹ iets", kind="quote"))
    assert not is_apparatus(_chunk("Lees hoofdstuk 2", interview=True), front_matter=True)
    assert not is_apparatus(_chunk("De gemeenten lezen elkaars plannen niet."))
