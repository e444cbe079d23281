"""Validate eval/data/questions.jsonl against the report text.

Usage:
    python eval/data/check_questions.py [questions.jsonl] [--report PATH]

The report defaults to $CITAAT_REPORT or /work/shared/corpus/succesvol-samenwerken-bedrijfsvoering.txt.
Checks (any failure -> exit code 1):
  * every line is a JSON object with the documented fields and types; ids `qNNN` are unique;
  * category is one of broad|who|table|paraphrase|detail|noanswer; split is dev|test and follows the
    deterministic rule: within a category, ordered by id, the 1st, 3rd, 5th ... question is dev and
    the 2nd, 4th ... is test;
  * snippets: 1-3 per question (none for noanswer), context_snippets: 0-3; each 20-200 characters,
    single line (so never spanning a blank line), no `*`, and occurring verbatim in the report text
    after removing all `*` characters;
  * respondents: `R<n>` with 1 <= n <= 28 and never R22; none for noanswer; every listed respondent
    is the code that follows a quote containing one of the snippets, and every snippet that sits
    inside an attributed quote has its code listed (both directions);
  * noanswer questions: the terms after "grep op:" in the note occur nowhere in the report (as whole
    words, case-insensitive).
It prints counts per category/split, respondent coverage and section coverage. When the project's
`ingest.attribution` module is importable its quote finder is used as an independent cross-check
(disagreements are printed as warnings only).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

DEFAULT_REPORT = "/work/shared/corpus/succesvol-samenwerken-bedrijfsvoering.txt"
CATEGORIES = ["broad", "who", "table", "paraphrase", "detail", "noanswer"]
SPLITS = ["dev", "test"]
REQUIRED = {"id": str, "q": str, "category": str, "split": str, "respondents": list, "snippets": list}
OPTIONAL = {"context_snippets": list, "note": str}
MIN_LEN, MAX_LEN = 20, 200

CODE_RE = re.compile(r"\((R\s?)?(\d{1,3})[¹²³⁴⁵⁶⁷⁸⁹⁰]*\)")
OPEN_D, CLOSE_D = "“„", "”"


def load_report(path: str) -> str:
    return Path(path).read_text(encoding="utf-8").replace("*", "")


def _is_open_straight(line: str, i: int) -> bool:
    prev = line[i - 1] if i > 0 else " "
    return prev.isspace() or prev in "([/-–"


def _classify(line: str, i: int) -> str | None:
    ch = line[i]
    if ch in OPEN_D:
        return "open"
    if ch in CLOSE_D:
        return "close"
    if ch == '"':
        return "open" if _is_open_straight(line, i) else "close"
    return None


def _codes(line: str) -> list[tuple[int, int, str]]:
    """Respondent codes in a line: (start, end, 'R<n>'); a bare `(13)` only right after a closing quote."""
    out = []
    for m in CODE_RE.finditer(line):
        if m.group(1) is None:
            before = line[: m.start()].rstrip(" .,;:…")
            if not before or _classify(before, len(before) - 1) != "close":
                continue
        out.append((m.start(), m.end(), f"R{int(m.group(2))}"))
    return out


def attributed_code(text: str, start: int, end: int) -> str | None:
    """The respondent code of the quote that contains text[start:end], or None (author text)."""
    ls = text.rfind("\n", 0, start) + 1
    le = text.find("\n", end)
    le = len(text) if le == -1 else le
    line = text[ls:le]
    s, e = start - ls, end - ls
    codes = _codes(line)
    nxt = next((c for c in codes if c[0] >= e), None)
    if nxt is None:
        return None
    prev_end = max((c[1] for c in codes if c[1] <= s), default=0)
    # Openers before the snippet (since the previous code) that are still open.
    depth = 0
    for i in range(prev_end, s):
        k = _classify(line, i)
        if k == "open":
            depth += 1
        elif k == "close" and depth > 0:
            depth -= 1
    open_before = depth
    # The closing mark of the quote around the snippet: the first closer after the snippet that
    # does not close a quote opened after the snippet.
    depth, closer, last_close = 0, None, None
    for i in range(e, nxt[0]):
        k = _classify(line, i)
        if k == "open":
            depth += 1
        elif k == "close":
            last_close = i
            if depth > 0:
                depth -= 1
            elif closer is None:
                closer = i
    if closer is None:
        if not open_before:
            return None  # author text
        if last_close is None:
            # An unclosed double quote that ends on a single closing mark right before the code
            # (“... ‘we gaan echt voor de standaardisatie’ (R9)).
            tail = line[e : nxt[0]].rstrip(" .,;:…")
            if not tail.endswith(("’", "'")):
                return None
            last_close = e + len(tail) - 1
        closer = last_close  # outer quote whose own closing mark is missing (nested quotes)
    # The code must follow the quote directly (only spaces or punctuation in between).
    return nxt[2] if re.fullmatch(r"[\s.,;:…]*", line[closer + 1 : nxt[0]]) else None


def occurrences(text: str, snippet: str) -> list[int]:
    out, i = [], text.find(snippet)
    while i != -1:
        out.append(i)
        i = text.find(snippet, i + 1)
    return out


# --- section map ---------------------------------------------------------------------------------

_TOP = {
    "Voorwoord": "Voorwoord",
    "Samenvatting": "Samenvatting",
    "Inleiding": "Inleiding",
    "Succesfactoren": "Succesfactoren",
    "Faalfactoren": "Faalfactoren",
    "Geleerde lessen": "Geleerde lessen",
    "Conclusies met kwantitatieve illustraties": "Conclusies",
    "Aanbevelingen voor bestuurders, secretarissen en directeuren": "Aanbevelingen",
    "Aanbevelingen - Een geparafraseerde mix van uitspraken uit de interviews": "Aanbevelingen (mix)",
}


def section_map(text: str) -> list[tuple[int, str]]:
    """(offset, section label) for every heading, in text order."""
    marks: list[tuple[int, str]] = [(0, "Titel")]
    pos, top = 0, "Titel"
    for line in text.split("\n"):
        s = line.strip()
        label = None
        if "\t" in line:  # table of contents and table rows are never headings
            pass
        elif s in _TOP:
            top = _TOP[s]
            label = top
        elif s.startswith("Bijlage 1 ") or s.startswith("Bijlage 2 "):
            top = s.split(" ")[0] + " " + s.split(" ")[1]
            label = top
        elif top in ("Succesfactoren", "Faalfactoren", "Geleerde lessen") or top.startswith("§"):
            m = re.match(r"^([234]\.\d) \S", s)
            if m:
                label = "§" + m.group(1)
                top = label
        elif top.startswith("Conclusie") and re.match(r"^(\d{1,2})\. [A-Z]", s):
            label = "Conclusie " + s.split(".")[0]
            top = label
        if label:
            marks.append((pos, label))
        pos += len(line) + 1
    return marks


def section_of(marks: list[tuple[int, str]], offset: int) -> str:
    label = marks[0][1]
    for o, lab in marks:
        if o > offset:
            break
        label = lab
    return label


# --- optional cross-check with the project's attribution module -----------------------------------


def _project_find_quotes():
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    try:
        from citaat.ingest.attribution import find_quotes  # type: ignore

        return find_quotes
    except Exception:  # noqa: BLE001 - the cross-check is optional
        return None
    finally:
        sys.path.pop(0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("questions", nargs="?", default=str(Path(__file__).with_name("questions.jsonl")))
    ap.add_argument("--report", default=os.environ.get("CITAAT_REPORT", DEFAULT_REPORT))
    args = ap.parse_args(argv)

    text = load_report(args.report)
    marks = section_map(text)
    find_quotes = _project_find_quotes()
    errors: list[str] = []
    warnings: list[str] = []
    records = []
    for n, raw in enumerate(Path(args.questions).read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip():
            errors.append(f"line {n}: empty line")
            continue
        try:
            rec = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append(f"line {n}: invalid JSON ({exc})")
            continue
        if not isinstance(rec, dict):
            errors.append(f"line {n}: not an object")
            continue
        records.append(rec)

    seen_ids: set[str] = set()
    by_cat: dict[str, list[dict]] = defaultdict(list)
    resp_counter: Counter[str] = Counter()
    section_counter: Counter[str] = Counter()
    for rec in records:
        rid = rec.get("id", "?")

        def err(msg: str, rid: str = rid) -> None:
            errors.append(f"{rid}: {msg}")

        for key, typ in REQUIRED.items():
            if not isinstance(rec.get(key), typ):
                err(f"field {key!r} missing or not {typ.__name__}")
        for key, typ in OPTIONAL.items():
            if key in rec and not isinstance(rec[key], typ):
                err(f"field {key!r} is not {typ.__name__}")
        extra = set(rec) - set(REQUIRED) - set(OPTIONAL)
        if extra:
            err(f"unknown fields {sorted(extra)}")
        if not re.fullmatch(r"q\d{3,}", str(rid)):
            err("id must look like q001")
        if rid in seen_ids:
            err("duplicate id")
        seen_ids.add(rid)
        cat = rec.get("category")
        if cat not in CATEGORIES:
            err(f"bad category {cat!r}")
        else:
            by_cat[cat].append(rec)
        if rec.get("split") not in SPLITS:
            err(f"bad split {rec.get('split')!r}")
        if not str(rec.get("q", "")).strip():
            err("empty question")
        snippets = rec.get("snippets") or []
        context = rec.get("context_snippets") or []
        respondents = rec.get("respondents") or []
        if cat == "noanswer":
            if snippets or respondents:
                err("noanswer questions need snippets [] and respondents []")
            m = re.search(r"grep op: (.+)$", rec.get("note", ""))
            if not m:
                err("noanswer note must list the checked terms after 'grep op:'")
            else:
                for term in [t.strip().rstrip(".") for t in m.group(1).split(",")]:
                    pattern = r"(?<!\w)" + re.escape(term) + r"(?!\w)"
                    if term and re.search(pattern, text, flags=re.IGNORECASE):
                        err(f"noanswer term {term!r} does occur in the report")
        elif not 1 <= len(snippets) <= 3:
            err(f"needs 1-3 snippets, has {len(snippets)}")
        if len(context) > 3:
            err("at most 3 context_snippets")
        for r in respondents:
            mm = re.fullmatch(r"R(\d+)", str(r))
            if not mm or not 1 <= int(mm.group(1)) <= 28 or r == "R22":
                err(f"bad respondent {r!r}")
        if len(set(respondents)) != len(respondents):
            err("duplicate respondents")

        attributed: set[str] = set()
        for kind, items in (("snippet", snippets), ("context", context)):
            for sn in items:
                if not isinstance(sn, str):
                    err(f"{kind} is not a string")
                    continue
                if not MIN_LEN <= len(sn) <= MAX_LEN:
                    err(f"{kind} length {len(sn)} outside {MIN_LEN}-{MAX_LEN}: {sn[:60]!r}")
                if "*" in sn or "\n" in sn:
                    err(f"{kind} contains '*' or a line break: {sn[:60]!r}")
                occ = occurrences(text, sn)
                if not occ:
                    err(f"{kind} not found verbatim: {sn[:80]!r}")
                    continue
                if kind != "snippet":
                    continue
                codes = {c for o in occ if (c := attributed_code(text, o, o + len(sn))) is not None}
                for o in occ:
                    section_counter[section_of(marks, o)] += 1
                if codes:
                    attributed |= codes
                    if not codes & set(respondents):
                        err(f"snippet is inside a quote by {sorted(codes)} not listed in respondents: {sn[:60]!r}")
                if find_quotes is not None:
                    for o in occ:
                        ls = text.rfind("\n", 0, o) + 1
                        le = text.find("\n", o)
                        line = text[ls : le if le != -1 else len(text)]
                        s = o - ls
                        hits = [qq for qq in find_quotes(line) if qq.start <= s and s + len(sn) <= qq.end]
                        theirs = hits[0].respondent if hits else None
                        mine = attributed_code(text, o, o + len(sn))
                        if theirs != mine:
                            warnings.append(
                                f"{rid}: ingest.attribution says {theirs}, checker says {mine}: {sn[:50]!r}"
                            )
        for r in respondents:
            if r not in attributed:
                err(f"respondent {r} is not the code of a quote containing one of the snippets")
            resp_counter[r] += 1

    # Deterministic split rule within each category.
    for cat, recs in by_cat.items():
        for k, rec in enumerate(sorted(recs, key=lambda r: str(r.get("id"))), 1):
            want = "dev" if k % 2 == 1 else "test"
            if rec.get("split") != want:
                errors.append(f"{rec.get('id')}: split should be {want} (#{k} in category {cat})")

    # Report.
    print(f"questions: {len(records)}")
    print(f"{'category':<12}{'dev':>5}{'test':>6}{'total':>7}")
    for cat in CATEGORIES:
        recs = by_cat.get(cat, [])
        dev = sum(r.get("split") == "dev" for r in recs)
        print(f"{cat:<12}{dev:>5}{len(recs) - dev:>6}{len(recs):>7}")
    tot_dev = sum(r.get("split") == "dev" for r in records)
    print(f"{'all':<12}{tot_dev:>5}{len(records) - tot_dev:>6}{len(records):>7}")
    order = sorted(resp_counter, key=lambda r: int(r[1:]))
    print(f"respondents covered: {len(resp_counter)} -> " + ", ".join(f"{r}:{resp_counter[r]}" for r in order))
    missing = [f"R{i}" for i in range(1, 29) if i != 22 and f"R{i}" not in resp_counter]
    print(f"respondents not covered: {', '.join(missing) or 'none'}")
    seen_sections = [lab for _, lab in marks]
    print("snippet occurrences per section:")
    for lab in dict.fromkeys(seen_sections):
        print(f"  {lab:<28}{section_counter.get(lab, 0):>4}")
    print(f"attribution cross-check: {'ingest.attribution' if find_quotes else 'not available'}")
    for w in warnings:
        print("WARNING", w)
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"FAILED: {len(errors)} error(s)")
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
