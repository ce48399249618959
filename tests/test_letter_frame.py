"""The letter as the Council reads it: the frame of a letter from the Secretary-General (heading,
opening, closing, signature) in English and French, the Council's register (numbers in words,
units by type and place, never by code), French articles before places, record text in the
letter's language or left out, figures worded on their coverage, reports pending review left
out unless asked for, and no typed number in quoted text beside a figure that contradicts it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bluehelmet.cli import cli
from bluehelmet.domain.units import Unit
from bluehelmet.reporting.annex import annex_notes, annex_rows, untranslated
from bluehelmet.reporting.build import build_letter
from bluehelmet.reporting.markdown import render_markdown
from bluehelmet.reporting.model import Figure, Letter, Place, Style
from bluehelmet.reporting.outline import Para, masthead, outline
from bluehelmet.reporting.scope import typed_numbers
from bluehelmet.reporting.wording import Wording
from bluehelmet.services import records
from bluehelmet.services.database import Database
from tests import factories

FROM, TO = date(2021, 1, 1), date(2021, 5, 31)
NBSP, NNBSP = "\u00a0", "\u202f"


def plain(text: str) -> str:
    return text.replace(NBSP, " ").replace(NNBSP, " ")


def paragraphs(letter: Letter, language: str) -> dict[str, str]:
    """Each paragraph's text in a language, by its key (as the reader sees it, figures in words)."""
    out = {}
    for block in outline(letter, Wording(language)):
        if isinstance(block, Para):
            out[block.key] = "".join(p if isinstance(p, str) else p.text for p in block.parts)
    return out


def prose(letter: Letter, language: str) -> str:
    return "\n".join(paragraphs(letter, language).values())


@pytest.fixture(scope="module")
def reference_letter(reference_db: Database) -> Letter:
    return build_letter(reference_db, FROM, TO, today=date(2021, 6, 1))


# ---------------------------------------------------------------------------- the frame


def test_the_english_letter_opens_and_closes_as_the_secretary_general_writes(reference_letter: Letter) -> None:
    w = Wording("en")
    head = masthead(reference_letter, w)
    assert head.title == (
        "Letter dated 1 June 2021 from the Secretary-General addressed to the President of the Security Council"
    )
    assert head.date == "1 June 2021"  # the day after the period, not the day it was generated
    assert head.symbol == "S/\u2026"
    assert head.signature == "(Signed) António Guterres"
    texts = list(paragraphs(reference_letter, "en").items())
    assert texts[0][0] == "opening" and texts[-1][0] == "closing"
    assert texts[0][1].startswith(
        "I have the honour to refer to Security Council resolution 2531 (2020) on the United Nations "
        "Multidimensional Integrated Stabilization Mission in Mali (MINUSMA), by which the Council requested me, "
        "addressing perspectives from all relevant actors"
    )
    assert "(c) an update on the implementation of the integrated strategic framework" in texts[0][1]
    assert texts[-1][1] == (
        "I would be grateful if you could bring the present letter to the attention of the members of the "
        "Security Council."
    )
    md = render_markdown(reference_letter, w).text
    assert md.index("(Signed) António Guterres") > md.index("I would be grateful")
    assert md.index("(Signed) António Guterres") < md.index("## Annex")
    # a letter's paragraphs and headings carry no numbers; its parts have short unnumbered headings
    assert all(b.number == 0 for b in outline(reference_letter, w) if isinstance(b, Para))
    assert "## Progress in mission operations" in md and "(a)" not in md.split("## Progress")[1].split("\n")[0]


