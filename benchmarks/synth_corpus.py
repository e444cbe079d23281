"""Synthetic corpus: fictional Dutch interview transcripts in every format the loaders accept.

Usage (repository root, venv active):

    python -m citaat.benchmarks.synth_corpus OUT_DIR --scale small     # 60 transcripts, ~6k chunks
    python -m citaat.benchmarks.synth_corpus OUT_DIR --scale full      # 1,000 transcripts, ~100k chunks
    python -m citaat.benchmarks.synth_corpus OUT_DIR --scale 250 --seed 3 --exchanges 20

Everything is made up: municipalities are built from syllables (Kreekendam, Wielhoven, …), people
from first-name and surname lists, and answers from sentence templates about intergemeentelijke
samenwerking in de bedrijfsvoering (ICT, kosten, vertrouwen, personeel, governance, …) with their
slots filled in. Deterministic: transcript i depends only on (seed, i), so a smaller scale is a
prefix of a larger one and two runs write byte-identical files (the .docx zips get a fixed date).

Formats rotate over .txt (timestamps, `Respondentcode:` header), .md (speakers by name, code in
the header), .vtt (`<v Naam>` voices, code in a NOTE), .srt (`Interviewer:` / `- R12:` cues) and
.docx (`Interviewer:` / `R12:` paragraphs). One exchange (question + answer) becomes about two
chunks (the exchange passage and the answer turn), so N transcripts × E exchanges ≈ 2·N·E chunks.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

SCALES = {"tiny": 12, "small": 60, "medium": 300, "full": 1000}
FORMATS = ("txt", "md", "vtt", "srt", "docx")
DEFAULT_EXCHANGES = 50

_PRE = [
    "Kreek",
    "Wiel",
    "Ravens",
    "Linde",
    "Brakel",
    "Zuider",
    "Haver",
    "Dijken",
    "Polder",
    "Ooster",
    "Greven",
    "Molen",
    "Heide",
    "Vliet",
    "Berken",
    "Esch",
    "Waal",
    "Zand",
    "Duin",
    "Veen",
]
_POST = [
    "dam",
    "hoven",
    "weerd",
    "donk",
    "hoek",
    "land",
    "veen",
    "meer",
    "dal",
    "horst",
    "broek",
    "wijk",
    "rode",
    "sloot",
    "berg",
]
_FIRST = [
    "Anna",
    "Bram",
    "Carla",
    "Daan",
    "Eva",
    "Fatima",
    "Gerard",
    "Hanna",
    "Ilse",
    "Joost",
    "Karim",
    "Lotte",
    "Marco",
    "Nadia",
    "Olaf",
    "Petra",
    "Quinten",
    "Rosa",
    "Sanne",
    "Tim",
    "Urszula",
    "Vera",
    "Willem",
    "Yara",
    "Zoë",
    "Henk",
    "Ingrid",
    "Mehmet",
    "Noor",
    "Pieter",
]
_LAST = [
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "El Amrani",
    "Yilmaz",
    "van Dam",
    "Kok",
    "Jacobs",
    "Vermeulen",
]
_ROLES = [
    "teamleider ICT",
    "controller",
    "gemeentesecretaris",
    "directeur bedrijfsvoering",
    "HR-adviseur",
    "CISO",
    "concerncontroller",
    "wethouder",
    "programmamanager",
    "inkoopadviseur",
    "informatiemanager",
    "raadsgriffier",
    "adviseur dienstverlening",
    "hoofd financiën",
]
_SYSTEMS = [
    "zaaksysteem",
    "financieel pakket",
    "personeelssysteem",
    "documentmanagementsysteem",
    "belastingpakket",
    "klantcontactsysteem",
    "datawarehouse",
]

# theme -> (questions, answer sentences). Slots: {g} {g2} {g3} municipalities, {j} a year, {n} a
# number, {p} a percentage, {s} a system, {r} a role.
THEMES: dict[str, tuple[list[str], list[str]]] = {
    "Vertrouwen": (
        [
            "Hoe is het vertrouwen tussen de gemeenten gegroeid?",
            "Wat deed het met het vertrouwen toen het misging?",
            "Wat is er nodig om elkaar te blijven vertrouwen?",
        ],
        [
            "Het vertrouwen tussen {g} en {g2} is in {j} pas echt gegroeid, toen we samen een crisis doorkwamen.",
            "Vroeger liep je even bij de collega langs, nu moet alles via een overleg en dat voelt als verlies.",
            "Transparantie helpt: we sturen elke maand een dashboard naar de {n} gemeentesecretarissen.",
            "Na de storing in {j} heeft de burgemeester van {g} stevige woorden gesproken, en dat bleef hangen.",
            "Vertrouwen bouw je op met kleine afspraken die je nakomt, niet met grote plannen.",
            "Een vaste accountmanager per gemeente geeft de samenwerking een gezicht.",
            "Als {g2} het gevoel heeft dat {g} de dienst uitmaakt, staat het vertrouwen meteen onder druk.",
        ],
    ),
    "Kosten en verdeelsleutel": (
        [
            "Hoe worden de kosten tussen de gemeenten verdeeld?",
            "Is de verdeelsleutel nog eerlijk?",
            "Heeft de samenwerking geld opgeleverd?",
        ],
        [
            "De kosten worden verdeeld naar inwoneraantal, en dat begon na {j} te wringen.",
            "{g} neemt relatief veel maatwerk af en betaalt daar sinds {j} apart voor.",
            "We hebben een vast basisdeel en een variabel deel op basis van wat een gemeente werkelijk afneemt.",
            "De besparing viel tegen: ongeveer {p} procent in plaats van de beloofde twintig.",
            "Een raadslid in {g2} wilde weten wat uittreden zou kosten, en die vraag komt bij elke bezuiniging terug.",
            "Het heeft bijna een jaar geduurd voordat de {n} controllers het over de cijfers eens waren.",
            "Bezuinigen was nooit het doel, kwaliteit en continuïteit waren dat wel.",
        ],
    ),
    "ICT en informatievoorziening": (
        [
            "Hoe zag het ICT-landschap eruit bij de start?",
            "Hoe verliep de migratie naar één systeem?",
            "Welke rol speelt de informatievoorziening in de samenwerking?",
        ],
        [
            "We hadden drie verschillende versies van het {s} en ongeveer {n}0 applicaties die hetzelfde deden.",
            "De migratie van het {s} heeft ons ruim anderhalf jaar gekost, veel langer dan gepland.",
            "De data uit het oude {s} van {g} bleek veel vervuilder dan iemand had gedacht.",
            "Uiteindelijk is gekozen voor het {s} van {g2}, omdat dat het meest toekomstbestendig was.",
            "De koppelingen met de landelijke voorzieningen moesten allemaal opnieuw worden getest.",
            "De servicedesk kreeg in {j} bijna twee keer zoveel meldingen als normaal.",
            "De techniek was uiteindelijk het makkelijkste deel; de mensen meenemen was het moeilijkst.",
        ],
    ),
    "Personeel en cultuur": (
        [
            "Wat merkten de medewerkers van de samenwerking?",
            "Hoe zijn de culturen samengegaan?",
            "Is het moeilijker geworden om mensen te werven?",
        ],
        [
            "Medewerkers van {g} verloren de werkwijze die ze in twintig jaar hadden opgebouwd.",
            "In {j} zijn {n} collega's vertrokken, vooral ervaren mensen uit de kleinere gemeenten.",
            "De cultuur in {g2} is informeel, in {g} gaat alles via de lijn, en dat botste.",
            "Als {r} merk je dat mensen zich eerst medewerker van hun gemeente voelen en pas daarna van de regeling.",
            "We zijn samen gaan werven, en sindsdien vinden we sneller specialisten op de arbeidsmarkt.",
            "Het sociaal plan gaf zekerheid, maar het heeft de verandering ook vertraagd.",
            "Een gezamenlijke opleiding heeft meer gedaan voor de cultuur dan alle nota's bij elkaar.",
        ],
    ),
    "Governance en sturing": (
        [
            "Hoe is de aansturing van de regeling geregeld?",
            "Wie beslist over de prioriteiten?",
            "Hoe houdt de gemeenteraad grip op de samenwerking?",
        ],
        [
            "Formeel stuurt het algemeen bestuur, waarin de colleges van {g}, {g2} en {g3} zitten.",
            "Eigenaar en opdrachtgever tegelijk zijn, die twee petten bijten elkaar voortdurend.",
            "Sinds {j} hebben we een gezamenlijke roadmap die één keer per jaar wordt vastgesteld.",
            "De raad van {g} voelt zich op afstand gezet, want alles gaat via de gemeenschappelijke regeling.",
            "In de dienstverleningsovereenkomst staat weinig over prioritering, en daar ontstaat het gedoe.",
            "Het opdrachtgeversoverleg komt elke {n} weken bij elkaar en bespreekt de prestaties.",
            "Als {r} zit ik in het directieoverleg, en daar wordt het eigenlijke werk gedaan.",
        ],
    ),
    "Informatiebeveiliging": (
        [
            "Hoe is de informatiebeveiliging georganiseerd?",
            "Wat gebeurde er bij het laatste incident?",
            "Zijn de gemeenten even ver met beveiliging?",
        ],
        [
            "Na het datalek in {j} hebben we de informatiebeveiliging voor alle {n} gemeenten gebundeld.",
            "{g} had de BIO al op orde, {g2} liep jaren achter.",
            "Een gezamenlijke CISO werkt alleen als elke gemeente ook zelf verantwoordelijk blijft.",
            "Bij de phishingtest klikte {p} procent van de medewerkers op de link.",
            "De ENSIA-verantwoording kost ons elk jaar weken werk, per gemeente apart.",
            "Het incident met de leverancier van het {s} heeft iedereen wakker geschud.",
            "We oefenen nu twee keer per jaar een uitval van het netwerk, met alle gemeentesecretarissen erbij.",
        ],
    ),
    "Dienstverlening": (
        [
            "Merken inwoners iets van de samenwerking?",
            "Is de dienstverlening beter geworden?",
            "Hoe meten jullie de kwaliteit van de dienstverlening?",
        ],
        [
            "Inwoners van {g} merken vooral dat de openingstijden van het klantcontactcentrum ruimer zijn.",
            "De doorlooptijd van vergunningen is sinds {j} met {p} procent gedaald.",
            "Het kwetsbare werk, zoals de belastingen, is nu beter geborgd dan toen elke gemeente het alleen deed.",
            "In {g2} klagen inwoners dat het loket verder weg is en dat ze niemand meer kennen.",
            "We meten de klanttevredenheid elk kwartaal en die ligt rond een {n}.",
            "Maatwerk voor één gemeente maakt de dienstverlening voor de andere gemeenten trager.",
            "De dienstverlening is niet slechter geworden, maar wel minder persoonlijk.",
        ],
    ),
    "Lessen en advies": (
        [
            "Wat zou u een andere gemeente aanraden?",
            "Wat zou u achteraf anders doen?",
            "Wat is de belangrijkste les van de samenwerking?",
        ],
        [
            "Maak vooraf afspraken over wie wat inlevert, en compenseer de gemeente die het meest moet veranderen.",
            "Investeer in datakwaliteit voordat je migreert, niet erna.",
            "Neem meer tijd voor de mensen op de werkvloer en minder voor de aanbesteding van de techniek.",
            "Begin klein, met één taak die voor alle gemeenten even belangrijk is.",
            "Zorg dat de raden van {g} en {g2} vanaf het begin betrokken zijn, niet pas bij de begroting.",
            "Leg vast hoe je uit elkaar gaat voordat je begint; dat klinkt somber, maar het geeft rust.",
            "Een samenwerking is nooit af: elke {n} jaar moet je de afspraken opnieuw bekijken.",
        ],
    ),
}
_FILLERS = [
    "Ja, dat is een goede vraag.",
    "Kijk, dat ligt wat genuanceerder.",
    "Eerlijk gezegd:",
    "Dat zie je ook in de cijfers terug.",
    "Nou, daar kan ik lang over praten.",
]


@dataclass(frozen=True)
class CorpusInfo:
    out_dir: Path
    files: tuple[Path, ...]
    exchanges: int
    bytes: int

    def to_dict(self) -> dict[str, object]:
        return {
            "out_dir": str(self.out_dir),
            "files": len(self.files),
            "exchanges": self.exchanges,
            "bytes": self.bytes,
        }


def municipality(rng: random.Random) -> str:
    return rng.choice(_PRE) + rng.choice(_POST)


def person(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _fill(template: str, rng: random.Random, places: list[str]) -> str:
    return template.format(
        g=places[0],
        g2=places[1],
        g3=places[2],
        j=rng.randint(2012, 2024),
        n=rng.randint(3, 9),
        p=rng.randint(4, 35),
        s=rng.choice(_SYSTEMS),
        r=rng.choice(_ROLES),
    )


@dataclass(frozen=True)
class Interview:
    code: str
    respondent: str
    interviewer: str
    role: str
    places: tuple[str, ...]
    date: str
    # (theme, question, answer) per exchange, themes in blocks
    exchanges: tuple[tuple[str, str, str], ...]


def make_interview(index: int, seed: int, exchanges: int) -> Interview:
    """Transcript `index` (0-based); depends only on (seed, index)."""
    rng = random.Random(f"{seed}:{index}")
    places: list[str] = []
    while len(places) < 3:
        m = municipality(rng)
        if m not in places:
            places.append(m)
    themes = rng.sample(list(THEMES), k=min(len(THEMES), max(2, exchanges // 6)))
    rows: list[tuple[str, str, str]] = []
    for e in range(exchanges):
        theme = themes[min(len(themes) - 1, e * len(themes) // max(1, exchanges))]
        questions, sentences = THEMES[theme]
        q = rng.choice(questions)
        if rng.random() < 0.3:
            q = f"{rng.choice(['En', 'Dan', 'Tot slot,', 'Nog even terug:'])} {q[0].lower()}{q[1:]}"
        parts = [rng.choice(_FILLERS)] if rng.random() < 0.3 else []
        parts += [_fill(t, rng, places) for t in rng.sample(sentences, k=rng.randint(3, 5))]
        rows.append((theme, q, " ".join(parts)))
    respondent = person(rng)
    interviewer = person(rng)
    while interviewer == respondent:  # one name for both would make every turn the interviewer's
        interviewer = person(rng)
    return Interview(
        # Codes stay within R1–R999: attribution reads one to three digits, so R1000 would be no code.
        code=f"R{index % 999 + 1}",
        respondent=respondent,
        interviewer=interviewer,
        role=rng.choice(_ROLES),
        places=tuple(places),
        date=f"{rng.randint(1, 28)} {rng.choice(['januari', 'maart', 'mei', 'september', 'november'])} "
        f"{rng.randint(2022, 2024)}",
        exchanges=tuple(rows),
    )


def _clock(seconds: int, sep: str = ".") -> str:
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}000"


def _themes(iv: Interview) -> list[tuple[str, list[tuple[str, str]]]]:
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for theme, q, a in iv.exchanges:
        if not out or out[-1][0] != theme:
            out.append((theme, []))
        out[-1][1].append((q, a))
    return out


def render_txt(iv: Interview) -> str:
    lines = [
        f"Transcript interview samenwerking bedrijfsvoering, {iv.places[0]}",
        f"Respondentcode: {iv.code}",
        f"Datum: {iv.date}",
        f"Functie: {iv.role}",
        "",
    ]
    t = 5
    for theme, rows in _themes(iv):
        lines += [f"Thema: {theme}", ""]
        for q, a in rows:
            lines += [f"[{_clock(t)[:8]}] Interviewer: {q}", ""]
            t += 8
            lines += [f"[{_clock(t)[:8]}] Respondent: {a}", ""]
            t += len(a) // 12
    return "\n".join(lines)


def render_md(iv: Interview) -> str:
    lines = [
        f"# Interview: samenwerking in {iv.places[0]}",
        "",
        f"**Interviewer:** {iv.interviewer}",
        f"**Respondent:** {iv.respondent} ({iv.code}), {iv.role}",
        f"**Datum:** {iv.date}",
        "",
    ]
    for theme, rows in _themes(iv):
        lines += [f"## {theme}", ""]
        for q, a in rows:
            lines += [f"**{iv.interviewer}:** {q}", "", f"**{iv.respondent}:** {a}", ""]
    return "\n".join(lines)


def _cues(text: str) -> list[str]:
    """Split an answer into subtitle-sized cues at sentence ends (two sentences at most)."""
    sentences = [s.strip() for s in text.replace(". ", ".\n").split("\n") if s.strip()]
    return [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]


def render_vtt(iv: Interview) -> str:
    lines = [
        f"WEBVTT - Interview {iv.places[0]}",
        "",
        "NOTE",
        f"Respondent: {iv.code}",
        f"Interviewer: {iv.interviewer}",
        "",
    ]
    t, n = 3, 1
    for theme, rows in _themes(iv):
        lines += [f"NOTE Thema: {theme}", ""]
        for q, a in rows:
            for speaker, text in [(iv.interviewer, q)] + [(iv.respondent, c) for c in _cues(a)]:
                dur = max(3, len(text) // 14)
                lines += [str(n), f"{_clock(t)} --> {_clock(t + dur)}", f"<v {speaker}>{text}</v>", ""]
                t += dur + 1
                n += 1
    return "\n".join(lines)


def render_srt(iv: Interview) -> str:
    lines: list[str] = []
    t, n = 2, 1
    for _theme, rows in _themes(iv):
        for q, a in rows:
            cues = [f"Interviewer: {q}"]
            for k, c in enumerate(_cues(a)):
                cues.append(f"- {iv.code}: {c}" if k == 0 else c)
            for text in cues:
                dur = max(3, len(text) // 14)
                lines += [str(n), f"{_clock(t, ',')} --> {_clock(t + dur, ',')}", text, ""]
                t += dur + 1
                n += 1
    return "\n".join(lines)


def render_docx(iv: Interview) -> bytes:
    """A Word file with `Interviewer:` / `R12:` paragraphs and Heading 2 themes; fixed zip dates."""
    import datetime

    import docx

    document = docx.Document()
    document.add_heading(f"Interview samenwerking {iv.places[0]}", level=1)
    document.add_paragraph(f"Respondent: {iv.code}")
    for theme, rows in _themes(iv):
        document.add_heading(theme, level=2)
        for q, a in rows:
            document.add_paragraph(f"Interviewer: {q}")
            document.add_paragraph(f"{iv.code}: {a}")
    fixed = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    document.core_properties.created = fixed
    document.core_properties.modified = fixed
    raw = io.BytesIO()
    document.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed_info = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed_info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed_info, src.read(info.filename))
    return out.getvalue()


def file_name(iv: Interview, fmt: str, index: int) -> str:
    # Codes in names only where the format needs it (.docx, .srt); others carry it in the header.
    if fmt == "docx":
        return f"{iv.code}.docx"
    if fmt == "srt":
        return f"{iv.code}-interview-{iv.places[0].lower()}.srt"
    return f"interview-{index + 1:04d}-{iv.places[0].lower()}.{fmt}"


def generate(
    out_dir: Path | str,
    n_transcripts: int,
    seed: int = 7,
    exchanges: int = DEFAULT_EXCHANGES,
    formats: tuple[str, ...] = FORMATS,
) -> CorpusInfo:
    """Write `n_transcripts` transcripts into `out_dir` (created); formats rotate in the given order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    total = 0
    for i in range(n_transcripts):
        iv = make_interview(i, seed, exchanges)
        fmt = formats[i % len(formats)]
        path = out / file_name(iv, fmt, i)
        if fmt == "docx":
            data = render_docx(iv)
        else:
            data = {"txt": render_txt, "md": render_md, "vtt": render_vtt, "srt": render_srt}[fmt](iv).encode("utf-8")
        path.write_bytes(data)
        files.append(path)
        total += len(data)
    return CorpusInfo(out, tuple(files), n_transcripts * exchanges, total)


