"""Golden tests on the real report (PDF and TXT): what a reader can check by eye in the source."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from citaat.ingest.respondents import REPORT_CODE_RE, report_code

# Every respondent code in the report text, counted by hand-checkable regex over the raw .txt:
# (R13), (R 20), (R27²) and the single bare (13) that follows a closing quote.
RAW_CODE_RE = re.compile(r"\(R ?(\d+)²?\)|(?<=[”\"*] )\((13)\)")


def source_codes(raw: str) -> Counter[str]:
    return Counter(f"R{a or b}" for a, b in RAW_CODE_RE.findall(raw))


@pytest.fixture(scope="module")
def raw_txt(report_txt) -> str:
    return report_txt.read_text(encoding="utf-8")


def test_source_has_110_attributions(raw_txt):
    codes = source_codes(raw_txt)
    assert sum(codes.values()) == 110
    assert "R22" not in codes
    assert codes["R13"] == 10 and codes["R20"] == 7  # incl. the bare (13) and "(R 20)"


@pytest.mark.parametrize("fmt", ["pdf", "txt"])
def test_every_attribution_yields_a_quote(fmt, raw_txt, request):
    doc = request.getfixturevalue(f"{fmt}_doc")
    chunks = request.getfixturevalue(f"{fmt}_chunks")
    quotes = [c for c in chunks if c.kind == "quote" and c.respondents]
    assert Counter(c.respondents[0] for c in quotes) == source_codes(raw_txt)
    flat_raw = re.sub(r"\s+", " ", raw_txt.replace("*", ""))
    for q in quotes:
        assert doc.text[q.start : q.end] == q.text
        # Verbatim: the quote text stands in the source (emphasis markers and line breaks aside)...
        assert re.sub(r"\s+", " ", q.text) in flat_raw
        # ... and its respondent code follows it directly.
        after = doc.text[q.end : q.end + 12]
        m = REPORT_CODE_RE.search(after)
        assert m and re.fullmatch(r"[\s”’\"'.,;:…]*", after[: m.start()]), (q.respondents, q.text[-40:], after)
        assert report_code(m) == q.respondents[0]
    assert not any("R22" in c.respondents for c in chunks)


def test_tricky_attributions(pdf_chunks):
    by_start = {c.text[:40]: c for c in pdf_chunks if c.kind == "quote"}

    def quote(prefix: str):
        matches = [c for k, c in by_start.items() if k.startswith(prefix[:40])]
        assert matches, prefix
        return matches[0]

    # (R27²): the footnote mark is not part of the code.
    q = quote("Vertrouwen binnen het bestuur en binnen de")
    assert q.respondents == ("R27",)
    assert q.text == "Vertrouwen binnen het bestuur en binnen de gemeentesecretarissen, binnen de ambtelijke top"
    # Nested quotes with the outer closing mark missing: the whole quote goes to R19.
    q = quote("Wat belangrijk is gebleken is het werken")
    assert q.respondents == ("R19",) and q.text.endswith("krijg je de vraag “kan het niet goedkoper?")
    # Single quotes inside an unclosed double quote (R9).
    q = quote("Daar waar het in kleine gemeente nog op de")
    assert q.respondents == ("R9",) and q.text.endswith("‘we gaan echt voor de standaardisatie")
    # The bare (13) after a closing quote is R13.
    q = quote("Wat gaan we nou precies doen? Wat voor")
    assert q.respondents == ("R13",)
    # "(R 20)" with a space.
    q = quote("Je begint weer op nul.")
    assert q.respondents == ("R20",)
    # A one-word quote is still a quote when a code follows it.
    assert any(c.text == "wij" and c.respondents == ("R17",) for c in pdf_chunks if c.kind == "quote")


def test_scale_points_are_not_respondents(pdf_chunks):
    passage = next(c for c in pdf_chunks if c.kind == "passage" and "collega's (1)" in c.text)
    assert passage.respondents == ()
    assert "klant-leverancierrelatie (5)" in passage.text


def test_unattributed_quote_has_no_respondent(pdf_chunks):
    q = next(
        c for c in pdf_chunks if c.kind == "quote" and c.text.startswith("Zo hebben we bijvoorbeeld een heel hoog")
    )
    assert q.respondents == ()  # the report gives no code here; the next quote's R2 is not borrowed
    q = next(c for c in pdf_chunks if c.kind == "quote" and c.text.startswith("Hoe speel je in een elftal"))
    assert q.respondents == ()


@pytest.mark.parametrize(
    "prefix, respondent, section, page",
    [
        ("Vertrouwen binnen het bestuur", "R27", ("Succesfactoren", "2.1 Vertrouwen tussen deelnemende gemeenten"), 5),
        ("Een programmatische en voorspelbare aanpak", "R13", ("Succesfactoren", "2.3 Gezamenlijke aanpak"), 7),
        (
            "ICT is toch wel voor overheidsorganisaties",
            "R8",
            ("Faalfactoren", "3.1 Falende performance (vooral ICT)"),
            10,
        ),
        # Starts on page 12 and runs over to page 13 in the PDF.
        ("Mijn grootste risico is dat het politiseert", "R5", ("Faalfactoren", "3.4 Governance"), 12),
        (
            "Investeren in elkaar. Investeren in de relatie",
            "R18",
            (
                "Conclusies met kwantitatieve illustraties",
                "1. Vertrouwen met stip op 1",
                "De rol van vertrouwen in de geleerde lessen",
            ),
            19,
        ),
        (
            "Je begint weer op nul.",
            "R20",
            (
                "Conclusies met kwantitatieve illustraties",
                "9. Veranderingen onderweg: wisseling van de wacht & herindelingen",
                "Faalfactor: Wisseling van de wacht",
            ),
            29,
        ),
    ],
)
def test_section_and_page_match_the_pdf(pdf_chunks, prefix, respondent, section, page):
    q = next(c for c in pdf_chunks if c.kind == "quote" and c.text.startswith(prefix))
    assert q.respondents == (respondent,)
    assert q.section == section
    assert q.page == page


def test_quote_after_page_break_gets_the_next_page(pdf_chunks):
    # The paragraph "Anderzijds wordt ook gewezen ..." starts at the foot of page 12; R3's quote in it
    # starts after the break, on page 13.
    q = next(c for c in pdf_chunks if c.kind == "quote" and c.text.startswith("Als je je bestuurlijke aanhaking"))
    parent = next(c for c in pdf_chunks if c.id == q.parent)
    assert q.respondents == ("R3",) and q.page == 13
    assert parent.text.startswith("Anderzijds wordt ook gewezen") and parent.page == 12


def test_headings_become_section_paths(pdf_chunks, txt_chunks):
    for chunks in (pdf_chunks, txt_chunks):
        chapters = list(dict.fromkeys(c.section[0] for c in chunks if c.section))
        assert chapters == [
            "Voorwoord",
            "Samenvatting",
            "Inleiding",
            "Succesfactoren",
            "Faalfactoren",
            "Geleerde lessen",
            "Conclusies met kwantitatieve illustraties",
            "Aanbevelingen voor bestuurders, secretarissen en directeuren",
            "Aanbevelingen - Een geparafraseerde mix van uitspraken uit de interviews",
            "Bijlage 1 Geïnterviewden",
            "Bijlage 2 Factsheets",
        ]
        sections = {c.section[:2] for c in chunks if len(c.section) >= 2 and c.section[0] == "Succesfactoren"}
        assert {s[1][:3] for s in sections} == {"2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7"}
        conclusions = {c.section[1] for c in chunks if len(c.section) >= 2 and c.section[0].startswith("Conclusies")}
        assert len(conclusions) == 10 and "1. Vertrouwen met stip op 1" in conclusions


def _source_tables(raw: str) -> dict[str, tuple[list[str], str]]:
    """Tabel N captions with their rows (first cell + figures) and scale note, read from the .txt."""
    tables = {}
    for m in re.finditer(r"^Tabel (\d) \*?([^\n*]+)\*?\n(?: ?\n)+((?:[^\n]*\t[^\n]*\n)+)\n\* ([^\n]+)", raw, re.M):
        rows = [
            " | ".join(c for c in line.split("\t") if c.strip()).replace("*", "") for line in m.group(3).splitlines()
        ]
        tables[f"Tabel {m.group(1)} {m.group(2).strip()}"] = (rows, m.group(4).strip())
    return tables


@pytest.mark.parametrize("fmt", ["pdf", "txt"])
def test_all_nine_tables_come_out_whole(fmt, raw_txt, request):
    chunks = request.getfixturevalue(f"{fmt}_chunks")
    expected = _source_tables(raw_txt)
    assert len(expected) == 9
    tables = [c for c in chunks if c.kind == "table" and c.text.startswith("Tabel")]
    assert len(tables) == 9
    for caption, (rows, note) in expected.items():
        chunk = next(c for c in tables if c.text.startswith(caption))
        lines = chunk.text.split("\n")
        assert lines[0] == caption
        for row in rows:
            assert row in lines, (caption, row)
        assert lines[-1] == note
        assert chunk.respondents == ()


def test_table_three_motieven(pdf_chunks):
    t = next(c for c in pdf_chunks if c.kind == "table" and c.text.startswith("Tabel 3 Motieven"))
    assert "Er was druk vanuit de provincie of rijk om samen te werken | 34 | 1,71" in t.text
    assert t.text.endswith("Schaal: 1 (helemaal niet waar) - 5 (zeer waar)")
    assert t.page == 21


def test_pdf_and_txt_give_the_same_quotes(pdf_chunks, txt_chunks):
    def quotes(chunks):
        return [(c.respondents, c.text, c.section) for c in chunks if c.kind == "quote"]

    assert quotes(pdf_chunks) == quotes(txt_chunks)


def test_pdf_furniture_removed(pdf_doc):
    assert "Succesvol samenwerken in de bedrijfsvoering\nSuccesvol" not in pdf_doc.text
    assert not re.search(r"^\d{1,2}$", pdf_doc.text, re.M)  # no page-number lines
    assert "  " not in pdf_doc.text.replace("\n\n", "\n")  # justification spaces collapsed
    assert "voor- en nadelen" in pdf_doc.text  # an elliptical hyphen at a line end is kept


def test_chunks_are_exact_substrings_with_resolving_parents(pdf_doc, pdf_chunks):
    ids = {c.id for c in pdf_chunks}
    assert len(ids) == len(pdf_chunks)
    by_id = {c.id: c for c in pdf_chunks}
    for c in pdf_chunks:
        assert pdf_doc.text[c.start : c.end] == c.text
        if c.kind == "quote":
            parent = by_id[c.parent]
            assert parent.kind == "passage" and parent.start <= c.start < parent.end
            assert parent.section == c.section
        else:
            assert c.parent is None
        if c.kind == "passage":
            assert len(c.text) <= 2500
            assert set(c.respondents) == {
                q.respondents[0] for q in pdf_chunks if q.kind == "quote" and q.parent == c.id and q.respondents
            }


def test_long_paragraphs_become_sentence_windows_without_cutting_quotes(pdf_chunks):
    windows = [c for c in pdf_chunks if c.kind == "passage" and c.meta.get("window")]
    assert windows
    by_id = {c.id: c for c in pdf_chunks}
    for q in pdf_chunks:
        if q.kind == "quote" and len(q.text) < 900:
            parent = by_id[q.parent]
            assert parent.start <= q.start and q.end <= parent.end, q.text[:60]


def test_ids_are_stable(report_pdf, pdf_chunks):
    from citaat.ingest.chunker import chunk_report
    from citaat.ingest.loaders import load

    again = chunk_report(load(report_pdf))
    assert [c.id for c in again] == [c.id for c in pdf_chunks]
