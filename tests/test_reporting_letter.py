"""The letter to the Security Council, built from the records: the reference mission's letter
states the figures of S/2021/520 (MISSION.md's list) in English and French; another mission's
letter states its own; every figure counts the records it names; the catalogue is complete."""

from __future__ import annotations

import importlib.util
import re
import string
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from bluehelmet.cli import cli
from bluehelmet.domain.records import entity_fields, snapshot
from bluehelmet.reporting.annex import evidence_csv, evidence_text
from bluehelmet.reporting.build import build_letter
from bluehelmet.reporting.markdown import render_markdown
from bluehelmet.reporting.model import Evidence, Figure, Letter, Style
from bluehelmet.reporting.wording import Wording, catalogue_path
from bluehelmet.services import records
from bluehelmet.services.database import Database
from tests import factories

FROM, TO = date(2021, 1, 1), date(2021, 5, 31)
ROOT = Path(__file__).resolve().parent.parent


def text_of(letter: Letter, language: str) -> str:
    """The letter's prose in a language: each paragraph's sentences (those the language words) on a line."""
    w = Wording(language)
    return "\n".join(
        " ".join(t for s in p.sentences if (t := w.text(s))) for sec in letter.walk() for p in sec.paragraphs
    )


@pytest.fixture(scope="module")
def reference_letter(reference_db: Database) -> Letter:
    return build_letter(reference_db, FROM, TO, today=date(2021, 6, 1))


# ---------------------------------------------------------------------------- the golden letter

#: MISSION.md's statements, as the English letter must state them (one or more phrases each).
ENGLISH = {
    1: [
        "protection of civilians incidents in the \u201cquartier hydraulique\u201d of Ansongo fell from 10 to 2 a week",
        "Since a formed police unit detachment moved from Gao to Ansongo on 7 December 2020 as part of Operation Seka",
    ],
    2: [
        "Phase 1 ran from 8 April 2021 to 19 May 2021 in Ansongo, In-Tellit and Tessit",
        "From 20 April 2021 to 9 May 2021, a 20-day patrol went from Gao to Tessit",
    ],
    3: [
        "Operation Seka (route security), under way since 1 December 2020 in Gao, Ansongo and Labézanga, aims to "
        "secure, protect and stabilize the road between Gao, Ansongo and Labézanga",
        "Operation Galileo (deterrence) ran from 11 January 2021 to 21 February 2021 in Tessalit to deter",
        "Operation Galaxy (deterrence) ran from 1 February 2021 to 14 March 2021 in Kidal",
        "in Tessalit and Aguelhok",
        "Operation Arer (show of force)",
        "Operation Farrier",
        "in Niafunké, Soumpi and Echefell",
        "55 short-range patrols were conducted near Sokoura and Tori",
        "Three integrated missions went to Ogoussagou, Tori and Sokoura",
        "On 8 January 2021, a special operations force moved from Sector West to Sector Centre",
        "On 26 January 2021, an infantry company moved from Sector East to Sector Centre",
    ],
    4: ["Notifications of armed groups' convoys declined markedly, from 11 to 2.3 a month"],
    5: ["On 25 April 2021, the Mission's police interrupted a hijacking on the road between Douentza and Sévaré"],
    6: [
        "Between 1 July 2021 and 31 December 2021, engineering units, intelligence, surveillance and reconnaissance "
        "units and level 2 hospitals are to deploy to Sector Centre and Sector West",
        "The camp expansion of 16 hectares in Sévaré is due by 30 November 2021",
        "The air camp of 11 hectares in Sévaré is due by 31 March 2022",
        "medium utility helicopter units",
        "armed helicopter units",
        "attack helicopter units",
        "an infantry quick-reaction force",
        "mobile surgical capabilities",
        "a fixed-wing intelligence, surveillance and reconnaissance unit",
        "an unmanned aerial system unit",
    ],
    7: [
        "Three of the four units of the mobile task force still lack a forward surgical team",
        "Two casualty-evacuation conditions set by contributors restrict where their contingents may deploy",
    ],
    8: ["On 2 April 2021, the Mission repelled a complex attack by an estimated 200 attackers on its camp in Aguelhok"],
    9: [
        "Of the 40 major equipment items recorded for two combat convoy companies based in Gao, 22 are unserviceable",
        "16 of them were damaged by explosive incidents: two in 2021 and 14 between 2018 and 2020",
    ],
    10: [
        "Only the 20-member advance team of a formed police unit in Sévaré has been present since 1 March 2020",
        "Dakar",
    ],
    11: [
        "Since 1 January 2021, four military units have been evaluated, including three infantry battalions (645, 650 "
        "and 849 strong) and one combat convoy battalion (525 strong)",
        "All four have been found to be performing satisfactorily, except for one sub-unit, in which issues were "
        "identified in relation to execution of duties, intelligence, logistics and protection of civilians",
    ],
    12: ["20 performance assessment and evaluation reports, and 20 contingent-owned equipment inspections"],
    13: [
        "No unit of the police component operates with undeclared caveats",
        "The Secretariat has no declared caveat registered, so all four caveats in force count as undeclared",
        "movement within the unit's own sector",
    ],
    14: [
        "imposed two restrictions (road blockage) on the Mission's movement, in Bandiagara and Douentza",
        "Two were lifted after structured dialogue",
        "and the Mission's patrols resumed",
        "Since 3 December 2020",
    ],
    15: [
        "Explosives were used in the attacks in Kerena and Aguelhok",
        "Their number grew, from one in January 2021 to seven in May 2021",
    ],
    16: [
        "Since 1 January 2021, 70 improvised explosive devices have been used in Mali, 25 of them against the "
        "Mission: 12 were found and neutralised and 13 detonated"
    ],
    17: [
        "From 1 January 2021 to 30 April 2021, explosive incidents whose casualties are recorded killed or injured "
        "99 civilians, 34 per cent fewer than the 150 of the same months a year earlier"
    ],
    18: [
        "On 1 January 2021, the Counter-IED task force was set up with Malian Armed Forces, Joint Force of the "
        "Group of Five for the Sahel, French forces and EUTM Mali"
    ],
    19: [
        "The plan kept every rotation out of the high operational periods",
        "An infantry battalion in Douentza and an infantry battalion in Sévaré rotated at the same time in Sector "
        "Centre",
        "because the contributors did not keep to the planned windows",
        "Meanwhile the activities of the units in Sector Centre fell from 3 to 1.1 a week",
    ],
    20: [
        "in two phases of the road map",
        "Three activities are late or delayed",
        "the gender- and human rights-sensitive conflict analyses",
        "the analysis of environmental risks",
        "the UN country team capacity mapping exercise",
        "In Gao, MINUSMA, WFP and UNHCR run a joint programme for increased food production, improved livelihoods",
        "In Ansongo, MINUSMA and UN country team run a joint programme for the restoration of state authority",
    ],
}

