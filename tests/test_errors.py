"""One error root: every user error of every layer is a CitaatError and ends the CLI with one Dutch line.

Per error family (missing index, damaged chunks.jsonl, bad question file, bad respondent code,
bad LLM setting) the command exits with 1 and prints exactly `citaat: <message>; <hint>` on
stderr, never a traceback. Also: a text file is classified once on its way to a Document.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sample_index import write_sample
from typer.testing import CliRunner

from citaat.app.llm import LLMError
from citaat.cli import app
from citaat.eval.dataset import DatasetError
from citaat.eval.run import EvalError
from citaat.index.embedders import EmbedderError
from citaat.index.store import IndexMismatchError, IndexMissingError, SearchIndexError
from citaat.ingest.errors import CitaatError, ConfigError
from citaat.ingest.model import IngestError
from citaat.ingest.store import CHUNKS_FILE, StoreError


def test_every_error_class_has_the_one_root() -> None:
    for cls in (IngestError, StoreError, SearchIndexError, IndexMissingError, IndexMismatchError, EmbedderError,
                LLMError, DatasetError, EvalError, ConfigError):
        assert issubclass(cls, CitaatError), cls
    assert issubclass(DatasetError, ValueError) and issubclass(ConfigError, ValueError)


def test_message_and_hint_make_one_line() -> None:
    assert str(CitaatError("geen index", "bouw hem met `citaat index data`")) == (
        "geen index; bouw hem met `citaat index data`"
    )
    assert str(CitaatError("regel 1\nis kapot")) == "regel 1 is kapot"
    err = IngestError("in/a.pdf", "de PDF is met een wachtwoord beveiligd", "haal het wachtwoord weg")
    assert (err.path, err.reason) == ("in/a.pdf", "de PDF is met een wachtwoord beveiligd")
    assert str(err) == "in/a.pdf: de PDF is met een wachtwoord beveiligd; haal het wachtwoord weg"
    assert err.explanation == "de PDF is met een wachtwoord beveiligd; haal het wachtwoord weg"


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return write_sample(tmp_path / "data")  # chunks.jsonl, no index


def _damaged(sample: Path) -> Path:
    path = sample / CHUNKS_FILE
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:3]) + '{"id": "kapot", "te' + "\n" + "".join(lines[3:]), encoding="utf-8")
    return sample


def _bad_questions(tmp_path: Path) -> Path:
    path = tmp_path / "vragen.jsonl"
    path.write_text('{"id": "q1", "q": "Wat zegt R3?", "snippets": ["x"]}\n{nee\n', encoding="utf-8")
    return path


CASES = {
    "missing-index": (lambda tmp, sample: ["search", "vertrouwen", "--index", str(sample)], "geen zoekindex gevonden"),
    "missing-chunks": (lambda tmp, sample: ["chunks", str(tmp / "nergens")], "niet gevonden; lees eerst documenten"),
    "damaged-chunks": (lambda tmp, sample: ["chunks", str(_damaged(sample))], "regel 4 is beschadigd"),
    "damaged-chunks-index": (lambda tmp, sample: ["index", str(_damaged(sample)), "-q"], "opnieuw in met `citaat ingest`"),
    "bad-question-file": (
        lambda tmp, sample: ["eval", "--set", str(_bad_questions(tmp)), "--index", str(sample), "-q"],
        "vragen.jsonl:2: geen geldige JSON",
    ),
    "missing-question-file": (
        lambda tmp, sample: ["eval", "--set", str(tmp / "weg.jsonl"), "--index", str(sample), "-q"],
        "vragenbestand niet gevonden; geef het pad met --set",
    ),
    "bad-respondent-ingest": (
        lambda tmp, sample: ["ingest", str(tmp), "--respondent", "Jan", "--out", str(tmp / "o")],
        "--respondent 'Jan' is geen respondentcode; gebruik een code zoals R12",
    ),
    "bad-respondent-chunks": (lambda tmp, sample: ["chunks", str(sample), "-r", "Jan"], "'Jan' is geen respondentcode"),
    "bad-respondent-search": (
        lambda tmp, sample: ["search", "x", "--index", str(sample), "-r", "Jan"],
        "'Jan' is geen respondentcode; gebruik een code zoals R13",
    ),
    "bad-llm-setting": (
        lambda tmp, sample: ["chat", "--index", str(sample), "--llm", "openai", "--llm-model", "m"],
        "heeft een basis-URL nodig; geef --llm-url",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_cli_error_is_one_dutch_line_without_traceback(name: str, tmp_path: Path, sample: Path) -> None:
    make_args, message = CASES[name]
    res = CliRunner().invoke(app, make_args(tmp_path, sample))
    assert res.exit_code == 1, (res.output, res.stderr)
    assert "Traceback" not in res.output + res.stderr and isinstance(res.exception, SystemExit)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("citaat: "), res.stderr
    assert message in lines[0], lines[0]


def test_a_text_transcript_is_classified_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from citaat.ingest import transcript
    from citaat.ingest.loaders import load

    calls = []
    classify = transcript._classify

    def counting(*args, **kwargs):
        calls.append(1)
        return classify(*args, **kwargs)

    monkeypatch.setattr(transcript, "_classify", counting)
    path = tmp_path / "interview-R21.txt"
    path.write_text("Interviewer: Hoe ging het?\n\nR21: Goed, we werkten samen.\n\nInterviewer: En nu?\n\nR21: Beter.\n",
                    encoding="utf-8")
    doc = load(path)
    assert doc.source_kind == "transcript" and doc.respondent == "R21"
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("args", "dutch"),
    [
        (["--bogus"], "onbekende optie: --bogus"),
        (["serch"], "onbekend commando 'serch'. Bedoelt u 'search'?"),
        (["ingest"], "argument 'paths' ontbreekt."),
        (["search", "a", "b", "c"], "onverwacht extra argument: b c"),
        (["chat", "--port", "abc"], "ongeldige waarde voor '--port': dit is geen geheel getal"),
    ],
)
def test_usage_errors_are_dutch(args: list[str], dutch: str) -> None:
    """Typer's own usage errors and usage line (f-strings in its vendored click) come out in Dutch."""
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    text = " ".join(result.output.split())  # the error panel wraps long lines
    assert dutch in text
    assert "Gebruik: citaat" in text and "Usage" not in text
    assert "Missing" not in text and "No such" not in text and "Invalid" not in text


def test_help_usage_line_is_dutch() -> None:
    result = CliRunner().invoke(app, ["eval", "--help"])
    assert result.exit_code == 0
    assert "Gebruik: citaat eval [OPTIES] COMMANDO [ARGUMENTEN]..." in result.output
