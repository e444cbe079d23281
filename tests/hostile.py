"""Hostile inputs for the hardening tests (issue 21), built in code so the repository holds no
attack files: a PDF of any page size in a few hundred bytes."""

from __future__ import annotations

from pathlib import Path


def tiny_pdf(path: Path, width_pt: float, height_pt: float, text: str, pages: int = 1) -> Path:
    """A PDF of `pages` identical pages with `text` (Windows-1252, Helvetica) at the top left of a
    `width_pt` x `height_pt` page (all pages share one content stream). One page is well under a
    kilobyte, whatever its size."""
    lines = [line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") for line in text.split("\n")]
    shown = " 0 -16 Td ".join(f"({line}) Tj" for line in lines)
    stream = f"BT /F1 12 Tf 20 {height_pt - 40:.0f} Td {shown} ET".encode("cp1252")
    kids = " ".join(f"{5 + n} 0 R" for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    page = (
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width_pt:g} {height_pt:g}] "
        "/Contents 3 0 R /Resources << /Font << /F1 4 0 R >> >> >>"
    ).encode()
    objects += [page] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path
