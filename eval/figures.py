"""The figures as data: docs/benchmarks.md is generated from recorded outputs and checked conditions.

`eval/figures/` holds what was measured, as the commands wrote it (compacted): `retrieval.json` (from
`citaat eval … --out DIR`'s results.json), `answers-dev.json` / `answers-test.json` (`citaat eval answers
--json`), and `speed.json` (the speed, load and model figures, each with the command that measured it
and when). `conditions.json` lists `{name, command, expected}`: a `condition` must hold (CI checks it,
like eval/floors.json), a `target` is shown with whether it was met. `citaat eval figures --write`
renders docs/benchmarks.md from these files only, so the document shows the current figures and
nothing else; the round-by-round history lives in dated records under docs/lab/.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .run import EvalError

FIGURES_DIR = Path(__file__).resolve().parent / "figures"
DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
RETRIEVAL_METRICS = ("hit@1", "hit@5", "mrr@10")
ANSWER_SPLITS = ("dev", "test")
OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    ">": operator.gt,
    "<": operator.lt,
}
EPS = 1e-9


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EvalError(f"{path}: bestand ontbreekt") from exc
    except json.JSONDecodeError as exc:
        raise EvalError(f"{path}: geen geldige JSON ({exc.msg}, regel {exc.lineno})") from exc


def _flatten(prefix: str, obj: Any, out: dict[str, float]) -> None:
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            _flatten(f"{prefix}.{k}", v, out)
    elif isinstance(obj, bool):
        out[prefix] = float(obj)
    elif isinstance(obj, int | float):
        out[prefix] = float(obj)


def compact_retrieval(results: Mapping[str, Any]) -> dict[str, Any]:
    """What docs/benchmarks.md shows of a `citaat eval` results.json: per config the metrics per split,
    and for the default configuration per category and the respondent accuracy."""
    configs: dict[str, Any] = {}
    for name, res in results["configs"].items():
        entry: dict[str, Any] = {
            "description": res["config"]["description"],
            "split": {
                s: {m: v[m] for m in (*RETRIEVAL_METRICS, "n")} for s, v in res["by_split"].items() if v.get("n")
            },
        }
        if name == "default":
            entry["category"] = {
                c: {m: v[m] for m in (*RETRIEVAL_METRICS, "n")} for c, v in res["by_category"].items() if v.get("n")
            }
            entry["respondent_accuracy@5"] = res.get("respondent_accuracy@5")
        configs[name] = entry
    return {"created": results.get("created", ""), "n_items": results.get("n_items"), "configs": configs}


@dataclass(frozen=True)
class Figures:
    retrieval: dict[str, Any]
    answers: dict[str, dict[str, Any]]
    speed: list[dict[str, Any]]
    conditions: list[dict[str, Any]]
    coding: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, directory: Path = FIGURES_DIR) -> Figures:
        answers = {s: _read(directory / f"answers-{s}.json") for s in ANSWER_SPLITS}
        return cls(
            retrieval=_read(directory / "retrieval.json"),
            answers=answers,
            speed=_read(directory / "speed.json")["figures"],
            conditions=_read(directory / "conditions.json")["conditions"],
            coding={s: _read(directory / f"coding-{s}.json") for s in ANSWER_SPLITS},
        )

    def values(self) -> dict[str, float]:
        """Every figure under a dotted key: retrieval.default.test.hit@5, answers.dev.lead@1, speed.<key>."""
        out: dict[str, float] = {}
        for name, res in self.retrieval["configs"].items():
            _flatten(f"retrieval.{name}", {k: v for k, v in res.items() if k != "description"}, out)
            for split, metrics in res["split"].items():  # short form: retrieval.default.test.hit@5
                _flatten(f"retrieval.{name}.{split}", metrics, out)
        for split, res in self.answers.items():
            _flatten(f"answers.{split}", res, out)
        for split, res in self.coding.items():
            _flatten(f"coding.{split}", res, out)
        for fig in self.speed:
            out[f"speed.{fig['key']}"] = float(fig["value"])
        return out


def _operand(tokens: list[str], values: Mapping[str, float], text: str) -> float:
    def atom(tok: str) -> float:
        try:
            return float(tok)
        except ValueError:
            if tok not in values:
                raise EvalError(f"voorwaarde {text!r}: onbekend cijfer {tok!r}") from None
            return values[tok]

    if len(tokens) == 1:
        return atom(tokens[0])
    if len(tokens) == 3 and tokens[1] in "*+-":
        a, b = atom(tokens[0]), atom(tokens[2])
        return a * b if tokens[1] == "*" else a + b if tokens[1] == "+" else a - b
    raise EvalError(
        f"voorwaarde {text!r}: verwacht 'cijfer OP waarde', 'cijfer OP getal * cijfer' of 'cijfer OP cijfer - getal'"
    )


def evaluate(expected: str, values: Mapping[str, float]) -> tuple[bool, float, float]:
    """(holds, left value, right value) of one `expected` string such as
    "speed.api_ratio >= 0.8" or "answers.test.lead@1 >= retrieval.default.test.hit@1 - 0.02"."""
    tokens = expected.split()
    if len(tokens) < 3 or tokens[1] not in OPS:
        raise EvalError(f"voorwaarde {expected!r}: verwacht 'cijfer OP waarde' met OP een van {' '.join(OPS)}")
    left = _operand(tokens[:1], values, expected)
    right = _operand(tokens[2:], values, expected)
    op = tokens[1]
    holds = abs(left - right) <= EPS if op == "==" else OPS[op](left + (EPS if op in (">=", ">") else -EPS), right)
    return holds, left, right


def check(figures: Figures) -> list[str]:
    """The conditions (not the targets) that do not hold, as Dutch lines; empty when all hold."""
    values = figures.values()
    failed = []
    for cond in figures.conditions:
        holds, left, right = evaluate(cond["expected"], values)
        if cond.get("kind", "condition") == "condition" and not holds:
            failed.append(f"{cond['name']}: {cond['expected']} geldt niet ({left:g} tegen {right:g})")
    return failed


def _num(v: Any, digits: int = 3) -> str:
    """A figure as the document shows it: at most `digits` decimals, no trailing zeros."""
    if v is None:
        return "–"
    if isinstance(v, int | float):
        text = f"{v:.{digits}f}".rstrip("0").rstrip(".")
        return text if text != "-0" else "0"
    return str(v)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header), *("| " + " | ".join(r) + " |" for r in rows)]


def render(figures: Figures) -> str:
    """docs/benchmarks.md, from the recorded figures only (the same files give the same text)."""
    values = figures.values()
    lines = _head_lines(figures, values) + _retrieval_lines(figures.retrieval)
    lines += _answer_lines(figures, values) + _coding_lines(values) + _speed_lines(figures)
    return "\n".join(lines).rstrip("\n") + "\n"


def _head_lines(figures: Figures, values: Mapping[str, float]) -> list[str]:
    """The title, how to re-measure, and the conditions and targets with whether they hold."""
    lines = [
        "# Benchmarks",
        "",
        "<!-- Gegenereerd door `citaat eval figures --write` uit eval/figures/*.json; niet met de hand bewerken. -->",
        "",
        "De cijfers van nu, elk met het commando dat ze maakt. Ze staan als data in `eval/figures/`",
        "(`retrieval.json`, `answers-dev.json`, `answers-test.json`, `speed.json`); `conditions.json` zegt wat",
        "moet gelden (CI controleert dat, net als `eval/floors.json`) en welke doelen er zijn. De geschiedenis",
        "per ronde (wat geprobeerd is, wat verloor en waarom) staat in gedateerde verslagen in `docs/lab/`.",
        "Snelheid is gemeten op 2 gedeelde cores: medianen en verhoudingen uit één run.",
        "",
        "Opnieuw meten en dit document maken:",
        "",
        "```bash",
        "citaat eval --split all --config default,bm25,dense,naive --out eval/out",
        "python -m lab.bench_answers --split dev --json eval/figures/answers-dev.json   # test: één keer, aan het eind",
        "citaat eval figures --retrieval eval/out/results.json --write",
        "```",
        "",
        "## Voorwaarden en doelen",
        "",
    ]
    rows = []
    for cond in figures.conditions:
        holds, left, right = evaluate(cond["expected"], values)
        kind = "voorwaarde (CI)" if cond.get("kind", "condition") == "condition" else "doel"
        status = "✓" if holds else "✗ gemist"
        measured = f"{_num(left)} / {_num(right)}"
        rows.append([cond["name"], kind, f"`{cond['expected']}`", measured, status, f"`{cond['command']}`"])
    lines += _table(["wat", "soort", "verwacht", "gemeten / grens", "", "commando"], rows)
    return lines


def _retrieval_lines(ret: Mapping[str, Any]) -> list[str]:
    """Retrieval per configuration and split, and the default per kind of question."""
    lines: list[str] = []
    lines += [
        "",
        "## Zoeken",
        "",
        f"`citaat eval --split all --config {','.join(ret['configs'])}`: {ret.get('n_items')} vragen "
        "(eval/data/questions.jsonl); geoordeeld op snippets, k = 10. dev is waarop gekozen is; test is één",
        f"keer bekeken. Gemeten {ret.get('created', '')[:10]}.",
        "",
    ]
    rows = []
    for name, res in ret["configs"].items():
        for split in ("dev", "test"):
            if split in res["split"]:
                m = res["split"][split]
                rows.append([name, split, *(_num(m[k]) for k in RETRIEVAL_METRICS), _num(m["n"]), res["description"]])
    lines += _table(["configuratie", "split", "Hit@1", "Hit@5", "MRR@10", "n", "wat"], rows)
    default = ret["configs"].get("default", {})
    if default.get("category"):
        lines += ["", "De standaard per soort vraag (dev + test):", ""]
        rows = [[c, *(_num(m[k]) for k in RETRIEVAL_METRICS), _num(m["n"])] for c, m in default["category"].items()]
        lines += _table(["soort", "Hit@1", "Hit@5", "MRR@10", "n"], rows)
        lines += ["", f"Juiste respondent in de top 5 bij wie-vragen: {_num(default.get('respondent_accuracy@5'))}."]
    return lines


def _answer_lines(figures: Figures, values: Mapping[str, float]) -> list[str]:
    """The extractive answer's measures on dev and test."""
    lines: list[str] = []
    lines += [
        "",
        "## Antwoorden",
        "",
        "`python -m lab.bench_answers --split SPLIT --json eval/figures/answers-SPLIT.json`: het extractieve antwoord",
        "van elke vraag zoals `citaat ask --json` het geeft, gescoord met eval/answers.py (`citaat eval answers`);",
        "daarnaast de Hit@1/Hit@3 van het zoeken op dezelfde vragen, op dezelfde manier beoordeeld.",
        "",
    ]
    answer_rows = [
        ("bevat het antwoord (snippet in het antwoord)", "contains"),
        ("geaccepteerd (beantwoordbare vraag niet geweigerd)", "accepted"),
        ("buiten het onderwerp geweigerd", "refused.offtopic"),
        ("bijna-domein geweigerd", "refused.neardomain"),
        ("lead@1 (het eerste fragment bevat het antwoord)", "lead@1"),
        ("lead@3", "lead@3"),
        ("lengte van het antwoord (tekens, mediaan)", "chars_median"),
        ("lengte p90", "chars_p90"),
        ("dubbele fragmenten", "duplicates"),
        ("apparaat (titelpagina, noten) vooraan", "apparatus"),
        ("'geen cijfer' gezegd bij een cijfervraag zonder cijfer", "no_figure_said"),
        ("zoeken op dezelfde vragen: Hit@1", "search_hit@1"),
        ("zoeken op dezelfde vragen: Hit@3", "search_hit@3"),
        ("vervolgvragen goed herkend", "followup_accuracy"),
    ]
    rows = []
    for label, key in answer_rows:
        cells = [_num(values.get(f"answers.{s}.{key}")) for s in ANSWER_SPLITS]
        rows.append([label, *cells])
    n = [str(figures.answers[s].get("answerable", "–")) for s in ANSWER_SPLITS]
    lines += _table(["maat", f"dev ({n[0]} beantwoordbaar)", f"test ({n[1]} beantwoordbaar)"], rows)
    return lines


