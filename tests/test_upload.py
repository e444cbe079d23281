"""Upload safety (app/upload.py): what the chat page's upload refuses, and that a parser which hangs
is stopped. Each refusal is one Dutch line naming the file and the reason."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from citaat.app.upload import UploadLimits, accept_files, check_docx, ingest_uploads, safe_name
from citaat.ingest.store import CHUNKS_FILE, has_staged

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "transcripts"


def _file(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_oversized_file_is_refused(tmp_path):
    big = _file(tmp_path, "groot.txt", b"R1: tekst\n" * 200_000)  # 2 MB
    stored, problems = accept_files([("groot.txt", big)], tmp_path / "up", UploadLimits(max_file_mb=1))
    assert stored == []
    assert problems == ["groot.txt: te groot (2.0 MB; de grens is 1.0 MB)"]
    assert not any((tmp_path / "up").iterdir())


def test_too_many_files_are_refused(tmp_path):
    files = [(f"r{i}.txt", _file(tmp_path, f"r{i}.txt", b"x")) for i in range(3)]
    stored, problems = accept_files(files, tmp_path / "up", UploadLimits(max_files=2))
    assert stored == [] and problems == ["te veel bestanden (3); de grens is 2 per keer"]


def test_wrong_type_is_refused(tmp_path):
    exe = _file(tmp_path, "setup.exe", b"MZ\x90\x00")
    stored, problems = accept_files([("setup.exe", exe)], tmp_path / "up")
    assert stored == []
    assert problems[0].startswith("setup.exe: bestandstype .exe wordt niet ondersteund; gebruik .docx, ")


@pytest.mark.parametrize(
    "name, expected",
    [
        ("../../etc/cron.d/x.txt", "x.txt"),
        ("..\\..\\Windows\\evil.md", "evil.md"),
        ("/abs/path/interview R12.txt", "interview R12.txt"),
        ("..txt", None),
        ("....", None),
        (".bashrc", None),
        ("a/b/../", None),
        ("rap<port>;rm -rf.pdf", "rap_port_rm -rf.pdf"),
    ],
)
def test_safe_name(name, expected):
    assert safe_name(name) == expected


def test_traversal_name_stays_inside_the_upload_dir(tmp_path):
    src = _file(tmp_path, "t.txt", (EXAMPLES / "interview-R31.txt").read_bytes())
    dest = tmp_path / "data" / "uploads"
    stored, problems = accept_files([("../../../outside.txt", src)], dest)
    assert problems == []
    assert stored == [dest / "outside.txt"] and stored[0].is_file()
    assert not (tmp_path / "outside.txt").exists() and not (tmp_path / "data" / "outside.txt").exists()
    stored, problems = accept_files([("../..", src)], dest)
    assert stored == [] and problems == ["..: geen bruikbare bestandsnaam"]


def _docx_bomb(path: Path, member_mb: int) -> Path:
    """A docx-shaped zip whose one member unpacks to `member_mb` MB of zeros (ratio ~1000:1)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as fh:
            block = b"\0" * 1_000_000
            for _ in range(member_mb):
                fh.write(block)
    return path


def test_docx_zip_bomb_is_refused_before_parsing(tmp_path):
    bomb = _docx_bomb(tmp_path / "bom.docx", 150)
    assert bomb.stat().st_size < 1_000_000  # small on disk: only the zip directory gives it away
    problem = check_docx(bomb, UploadLimits())
    assert problem is not None and "zip-bom" in problem and "150.0 MB" in problem
    stored, problems = accept_files([("bom.docx", bomb)], tmp_path / "up")
    assert stored == [] and problems == [f"bom.docx: {problem}"]
    # under the total limit, the compression ratio alone gives it away
    ratio = check_docx(_docx_bomb(tmp_path / "ratio.docx", 20), UploadLimits())
    assert ratio is not None and "keer gecomprimeerd" in ratio


def test_fake_docx_is_refused(tmp_path):
    fake = _file(tmp_path, "nep.docx", b"dit is geen zip")
    _, problems = accept_files([("nep.docx", fake)], tmp_path / "up")
    assert problems == ["nep.docx: geen geldig Word-bestand (.docx is een zip-archief, dit niet)"]
    assert check_docx(EXAMPLES / "R32.docx", UploadLimits()) is None  # a real one passes


def test_parser_hang_is_stopped(tmp_path):
    """The parse runs in a child process; one that does not finish within the timeout is killed,
    the staged output removed, and the previous data left as it was."""
    data = tmp_path / "data"
    stored, _ = accept_files([("interview-R31.txt", EXAMPLES / "interview-R31.txt")], data / "uploads")
    limits = UploadLimits(parse_timeout_s=3, delay_per_file=60)  # the hook makes the parser sleep a minute
    outcome = ingest_uploads(stored, data, limits)
    assert outcome.problems == [
        "interview-R31.txt: het inlezen duurde langer dan 3 s en is afgebroken; er is niets veranderd"
    ]
    assert not outcome.indexed and not has_staged(data) and not (data / CHUNKS_FILE).exists()


def test_parse_failure_is_one_line(tmp_path):
    data = tmp_path / "data"
    src = _file(tmp_path, "leeg.txt", b"\x00\x01\x02\x03" * 100)
    stored, problems = accept_files([("leeg.txt", src)], data / "uploads")
    assert problems == []
    outcome = ingest_uploads(stored, data, UploadLimits())
    assert outcome.problems == ["leeg.txt: lijkt binaire data, geen tekst"]
    assert not outcome.indexed
    shutil.rmtree(data)