#: The same figures in the French letter (non-breaking spaces written as plain spaces: see ``plain``).
FRENCH = [
    "les incidents relatifs à la protection des civils dans le « quartier hydraulique » d'Ansongo sont passés de 10 "
    "à 2 par semaine",
    "d'un détachement d'unité de police constituée de Gao à Ansongo",
    "La phase 1 s'est déroulée du 8 avril 2021 au 19 mai 2021 à Ansongo, In-Tellit et Tessit",
    "une patrouille de 20 jours s'est rendue de Gao à Tessit",
    "une force d'opérations spéciales a fait mouvement du secteur Ouest au secteur Centre",
    "Sur les 40 matériels majeurs enregistrés pour deux compagnies de convoi de combat basées à Gao, 22 sont hors "
    "d'usage",
    "16 d'entre eux ont été endommagés par des incidents à l'explosif : deux en 2021 et 14 entre 2018 et 2020",
    "Depuis le 1er janvier 2021, quatre unités militaires ont été évaluées, dont trois bataillons d'infanterie "
    "(d'effectifs de 645, 650 et 849) et un bataillon de convoi de combat (d'un effectif de 525)",
    "20 rapports d'appréciation et d'évaluation de la performance, et 20 inspections",
    "Depuis le 1er janvier 2021, 70 engins explosifs improvisés ont été utilisés au Mali, dont 25 contre la "
    "Mission : 12 ont été découverts et neutralisés et 13 ont explosé",
    "les incidents à l'explosif dont le bilan est connu ont tué ou blessé 99 civils, soit 34 % de moins que les 150",
    "Trois des quatre unités de la force d'intervention mobile n'ont toujours pas d'équipe chirurgicale avancée",
    "Aucune unité de la composante police",
    "Seule l'équipe précurseur de 20 membres d'une unité de police constituée à Sévaré est présente depuis le 1er "
    "mars 2020",
    "les quatre restrictions en vigueur sont donc toutes considérées comme non déclarées",
    "Leur nombre a augmenté, passant de 1 en janvier 2021 à 7 en mai 2021",
    "Les notifications de convois des groupes armés ont nettement diminué",
    "les activités des unités du secteur Centre sont passées de 3 à 1,1 par semaine",
    "Un bataillon d'infanterie à Douentza et un bataillon d'infanterie à Sévaré ont effectué leur relève en même "
    "temps dans le secteur Centre",
    "Des retards ont été enregistrés dans l'analyse des risques environnementaux et les analyses de conflit",
    # The record text these sentences quote has its French value (statements 6, 14 and 18).
    "Les unités terrestres se déploient dans le nouveau camp, du 1er juin 2021 au 30 novembre 2021",
    "la population locale et des dozos (chasseurs traditionnels) ont imposé deux restrictions (blocage de route)",
    "à la suite de la tenue d'un dialogue structuré avec les populations locales et les groupes d'autodéfense, et "
    "les patrouilles de la Mission ont repris",
    "l'organe « équipe spéciale de lutte contre les engins explosifs improvisés » a été créé avec les Forces armées "
    "maliennes, la Force conjointe du Groupe de cinq pays du Sahel, les forces françaises et l'EUTM Mali",
]