def test_the_french_letter_follows_the_councils_french_conventions(reference_letter: Letter) -> None:
    w = Wording("fr")
    head = masthead(reference_letter, w)
    assert head.title == (
        f"Lettre datée du 1er{NBSP}juin 2021, adressée au Président du Conseil de sécurité par le Secrétaire général"
    )
    assert head.signature == "(Signé) António Guterres"
    texts = paragraphs(reference_letter, "fr")
    assert texts["opening"].startswith(
        "J'ai l'honneur de me référer à la résolution 2531 (2020) du Conseil de sécurité relative à la Mission "
        "multidimensionnelle intégrée des Nations Unies pour la stabilisation au Mali (MINUSMA), par laquelle le "
        "Conseil m'a prié, en tenant compte"
    )
    assert texts["closing"] == (
        "Je vous serais reconnaissant de bien vouloir porter la présente lettre à l'attention des membres du "
        "Conseil de sécurité."
    )
    text = prose(reference_letter, "fr")
    assert f"34{NBSP}%" in text and "pour cent" not in text and "per cent" not in text
    assert f"Mission{NBSP}: 12" in text  # a non-breaking space before the colon
    assert " :" not in text and " ;" not in text  # never an ordinary (breakable) space before them
    assert f"1er{NBSP}janvier 2021" in text


def test_a_report_numbers_its_paragraphs_and_has_no_letter_formulas(reference_db: Database) -> None:
    report = build_letter(reference_db, FROM, TO, style="report", today=date(2021, 6, 1))
    w = Wording("en")
    blocks = outline(report, w)
    numbers = [b.number for b in blocks if isinstance(b, Para)]
    assert numbers == list(range(1, len(numbers) + 1))
    text = prose(report, "en")
    assert "I have the honour" not in text and "I would be grateful" not in text
    assert masthead(report, w).signature == ""
    md = render_markdown(report, w).text
    assert "1. From 1 January 2021 to 31 May 2021, the Mission recorded [146](#figure-1) incidents" in md
    assert "## (a) Progress in mission operations" in md and "### A. Security situation" in md