def _coding_lines(values: Mapping[str, float]) -> list[str]:
    """The coding assistant against its baselines."""
    lines: list[str] = []
    lines += [
        "",
        "## Coderen met een codeboek",
        "",
        "`citaat eval coding --split SPLIT --json > eval/figures/coding-SPLIT.json`: het codeboek van 10",
        "codes en de handmatige codering van de 110 citaten van het rapport (eval/data/coding/; dev = oneven",
        "R-nummers, test = even).",
        "MAP per code over alle citaten; met voorbeelden: 2 geaccepteerde citaten per code, die niet meetellen.",
        "",
    ]
    coding_rows = [
        ("MAP, alleen beschrijvingen", "map_zero_shot"),
        ("MAP met 2 voorbeelden per code", "map_2_examples"),
        ("MAP zonder voorbeelden op dezelfde eenheden", "map_zero_shot_same_units"),
        ("micro-F1 van de voorstellen (drempel per code)", "micro_f1"),
        ("baseline: e5-cosinus van de beschrijving (MAP)", "baseline_e5_map"),
        ("baseline: TF-IDF (MAP)", "baseline_tfidf_map"),
        ("baseline: willekeurig (MAP)", "baseline_random_map"),
    ]
    rows = [[label, *(_num(values.get(f"coding.{s}.{key}")) for s in ANSWER_SPLITS)] for label, key in coding_rows]
    lines += _table(["maat", "dev", "test"], rows)
    return lines