def plain(text: str) -> str:
    """Text with its non-breaking spaces (French typography) as plain spaces, to compare phrases."""
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.mark.parametrize("statement", sorted(ENGLISH))
def test_the_english_letter_states_each_statement_of_s_2021_520(reference_letter: Letter, statement: int) -> None:
    text = text_of(reference_letter, "en")
    for phrase in ENGLISH[statement]:
        assert phrase in text, f"statement {statement}: {phrase!r} not in the letter"


def test_the_french_letter_states_the_same_figures(reference_letter: Letter) -> None:
    text = plain(text_of(reference_letter, "fr"))
    for phrase in FRENCH:
        assert phrase in text, phrase
    assert "improvised" not in text and " per cent " not in text  # no English template left


def test_every_counted_figure_is_the_number_of_its_records(reference_db: Database, reference_letter: Letter) -> None:
    counted = [f for f in reference_letter.figures if f.method.endswith("counted.")]
    assert len(counted) > 30
    for figure in counted:
        assert figure.value == figure.record_count, f"{figure.key}: {figure.value} != {figure.record_count} records"
    with reference_db.transaction("tester") as tx:
        for figure in reference_letter.figures:
            for evidence in figure.evidence:
                for record_id in evidence.ids:
                    assert records.get(tx, evidence.kind, record_id).id == record_id


def test_figures_are_numbered_in_reading_order_and_linked_to_the_annex(reference_letter: Letter) -> None:
    md = render_markdown(reference_letter, Wording("en")).text
    links = [int(n) for n in re.findall(r"\]\(#figure-(\d+)\)", md)]
    anchors = {int(n) for n in re.findall(r'<a id="figure-(\d+)"></a>', md)}
    assert anchors == set(range(1, len(reference_letter.figures) + 1))
    assert set(links) == anchors  # every figure is stated, every statement has its line in the annex
    first_seen = list(dict.fromkeys(links))
    assert first_seen == sorted(first_seen)
    assert "[70](#figure-" in md and "[34](#figure-" in md


# ---------------------------------------------------------------------------- no figure is typed


def _clone_incidents(db: Database, n: int, **changes: Any) -> None:
    """``n`` more incidents like the first IED against the mission of the period, with ``changes``."""
    with db.transaction("tester") as tx:
        template = next(
            i
            for i in records.list_records(tx, "Incident", {"category": "ied_detonated", "target": "mission"})
            if FROM <= i.event_date <= TO
        )  # type: ignore[attr-defined]
        keep = {f.name for f in entity_fields(type(template))}
        base = {f: v for f, v in snapshot(template).items() if f in keep}
        for i in range(n):
            records.create(tx, "Incident", {**base, "external_id": f"TEST-IED-{i}", **changes})


def _figure(letter: Letter, key: str) -> Figure:
    return next(f for f in letter.figures if f.key == key)


def test_five_more_ieds_make_the_ied_figures_five_higher(reference_copy: Database) -> None:
    db = reference_copy
    before = build_letter(db, FROM, TO)
    _clone_incidents(db, 5)
    after = build_letter(db, FROM, TO)
    for key in ("ied.total", "ied.against_mission", "ied.detonated"):
        assert _figure(after, key).value == _figure(before, key).value + 5
    assert _figure(after, "ied.neutralised").value == _figure(before, "ied.neutralised").value
    assert "75 improvised explosive devices have been used in Mali, 30 of them" in text_of(after, "en")


def test_another_mission_gets_a_letter_of_its_own_records(db: Database) -> None:
    with db.transaction("tester") as tx:
        mission = factories.make(tx, "Mission", name="UNMISS-TEST", country_iso3="SSD")
        template = factories.data(
            tx,
            "Incident",
            mission_id=mission.id,
            category="ied_detonated",
            event_type="Explosions/Remote violence",
            sub_event_type="Remote explosive/landmine/IED",
            event_date="2022-03-03",
        )
        for i, (category, target) in enumerate(
            [("ied_detonated", "mission"), ("ied_neutralised", "mission"), ("ied_neutralised", "civilians")]
        ):
            records.create(
                tx, "Incident", {**template, "external_id": f"SS-{i}", "category": category, "target": target}
            )
    letter = build_letter(db, date(2022, 1, 1), date(2022, 6, 30))
    text = text_of(letter, "en")
    assert (
        "Since 1 January 2022, three improvised explosive devices have been used in South Sudan, two of them "
        "against the Mission: one was found and neutralised and one detonated." in text
    )
    assert "the Mission recorded three incidents" in text
    assert "No operation was recorded for the period." in text
    assert "No military unit was evaluated in the period." in text
    assert "No rotation is recorded for the period." in text
    assert "No activity of the transition plan is recorded." in text


