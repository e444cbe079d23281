"""The query-file reader shared by `citaat search --queries` and the eval question set."""

from __future__ import annotations

import pytest

from citaat.index.queries import QueryFileError, parse_query_lines, read_query_file


def test_records_skip_blank_and_comment_lines_and_default_the_id():
    records = parse_query_lines(['{"id": "a", "q": "Wat?"}', "", "# opmerking", '{"q": "Wie?", "extra": 1}'], "f")
    assert [(r.line, r.id, r.q) for r in records] == [(1, "a", "Wat?"), (4, 4, "Wie?")]
    assert records[1].data["extra"] == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{nope", "f:2: geen geldige JSON"),
        ('["q"]', "f:2: geen JSON-object"),
        ('{"id": "b"}', 'f:2: geen vraag ("q" ontbreekt of is leeg)'),
        ('{"q": "  "}', "f:2: geen vraag"),
        ('{"id": "", "q": "x"}', 'f:2: "id" moet een niet-lege tekst of een getal zijn'),
        ('{"id": true, "q": "x"}', 'f:2: "id" moet'),
        ('{"id": "a", "q": "x"}', "f:2: id 'a' staat ook op regel 1"),
    ],
)
def test_bad_lines_name_file_and_line(line, message):
    with pytest.raises(QueryFileError) as exc:
        parse_query_lines(['{"id": "a", "q": "Wat?"}', line], "f")
    assert str(exc.value).startswith(message)


def test_files(tmp_path):
    with pytest.raises(QueryFileError, match="bestand niet gevonden"):
        read_query_file(tmp_path / "nope.jsonl")
    empty = tmp_path / "leeg.jsonl"
    empty.write_text("\n# niets\n", encoding="utf-8")
    with pytest.raises(QueryFileError, match="leeg.jsonl: geen vragen gevonden"):
        read_query_file(empty)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"q": "\xff"}\n')
    with pytest.raises(QueryFileError, match="kan niet gelezen worden"):
        read_query_file(bad)