def test_the_symbol_and_the_date_are_the_officers(reference_db: Database, tmp_path: Path) -> None:
    out = tmp_path / "letter.md"
    args = ["--from", "2021-01-01", "--to", "2021-05-31", "--symbol", "S/2021/520", "--date", "2021-06-01"]
    result = CliRunner().invoke(
        cli, ["--db", str(reference_db.engine.url.render_as_string(hide_password=False)), "report", "letter",
              *args, "--format", "md", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "S/2021/520" in text.splitlines()[0]
    assert "# Letter dated 1 June 2021 from the Secretary-General" in text
    bad = CliRunner().invoke(
        cli, ["--db", str(reference_db.engine.url.render_as_string(hide_password=False)), "report", "letter",
              "--from", "2021-01-01", "--to", "2021-05-31", "--style", "memo", "--out", str(out)],
    )  # fmt: skip
    assert bad.exit_code != 0 and "memo" in bad.output


# ---------------------------------------------------------------------------- the register


def test_no_unit_is_named_by_its_internal_name_or_code(reference_db: Database, reference_letter: Letter) -> None:
    with reference_db.transaction("tester") as tx:
        units = [u for u in records.list_records(tx, Unit) if isinstance(u, Unit)]
    assert len(units) > 50
    for language in ("en", "fr"):
        text = prose(reference_letter, language)
        named = [u.name for u in units if u.name in text]
        assert named == [], f"{language}: internal unit names in the letter: {named}"
    assert "INFBAT Douentza Company C" not in prose(reference_letter, "en")
    assert "except for one sub-unit, in which issues were identified" in prose(reference_letter, "en")


def test_the_officer_may_name_the_sub_unit_with_shortcomings(reference_db: Database) -> None:
    named = build_letter(reference_db, FROM, TO, name_units=True)
    assert "In INFBAT Douentza Company C, a sub-unit of INFBAT Douentza, issues were identified" in prose(named, "en")


#: Whole paragraphs of the reference letter, written out by hand as the Council would read them.
GOLDEN = {
    "en": {
        "evaluations.military": (
            "Since 1 January 2021, four military units have been evaluated, including three infantry battalions "
            "(645, 650 and 849 strong) and one combat convoy battalion (525 strong). All four have been found to be "
            "performing satisfactorily, except for one sub-unit, in which issues were identified in relation to "
            "execution of duties, intelligence, logistics and protection of civilians."
        ),
        "security.redeployments": (
            "Since a formed police unit detachment moved from Gao to Ansongo on 7 December 2020 as part of "
            "Operation Seka, protection of civilians incidents in the \u201cquartier hydraulique\u201d of Ansongo "
            "fell from 10 to 2 a week."
        ),
        "adaptation.advance_teams": (
            "Only the 20-member advance team of a formed police unit in Sévaré has been present since 1 March 2020. "
            "The deployment of the rest of the unit is held up because its equipment has been grounded in Dakar "
            "owing to a financial dispute between the contractor and the subcontractor."
        ),
        "closing": (
            "I would be grateful if you could bring the present letter to the attention of the members of the "
            "Security Council."
        ),
    },
    "fr": {
        "evaluations.military": (
            "Depuis le 1er janvier 2021, quatre unités militaires ont été évaluées, dont trois bataillons "
            "d'infanterie (d'effectifs de 645, 650 et 849) et un bataillon de convoi de combat (d'un effectif de "
            "525). Toutes les quatre ont été jugées satisfaisantes, à l'exception d'une sous-unité, pour laquelle "
            "des problèmes ont été relevés dans les domaines suivants : exécution des tâches, renseignement, "
            "logistique et protection des civils."
        ),
        "security.redeployments": (
            "Depuis le redéploiement, le 7 décembre 2020, dans le cadre de l'opération Seka, d'un détachement "
            "d'unité de police constituée de Gao à Ansongo, les incidents relatifs à la protection des civils dans "
            "le « quartier hydraulique » d'Ansongo sont passés de 10 à 2 par semaine."
        ),
        "adaptation.advance_teams": (
            "Seule l'équipe précurseur de 20 membres d'une unité de police constituée à Sévaré est présente depuis "
            "le 1er mars 2020. Le déploiement du reste de l'unité est retardé, car son matériel est bloqué à Dakar "
            "en raison d'un différend financier entre le contractant et le sous-traitant."
        ),
        "closing": (
            "Je vous serais reconnaissant de bien vouloir porter la présente lettre à l'attention des membres du "
            "Conseil de sécurité."
        ),
    },
}


@pytest.mark.parametrize("language", sorted(GOLDEN))
def test_whole_paragraphs_read_as_written_by_hand(reference_letter: Letter, language: str) -> None:
    texts = paragraphs(reference_letter, language)
    for key, expected in GOLDEN[language].items():
        assert plain(texts[key]) == expected, key


def test_numbers_one_to_nine_in_words_ten_and_above_in_figures() -> None:
    en, fr = Wording("en"), Wording("fr")
    assert [en.in_words(Figure("n", n, "m")) for n in (1, 2, 9, 10, 25)] == ["one", "two", "nine", "10", "25"]
    assert fr.in_words(Figure("n", 1, "m")) == "un" and fr.in_words(Figure("n", 1, "m"), "f") == "une"
    assert en.in_words(Figure("n", 1, "m"), "d") == "1"  # a number that names (a phase) keeps its figure
    assert en.in_words(Figure("n", 3, "m", style=Style.RATE)) == "3"  # rates are figures
    assert en.in_words(Figure("n", 0, "m")) == "0"


def test_french_articles_and_contractions_before_places() -> None:
    fr = Wording("fr")
    sector = Place("Sector Centre", "secteur Centre", "le", needs_fr=True)
    assert fr.place(sector) == "le secteur Centre"
    assert fr.place(sector, "à") == "au secteur Centre"
    assert fr.place(sector, "de") == "du secteur Centre"
    assert fr.place(sector, "dans") == "dans le secteur Centre"
    assert fr.place(Place("Iforas", "Iforas", "les"), "à") == "aux Iforas"
    assert fr.place(Place("Iforas", "Iforas", "les"), "de") == "des Iforas"
    assert fr.place(Place("Mauritania", "Mauritanie", "la"), "à") == "à la Mauritanie"
    assert fr.place(Place("Azawad", "Azawad", "l'"), "de") == "de l'Azawad"
    assert fr.place(Place("Ansongo"), "de") == "d'Ansongo" and fr.place(Place("Gao"), "de") == "de Gao"
    assert fr.place(Place("Gao"), "à") == "à Gao"
    assert Wording("en").place(sector, "à") == "Sector Centre"
    assert not fr.translated(Place("Sector East", needs_fr=True))  # an English sector name is never French prose


def test_the_french_letter_puts_its_articles_before_places_and_sectors(reference_letter: Letter) -> None:
    text = plain(prose(reference_letter, "fr"))
    for phrase in (
        "a fait mouvement du secteur Ouest au secteur Centre",
        "dans le secteur Centre, du 10 mars 2021",
        "les activités des unités du secteur Centre",
        "doivent être déployés dans le secteur Centre et le secteur Ouest",
        "le « quartier hydraulique » d'Ansongo",
    ):
        assert phrase in text, phrase
    for wrong in ("Sector Centre", "à quartier", "de INFBAT", "dans Sector", "du le ", "au le ", "de le "):
        assert wrong not in text, wrong


# ---------------------------------------------------------------------------- record text in French


def test_the_reference_letter_in_french_leaves_no_record_text_out(
    reference_letter: Letter, reference_db: Database
) -> None:
    french = prose(reference_letter, "fr")
    assert untranslated(reference_letter, Wording("fr")) == []
    assert untranslated(reference_letter, Wording("en")) == []
    # the hijacking's place is words, not a name: its French value is used, the English never
    assert "sur la route entre Douentza et Sévaré" in french
    assert "road between Douentza and Sévaré" not in french
    assert "road between Douentza and Sévaré" in prose(reference_letter, "en")
    # the operations' aims and results, the reasons, the sectors and the coordination bodies have
    # their French values
    assert "vise à sécuriser, protéger et stabiliser la route" in french
    assert "secure, protect" not in french and "French forces" not in french and "les forces françaises" in french
    result = CliRunner().invoke(
        cli, ["--db", reference_db.engine.url.render_as_string(hide_password=False), "report", "letter",
              "--from", "2021-01-01", "--to", "2021-05-31", "--lang", "fr", "--check"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "security.attacks:" not in result.output and "coordination:" not in result.output
    assert "Coordination des présences sécuritaires" in render_markdown(reference_letter, Wording("fr")).text
    assert "### Coordination of security presences" in render_markdown(reference_letter, Wording("en")).text


def test_an_incident_place_in_words_without_french_is_left_out_and_listed(db: Database) -> None:
    with db.transaction("tester") as tx:
        mission = factories.make(tx, "Mission", full_name_fr="Mission d'essai", letter_request="to report")
        unit = factories.make(
            tx, "Unit", mission_id=mission.id, name="FPU Test", component="police", unit_type="formed_police_unit"
        )
        incident = factories.make(
            tx, "Incident", mission_id=mission.id, event_date="2021-02-10", event_type="Violence against civilians",
            sub_event_type="Attack", category="hijacking", location_id=None, location_name="track north of the wells",
            location_name_fr="", responding_unit_ids=[unit.id], review_status="verified",
        )  # fmt: skip
    letter = build_letter(db, FROM, TO, mission=mission.name)  # type: ignore[attr-defined]
    assert ("security.attacks", "track north of the wells") in untranslated(letter, Wording("fr"))
    assert "track north of the wells" not in prose(letter, "fr")
    assert "interrupted a hijacking on the track north of the wells" in prose(letter, "en")
    with db.transaction("tester") as tx:
        current = records.get(tx, "Incident", incident.id or 0)
        change = {"location_name_fr": "piste au nord des puits"}
        records.update(tx, "Incident", current.id or 0, change, current.version)
    letter = build_letter(db, FROM, TO, mission=mission.name)  # type: ignore[attr-defined]
    assert all(text != "track north of the wells" for _, text in untranslated(letter, Wording("fr")))
    assert "détournement de véhicule sur la piste au nord des puits" in prose(letter, "fr")


def test_a_french_value_entered_is_used_and_no_longer_listed(db: Database) -> None:
    with db.transaction("tester") as tx:
        mission = factories.make(tx, "Mission", full_name_fr="Mission d'essai", letter_request="to report")
        operation = factories.make(
            tx, "Operation", mission_id=mission.id, name="Lynx", start_on="2021-01-05", end_on=None,
            description="protect the road to Gao", description_fr="", results="",
        )  # fmt: skip
    letter = build_letter(db, FROM, TO, mission=mission.name)  # type: ignore[attr-defined]
    assert ("operations.across_sectors", "protect the road to Gao") in untranslated(letter, Wording("fr")) or any(
        t == "protect the road to Gao" for _, t in untranslated(letter, Wording("fr"))
    )
    assert "protect the road" not in prose(letter, "fr")
    assert "L'opération Lynx" in prose(letter, "fr")  # the sentence without the aim, in French
    with db.transaction("tester") as tx:
        current = records.get(tx, "Operation", operation.id or 0)
        records.update(
            tx, "Operation", current.id or 0, {"description_fr": "protéger la route de Gao"}, current.version
        )
    letter = build_letter(db, FROM, TO, mission=mission.name)  # type: ignore[attr-defined]
    assert all(t != "protect the road to Gao" for _, t in untranslated(letter, Wording("fr")))
    assert "vise à protéger la route de Gao" in prose(letter, "fr")


# ---------------------------------------------------------------------------- coverage, drafts, typed numbers


def test_equipment_is_worded_on_its_coverage_never_as_mission_wide(reference_letter: Letter) -> None:
    text = prose(reference_letter, "en")
    assert "of the Mission's major equipment was serviceable" not in text
    assert "Major equipment is recorded for two of the 66 units that hold it" in text
    rows = {row.figure.key: row for row in annex_rows(reference_letter, Wording("en"))}
    assert rows["equipment.units_recorded"].coverage == "partial: 2 of 66 units"
    assert all(row.coverage for row in rows.values())  # every figure states its coverage
    assert any("serviceability rate (45 per cent" in n for n in annex_notes(reference_letter, Wording("en")))


def _small_mission(db: Database) -> str:
    with db.transaction("tester") as tx:
        mission = factories.make(tx, "Mission", name=f"TEST-{id(db)}", letter_request="")
        for i, status in enumerate(["verified", "verified", "draft"]):
            factories.make(
                tx, "Incident", mission_id=mission.id, external_id=f"D-{i}", review_status=status,
                event_date="2021-03-0" + str(i + 1),
            )  # fmt: skip
    return str(mission.name)  # type: ignore[attr-defined]


def test_reports_pending_review_are_left_out_and_named_unless_turned_in(db: Database) -> None:
    name = _small_mission(db)
    verified = build_letter(db, FROM, TO, mission=name)
    total = next(f for f in verified.figures if f.key == "incidents.total")
    assert total.value == 2
    assert "the Mission recorded two incidents" in prose(verified, "en")
    assert "pending review" not in prose(verified, "en")
    assert "One incident report pending review is not included in the figures." in annex_notes(verified, Wording("en"))
    turned_in = build_letter(db, FROM, TO, mission=name, include_drafts=True)
    assert next(f for f in turned_in.figures if f.key == "incidents.total").value == 3
    assert "These figures include one report still pending review." in prose(turned_in, "en")
    assert "Ces chiffres comprennent un rapport encore en attente d'examen." in prose(turned_in, "fr")


def test_a_changed_strength_never_leaves_a_contradicting_typed_number(db: Database) -> None:
    with db.transaction("tester") as tx:
        # The mission's name carries no digits: a factory's "MINUSMA-20" would put a "20" in the letter.
        mission = factories.make(tx, "Mission", name="MINUSMA-TEST", letter_request="")
        unit = factories.make(
            tx, "Unit", mission_id=mission.id, name="FPU 9 Test", component="police",
            unit_type="formed_police_unit", deployment_status="advance_team_only", deployed_strength=20,
            authorised_strength=140, status_since="2020-03-01",
            status_reason="only the 20-member advance team is present; its equipment is held in Dakar",
        )  # fmt: skip
    name = str(mission.name)  # type: ignore[attr-defined]
    before = prose(build_letter(db, FROM, TO, mission=name), "en")
    assert "Only the 20-member advance team of a formed police unit" in before
    assert "held in Dakar" not in before  # free text with a typed number is never quoted beside the figure
    with db.transaction("tester") as tx:
        current = records.get(tx, "Unit", unit.id or 0)
        records.update(tx, "Unit", current.id or 0, {"deployed_strength": 25}, current.version)
    letter = build_letter(db, FROM, TO, mission=name)
    after = prose(letter, "en")
    assert "Only the 25-member advance team of a formed police unit" in after
    assert "20" not in after.replace("2020", "").replace("2021", "")
    assert any("Not quoted" in n and "20-member" in n for n in annex_notes(letter, Wording("en")))


def test_typed_numbers_in_prose_are_found_but_not_dates_years_or_symbols() -> None:
    assert typed_numbers("only the 20-member advance team") == ["20"]
    assert typed_numbers("the new camp (16 ha)") == ["16"]
    assert typed_numbers("after the attack of 2 April 2021 on the camp") == []
    assert typed_numbers("as resolution 2531 (2020) and S/2021/300 ask") == []
    assert typed_numbers("le 1er avril 2021") == []
    assert typed_numbers("") == []


def test_the_french_fields_are_exchange_columns_of_their_kinds() -> None:
    from bluehelmet.domain.caveats import Caveat  # noqa: PLC0415 - only this test needs them
    from bluehelmet.domain.operations import Operation  # noqa: PLC0415
    from bluehelmet.domain.places import Location, Mission, Sector  # noqa: PLC0415
    from bluehelmet.domain.transition import JointProgramme, TransitionActivity  # noqa: PLC0415
    from bluehelmet.services.exchange import columns  # noqa: PLC0415

    expected = {
        Mission: {"full_name_fr", "letter_request", "letter_request_fr", "signatory"},
        Sector: {"name_fr", "article_fr"},
        Location: {"name_fr", "article_fr"},
        Operation: {"description_fr", "results_fr"},
        Unit: {"status_reason_fr"},
        Caveat: {"description_fr"},
        TransitionActivity: {"title_fr", "delay_reason_fr"},
        JointProgramme: {"name_fr", "aims_fr"},
    }
    for cls, names in expected.items():
        assert names <= {c.name for c in columns(cls)}, cls.__name__


def test_a_french_article_outside_the_vocabulary_is_refused(db: Database) -> None:
    from bluehelmet.domain.errors import BluehelmetError  # noqa: PLC0415

    with db.transaction("tester") as tx:
        mission = factories.make(tx, "Mission")
        sector = factories.make(tx, "Sector", mission_id=mission.id, name="Sector Nord", name_fr="secteur Nord",
                                article_fr="le")  # fmt: skip
        assert str(records.get(tx, "Sector", sector.id or 0).article_fr) == "le"  # type: ignore[attr-defined]
    with pytest.raises(BluehelmetError), db.transaction("tester") as tx:
        factories.make(tx, "Sector", mission_id=mission.id, name="Sector Sud", article_fr="du")


def test_deaths_over_incidents_some_without_casualty_figures_are_worded_as_a_part(db: Database) -> None:
    with db.transaction("tester") as tx:
        mission = factories.make(tx, "Mission", letter_request="")
        for i, dead in enumerate([3, None, 4]):
            factories.make(
                tx, "Incident", mission_id=mission.id, external_id=f"K-{i}", event_date=f"2021-02-0{i + 1}",
                fatalities=dead, killed_peacekeepers=None, injured_peacekeepers=None,
            )  # fmt: skip
    letter = build_letter(db, FROM, TO, mission=str(mission.name))  # type: ignore[attr-defined]
    text = prose(letter, "en")
    assert (
        "the Mission recorded three incidents; in those whose casualties are recorded, seven people were killed "
        "(one without casualty figures)" in text
    )
    assert "in which seven people were killed" not in text  # never worded as the total
    dead = next(f for f in letter.figures if f.key == "incidents.fatalities")
    assert dead.coverage is not None and (dead.coverage.known, dead.coverage.total) == (2, 3)
    row = next(r for r in annex_rows(letter, Wording("en")) if r.figure.key == "incidents.fatalities")
    assert row.coverage == "partial: 2 of 3 incidents"