def queries(n: int = 50, seed: int = 7) -> list[str]:
    """Dutch questions over the corpus' themes (for latency runs; no relevance labels)."""
    rng = random.Random(f"q:{seed}")
    out: list[str] = []
    theme_names = list(THEMES)
    for i in range(n):
        theme = theme_names[i % len(theme_names)]
        questions, sentences = THEMES[theme]
        if i % 3 == 0:
            out.append(rng.choice(questions))
        elif i % 3 == 1:
            words = [w.strip(".,:;") for w in rng.choice(sentences).split() if "{" not in w and len(w) > 4]
            out.append(f"Wat wordt er gezegd over {' '.join(rng.sample(words, k=min(3, len(words))))}?")
        else:
            out.append(f"Wat zegt R{rng.randint(1, 60)} over {theme.lower()}?")
    return out


def parse_scale(value: str) -> int:
    if value in SCALES:
        return SCALES[value]
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--scale: {value!r}; use {', '.join(SCALES)} or a number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("--scale must be >= 1")
    return n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="output folder (created)")
    ap.add_argument(
        "--scale",
        type=parse_scale,
        default=SCALES["small"],
        help=f"number of transcripts or one of {', '.join(f'{k}={v}' for k, v in SCALES.items())}",
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--exchanges", type=int, default=DEFAULT_EXCHANGES, help="question/answer pairs per transcript")
    args = ap.parse_args(argv)
    info = generate(args.out, args.scale, args.seed, args.exchanges)
    json.dump(info.to_dict(), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