def test_an_empty_period_says_so_plainly(reference_db: Database) -> None:
    letter = build_letter(reference_db, date(2030, 1, 1), date(2030, 1, 31))
    text = text_of(letter, "en")
    assert "No incident was recorded from 1 January 2030 to 31 January 2030." in text
    assert "No improvised explosive device was recorded in the period." in text


# ---------------------------------------------------------------------------- catalogue and door


def _catalogue_script() -> Any:
    spec = importlib.util.spec_from_file_location("letter_catalog", ROOT / "scripts" / "letter_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fields(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def test_the_french_catalogue_translates_every_message_with_the_same_placeholders() -> None:
    template = _catalogue_script().template()
    po = ROOT / "src" / "bluehelmet" / "reporting" / catalogue_path("fr")
    with po.open("rb") as fh:
        french = read_po(fh, locale="fr")
    assert len(template) > 200
    for message in template:
        if not message.id:
            continue
        translated = french.get(message.id)
        assert translated is not None and translated.string, f"not in the French catalogue: {message.id!r}"
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = translated.string if isinstance(translated.string, tuple) else (translated.string,)
        assert all(strings), message.id
        for text in strings:
            assert _fields(text) == _fields(ids[-1]), f"placeholders differ: {message.id!r} -> {text!r}"


def test_the_report_command_writes_the_letter_and_its_charts(reference_db: Database, tmp_path: Path) -> None:
    out = tmp_path / "letter.md"
    url = reference_db.engine.url.render_as_string(False)
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            url,
            "report",
            "letter",
            "--from",
            "2021-01-01",
            "--to",
            "2021-05-31",
            "--lang",
            "fr",
            "--format",
            "md",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"\[70\]\(#figure-\d+\) engins explosifs improvisés", out.read_text())
    evidence = (tmp_path / "letter-evidence.csv").read_text().splitlines()
    assert evidence[0] == "figure,key,kind,id" and len(evidence) > 1000
    charts = sorted(p.name for p in (tmp_path / "letter-charts").iterdir())
    assert "map.png" in charts and "incidents-by-month.png" in charts
    assert all((tmp_path / "letter-charts" / c).read_bytes().startswith(b"\x89PNG") for c in charts)


def test_a_reversed_period_is_one_line_of_error(reference_db: Database, tmp_path: Path) -> None:
    url = reference_db.engine.url.render_as_string(False)
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            url,
            "report",
            "letter",
            "--from",
            "2021-05-31",
            "--to",
            "2021-01-01",
            "--format",
            "html",
            "--out",
            str(tmp_path / "x.html"),
        ],
    )
    assert result.exit_code == 1
    assert result.output.strip() == "error: --to 2021-01-01 is before --from 2021-05-31"
    assert not (tmp_path / "x.html").exists()


def test_rate_figures_are_written_with_their_decimals() -> None:
    w = Wording("fr")
    assert (
        w.number(Figure("r", 2.25, "m", style=Style.RATE)) == "2,2"
        or w.number(Figure("r", 2.25, "m", style=Style.RATE)) == "2,3"
    )
    assert w.number(Figure("n", 12345, "m")) == "12\u202f345"


def test_a_figure_over_many_scattered_records_lists_its_first_runs_and_the_file_holds_all() -> None:
    scattered = tuple(range(1, 20_000, 2))  # 10,000 ids, no two adjacent
    figure = Figure("many", len(scattered), "m", (Evidence("Incident", scattered),))
    text = evidence_text(figure.evidence, Wording("en"))
    assert text.startswith("incidents 1, 3, 5, ") and text.endswith(
        "and 9,960 more records, listed in the evidence file"
    )
    assert len(text) < 500
    assert evidence_text((Evidence("Incident", (4, 5, 6, 9)),), Wording("en")) == "incidents 4-6, 9"
    letter = Letter("M", "M", FROM, TO, TO, (), (figure,))
    rows = evidence_csv(letter).splitlines()
    assert rows[0] == "figure,key,kind,id" and len(rows) == 1 + len(scattered)
    assert rows[1] == "F1,many,Incident,1" and rows[-1] == "F1,many,Incident,19999"