def _speed_lines(figures: Figures) -> list[str]:
    """The speed, load and model figures, per group, with their commands."""
    lines: list[str] = []
    lines += ["", "## Snelheid, belasting en modellen", ""]
    groups: dict[str, list[dict[str, Any]]] = {}
    for fig in figures.speed:
        groups.setdefault(fig.get("group", "Overig"), []).append(fig)
    for group, figs in groups.items():
        lines += [f"### {group}", ""]
        rows = [
            [f["label"], f"{_num(f['value'])} {f.get('unit', '')}".strip(), f"`{f['command']}`", f.get("measured", "")]
            for f in figs
        ]
        lines += _table(["meting", "waarde", "commando", "gemeten"], rows)
        notes = [f["note"] for f in figs if f.get("note")]
        if notes:
            lines += ["", *(f"- {note}" for note in notes)]
        lines.append("")
    return lines


def record_retrieval(results_json: Path, directory: Path = FIGURES_DIR) -> Path:
    """Compact a `citaat eval` results.json into eval/figures/retrieval.json."""
    from citaat.ingest.fsio import atomic_write_text

    target = directory / "retrieval.json"
    atomic_write_text(target, json.dumps(compact_retrieval(_read(results_json)), ensure_ascii=False, indent=1) + "\n")
    return target
