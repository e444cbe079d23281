"""Generate the fictional example transcripts in Word (run: python examples/transcripts/make_docx.py).

The .docx files are committed too; this script documents how they were made and recreates them.

- R32.docx: a Title, Heading 1 sections, a metadata table, bold speaker labels in the same
  paragraph as the text, timestamps and an answer that runs over two paragraphs.
- R36-teams-transcript-inkoop.docx: a Microsoft Teams/Zoom Word export: speaker name and time on
  one line (`Anna de Boer   0:03`), the text in the paragraph below; nobody is called
  "interviewer", so Citaat takes the speaker who asks the questions.
- R37-transcript-tabel-personeel.docx: a transcript kept as a Word table (time | speaker | text)
  with a header row; the code R37 is only in the file name.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.shared import Pt

OUT = Path(__file__).with_name("R32.docx")

META = [
    ("Datum", "21 februari 2024"),
    ("Locatie", "online (videogesprek)"),
    ("Organisatie", "Shared Service Centrum Haverland"),
    ("Duur", "41 minuten"),
]

# (heading or None, label, text); label None = a paragraph that continues the previous answer.
TURNS: list[tuple[str | None, str | None, str]] = [
    (
        "Start van de samenwerking",
        "I (00:00:20)",
        "Het SSC Haverland werkt voor Haverland, Ommerdijk en Veenstede. Hoe is die samenwerking ontstaan?",
    ),
    (
        None,
        "R (00:00:31)",
        "De aanleiding was kwetsbaarheid. Ommerdijk en Veenstede zijn kleine gemeenten, met elk maar één "
        "salarisadministrateur en één inkoper. Als zo iemand ziek werd, lag de salarisbetaling of een "
        "aanbesteding gewoon stil. In 2016 hebben de drie gemeentesecretarissen toen besloten om P&O, inkoop, "
        "financiën en ICT samen te brengen in één shared service centrum, met Haverland als gastgemeente.",
    ),
    (None, "I", "Waarom juist Haverland als gastgemeente?"),
    (
        None,
        "R",
        "Omdat Haverland de grootste is en al een eigen ICT-afdeling had die het beheer kon dragen. Maar dat "
        "had ook een keerzijde, want in Ommerdijk en Veenstede leefde meteen het gevoel dat Haverland de "
        "dienst ging uitmaken. Het SSC zit ook fysiek in het stadskantoor van Haverland, dus voor de "
        "medewerkers uit de kleine gemeenten voelde het echt als verhuizen naar een andere organisatie.",
    ),
    ("Personeel", "I (00:04:12)", "Hoe is de overgang voor de medewerkers verlopen?"),
    (
        None,
        "R (00:04:20)",
        "Formeel netjes, met een sociaal plan en een plaatsingsprocedure waarin iedereen een functie in het "
        "SSC kreeg. Maar formeel netjes is iets anders dan goed. We hebben de cultuurverschillen onderschat. "
        "In Veenstede was je gewend om alles zelf te regelen, van de vacaturetekst tot het welkomstpakket "
        "voor een nieuwe collega. In het SSC werden dat gestandaardiseerde processen met vaste formulieren. "
        "Een aantal ervaren mensen voelde zich daardoor gedegradeerd tot uitvoerder.",
    ),
    (
        None,
        None,
        "Wat ons heeft geholpen, is dat we na een jaar per team een evaluatie hebben gedaan waarin mensen "
        "zelf mochten zeggen welke afspraken onhandig waren. Een deel van de formulieren is toen weer "
        "afgeschaft. Het ziekteverzuim, dat in het eerste jaar boven de zeven procent lag, is daarna gedaald "
        "naar iets onder het gemiddelde van de sector.",
    ),
    (
        None,
        "I2",
        "Mag ik daar even op doorvragen: speelde de rechtspositie ook een rol, bijvoorbeeld verschillen in "
        "arbeidsvoorwaarden tussen de drie gemeenten?",
    ),
    (
        None,
        "R",
        "Zeker. Haverland had een ruimere regeling voor thuiswerken en een andere reiskostenvergoeding. Die "
        "verschillen hebben we geharmoniseerd naar het gunstigste niveau, wat natuurlijk geld kostte. Dat was "
        "een bewuste keuze: we wilden niet dat mensen zich al bij de start benadeeld voelden.",
    ),
    ("Inkoop", "I (00:11:05)", "Wat heeft de samenwerking opgeleverd op het gebied van inkoop?"),
    (
        None,
        "R (00:11:12)",
        "Veel, vooral in kwaliteit. We besteden nu gezamenlijk aan, bijvoorbeeld voor schoonmaak, "
        "leerlingenvervoer en de telefonie. Daar halen we scherpere prijzen, maar belangrijker is dat we nu "
        "twee inkopers hebben die echt verstand hebben van contractmanagement. Vroeger werd een contract "
        "getekend en in een la gelegd, nu wordt er elk kwartaal met de leverancier gesproken.",
    ),
    ("Vertrouwen en cultuur", "I (00:18:40)", "Hoe zou u het vertrouwen tussen de drie gemeenten nu omschrijven?"),
    (
        None,
        "R (00:18:47)",
        "Beter dan vijf jaar geleden, maar het blijft iets wat je moet onderhouden. Het gaat mis op kleine "
        "dingen: een factuur die te laat komt, een wethouder die hoort dat een andere gemeente iets eerder "
        "kreeg. Wij hebben daarom een vaste regel dat alle drie de gemeenten tegelijk dezelfde informatie "
        "krijgen, ook als het slecht nieuws is.",
    ),
    (None, "I", "Dank u wel voor het gesprek."),
]


def build(out: Path = OUT) -> Path:
    doc = Document()
    doc.styles["Normal"].font.size = Pt(11)
    doc.add_paragraph("Interviewverslag bedrijfsvoering Haverland", style="Title")
    table = doc.add_table(rows=0, cols=2)
    for key, value in META:
        cells = table.add_row().cells
        cells[0].text = key
        cells[1].text = value
    doc.add_paragraph("")
    for heading, label, text in TURNS:
        if heading:
            doc.add_heading(heading, level=1)
        p = doc.add_paragraph()
        if label:
            p.add_run(f"{label}:").bold = True
            p.add_run(" " + text)
        else:
            p.add_run(text)
    doc.core_properties.title = "Interviewverslag bedrijfsvoering Haverland (fictief)"
    doc.core_properties.author = "Citaat voorbeeld"
    doc.save(str(out))
    return out


TEAMS_OUT = OUT.with_name("R36-teams-transcript-inkoop.docx")
# (speaker, time as Teams writes it, text)
TEAMS_TURNS: list[tuple[str, str, str]] = [
    ("Anna de Boer", "0:03", "Goedemorgen. U bent gemeentesecretaris van Kreekendam. Hoe is de gezamenlijke inkoop "
     "met Lindehoven en Grevendal begonnen?"),
    ("Mark Jansen", "0:14", "Goedemorgen. Dat begon eigenlijk uit nood. Onze eigen inkoper ging met pensioen en we "
     "kregen de vacature niet vervuld. Toen hebben we Lindehoven gebeld, die zaten met hetzelfde probleem."),
    ("Anna de Boer", "0:41", "En wat hebben jullie toen afgesproken?"),
    ("Mark Jansen", "0:45", "We hebben een inkoopteam van drie mensen gevormd dat voor alle drie de gemeenten "
     "werkt. De kosten verdelen we naar inwonertal. Dat was snel geregeld, want niemand wilde een ingewikkelde "
     "verdeelsleutel."),
    ("Mark Jansen", "1:20", "Wat wel lastig was: elke gemeente had eigen inkoopvoorwaarden. Die hebben we in het "
     "eerste jaar gelijkgetrokken."),
    ("Anna de Boer", "1:38", "Hoe kijkt u nu naar het vertrouwen tussen de drie gemeenten?"),
    ("Mark Jansen", "1:44", "Het vertrouwen is gegroeid doordat we alles open op tafel leggen. Elk kwartaal "
     "bespreken we samen welke contracten eraan komen, en iedere gemeente ziet dezelfde cijfers."),
    ("Anna de Boer", "2:10", "Dank u wel."),
]

TABLE_OUT = OUT.with_name("R37-transcript-tabel-personeel.docx")
TABLE_ROWS: list[tuple[str, str, str]] = [
    ("00:00:05", "Karin Vos", "Welkom. U bent hoofd P&O bij de werkorganisatie Haverland-Ommerdijk. Wat was voor "
     "het personeel de grootste verandering?"),
    ("00:00:19", "Peter Bakker", "Dat mensen een nieuwe werkgever kregen. Op papier verandert er weinig, maar in de "
     "beleving van medewerkers is dat enorm. Je levert je pasje in en krijgt een nieuw."),
    ("00:01:02", "Karin Vos", "Hoe hebben jullie de medewerkers daarin meegenomen?"),
    ("00:01:07", "Peter Bakker", "Met veel kleine bijeenkomsten per team, niet met een grote zaal. In een kleine "
     "groep durven mensen hun zorgen uit te spreken."),
    ("00:01:40", "Karin Vos", "Is er iets wat u achteraf anders zou doen?"),
    ("00:01:44", "Peter Bakker", "Ik zou de leidinggevenden eerder betrekken. Zij kregen dezelfde vragen als wij, "
     "maar hadden de antwoorden niet."),
]


def build_teams(out: Path = TEAMS_OUT) -> Path:
    doc = Document()
    doc.add_paragraph("Interview inkoopsamenwerking Kreekendam")
    doc.add_paragraph("12 maart 2024, 10:02AM")
    doc.add_paragraph("2m 15s")
    for speaker, time, text in TEAMS_TURNS:
        doc.add_paragraph(f"{speaker}   {time}")
        doc.add_paragraph(text)
    doc.core_properties.title = "Teams-transcript (fictief)"
    doc.save(str(out))
    return out


def build_table(out: Path = TABLE_OUT) -> Path:
    doc = Document()
    doc.add_paragraph("Transcript gesprek personeel werkorganisatie (fictief)", style="Title")
    table = doc.add_table(rows=1, cols=3)
    for cell, head in zip(table.rows[0].cells, ("Tijd", "Spreker", "Tekst"), strict=True):
        cell.text = head
    for row in TABLE_ROWS:
        for cell, value in zip(table.add_row().cells, row, strict=True):
            cell.text = value
    doc.save(str(out))
    return out


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(build(Path(sys.argv[1])))
    else:
        for made in (build(), build_teams(), build_table()):
            print(made)
