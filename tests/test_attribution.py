"""The attribution rules of ingest/attribution.py, one small synthetic paragraph per rule."""

from __future__ import annotations

import pytest

from citaat.ingest.attribution import codes_without_quote, find_quotes, respondents_in


def attributed(text: str) -> list[tuple[str | None, str]]:
    return [(q.respondent, q.text) for q in find_quotes(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hij zegt: “Vertrouwen is alles” (R13).", [("R13", "Vertrouwen is alles")]),
        ("Hij zegt: “Vertrouwen is alles” (R 20).", [("R20", "Vertrouwen is alles")]),
        ("Hij zegt: “Vertrouwen is alles” (R27²).", [("R27", "Vertrouwen is alles")]),
        ('Zij zegt: "Open en eerlijk zijn." (R8)', [("R8", "Open en eerlijk zijn.")]),
        ("Zoals gezegd: “Hoe werkt dat nou?” (13).", [("R13", "Hoe werkt dat nou?")]),
    ],
    ids=["plain", "space", "footnote", "straight-quotes", "bare-number"],
)
def test_code_forms(text, expected):
    assert attributed(text) == expected


def test_several_quotes_each_get_their_own_code():
    text = "Sommigen zeggen: “Er is een klik” (R7); “De klik is het belangrijkste” (R25) en “Ook de raad telt” (R3)."
    assert attributed(text) == [
        ("R7", "Er is een klik"),
        ("R25", "De klik is het belangrijkste"),
        ("R3", "Ook de raad telt"),
    ]


def test_scale_points_are_not_respondents():
    text = "Ziet u de relatie als een relatie tussen collega's (1) of als klant-leverancierrelatie (5)?"
    assert find_quotes(text) == []
    assert respondents_in(text) == []


def test_bare_number_only_after_a_closing_quote():
    assert respondents_in("Er waren 12 gemeenten (13) en een provincie.") == []
    assert respondents_in("“Dat ging goed en dat blijft zo” (13)") == ["R13"]


def test_quote_without_code_has_no_respondent():
    text = "Iemand zegt: “We hebben een heel hoog ziekteverzuim gehad in het eerste jaar.” Een ander: “Klopt” (R2)."
    assert attributed(text) == [
        (None, "We hebben een heel hoog ziekteverzuim gehad in het eerste jaar."),
        ("R2", "Klopt"),
    ]


def test_short_scare_quotes_are_not_quote_chunks():
    assert find_quotes("Het gaat om ‘vertrouwen’ en een “klik” tussen mensen.") == []


def test_nested_quote_with_missing_outer_close():
    text = (
        "Zo noemt hij: “Werken met vaste prijzen zodat collega’s niet terug hoeven naar de raad van "
        "“Het is 1000 euro duurder”. Dan krijg je de vraag “kan het niet goedkoper?” (R19)."
    )
    (resp, quote), = attributed(text)
    assert resp == "R19"
    assert quote.startswith("Werken met vaste prijzen") and quote.endswith("kan het niet goedkoper?")


def test_single_quotes_inside_unclosed_double_quote():
    text = "Hij zegt: “Dan denk je: ‘waar geef je ruimte voor’ of zeg je ‘we gaan voor standaardisatie’ (R9)."
    (resp, quote), = attributed(text)
    assert resp == "R9" and quote.endswith("‘we gaan voor standaardisatie")


def test_apostrophes_are_not_quote_marks():
    text = "De SSC’s en z’n collega's zeggen: “Het gaat om de vier K's van de organisatie” (R16)."
    assert attributed(text) == [("R16", "Het gaat om de vier K's van de organisatie")]


def test_code_after_emphasis_and_punctuation():
    text = "Hij zegt *“Ambitie versus realiteit. Dat neem ik mezelf kwalijk.”* (R6). Daarna verder."
    assert attributed(text) == [("R6", "Ambitie versus realiteit. Dat neem ik mezelf kwalijk.")]


def test_quote_offsets_are_exact():
    text = "Intro: “  Vertrouwen binnen het bestuur  ” (R27). Slot."
    (q,) = find_quotes(text)
    assert text[q.start : q.end] == q.text == "Vertrouwen binnen het bestuur"
    assert text[q.code_start : q.code_end] == "(R27)"


def test_code_without_quote_is_reported():
    assert codes_without_quote("Zoals respondent twaalf al zei (R12), is dit lastig.") == ["R12"]
