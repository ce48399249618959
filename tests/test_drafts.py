"""Drafting the letter, on both backends: an officer's prose survives a refresh while its figures
move with the records; a token of a figure that does not exist is refused with its paragraph
named; the export in every format keeps the prose, the annex and the evidence file; the check
lists what to look at before sending; careless input is refused in one line."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner, Result

from bluehelmet.cli import cli
from bluehelmet.config import Settings
from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.drafts import Draft, DraftParagraph, tokens, typed_figures
from bluehelmet.reporting import drafts
from bluehelmet.reporting.model import Figure, Letter, Paragraph, Section, Sentence, Text
from bluehelmet.services import backup, records
from bluehelmet.services import drafts as stored
from bluehelmet.services.database import Database
from tests import factories

FROM, TO = date(2022, 1, 1), date(2022, 6, 30)
REWRITTEN = (
    "Explosive devices remain the gravest threat: {{ied.total}} were used in the country over the "
    "period, {{ied.against_mission}} of them against the Mission."
)


def mission(db: Database, ieds: int = 2) -> dict[str, Any]:
    """A mission of its own with ``ieds`` IEDs against it in the period; the incident template."""
    with db.transaction("tester") as tx:
        m = factories.make(tx, "Mission", name="UNMISS-TEST", country_iso3="SSD")
        template = factories.data(
            tx,
            "Incident",
            mission_id=m.id,
            category="ied_detonated",
            event_type="Explosions/Remote violence",
            sub_event_type="Remote explosive/landmine/IED",
            event_date="2022-03-03",
        )
    add_ieds(db, template, ieds, "A")
    return template


def add_ieds(db: Database, template: dict[str, Any], n: int, batch: str) -> None:
    with db.transaction("tester") as tx:
        for i in range(n):
            records.create(tx, "Incident", {**template, "external_id": f"IED-{batch}-{i}"})


def run(db: Database, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", db.url, "--actor", "officer", "report", "draft", *args])


def shown(db: Database, name: str = "june", *more: str) -> dict[str, Any]:
    result = run(db, "show", name, "--json", *more)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def created(db: Database, *more: str) -> dict[str, Any]:
    result = run(db, "create", "june", "--from", str(FROM), "--to", str(TO), *more)
    assert result.exit_code == 0, result.output
    return shown(db)


def ied_paragraph(data: dict[str, Any]) -> str:
    return next(p["id"] for p in data["paragraphs"] if "{{ied.total}}" in p["text"])


def set_prose(db: Database, tmp_path: Path, paragraph: str, prose: str | bytes, *more: str) -> Result:
    file = tmp_path / "prose.md"
    file.write_bytes(prose if isinstance(prose, bytes) else prose.encode())
    return run(db, "set", "june", paragraph, "--file", str(file), *more)


# ------------------------------------------------------------------------------------ round trip


def test_show_json_is_the_contract_paragraphs_in_the_letters_order_with_tokens(db: Database) -> None:
    mission(db)
    data = created(db)
    assert [set(p) for p in data["paragraphs"]] == [{"id", "text"}] * len(data["paragraphs"])
    ids = [p["id"] for p in data["paragraphs"]]
    assert len(ids) == len(set(ids))
    # the letter's frame: its opening first, its closing formula last, the body between
    assert ids[0] == "opening" and ids[1].startswith("security") and ids[-1] == "closing"
    assert data["paragraphs"][0]["text"].startswith("I have the honour to refer to Security Council resolution")
    assert data["paragraphs"][-1]["text"].startswith("I would be grateful if you could bring the present letter")
    challenges = next(p["text"] for p in data["paragraphs"] if p["id"] == ied_paragraph(data))
    assert "{{ied.total}} improvised explosive devices have been used in South Sudan" in challenges
    assert "2 improvised" not in challenges  # the figure is a token, not a number
    assert data["figures"]["ied.total"] == 2


def test_rewritten_prose_is_kept_and_its_figures_move_with_the_records(db: Database, tmp_path: Path) -> None:
    template = mission(db, ieds=2)
    paragraph = ied_paragraph(created(db))
    assert set_prose(db, tmp_path, paragraph, REWRITTEN + "\n").exit_code == 0
    add_ieds(db, template, 3, "B")

    result = run(db, "refresh", "june")
    assert result.exit_code == 0, result.output
    assert "ied.total 2 -> 5" in result.output and "ied.against_mission 2 -> 5" in result.output
    data = shown(db)
    assert next(p["text"] for p in data["paragraphs"] if p["id"] == paragraph) == REWRITTEN
    assert data["figures"]["ied.total"] == 5
    assert {"key": "ied.total", "before": 2, "after": 5} in data["changed"]
    assert paragraph in data["edited"]

    out = tmp_path / "letter.md"
    assert run(db, "export", "june", "--format", "md", "--out", str(out)).exit_code == 0
    text = out.read_text()
    assert "Explosive devices remain the gravest threat: " in text
    assert "were used in the country over the period" in text and "{{" not in text
    assert "[five](#figure-" in text.replace("\\", "")  # the figure, linked to its row in the annex


def test_a_paragraph_nobody_edited_takes_the_new_wording_on_refresh(db: Database) -> None:
    template = mission(db, ieds=1)
    before = created(db)
    add_ieds(db, template, 1, "B")
    assert run(db, "refresh", "june").exit_code == 0
    after = shown(db)
    was = next(p["text"] for p in before["paragraphs"] if p["id"] == "security.incidents")
    now = next(p["text"] for p in after["paragraphs"] if p["id"] == "security.incidents")
    assert "recorded {{incidents.total}} incident, " in was  # one incident: the singular
    assert "recorded {{incidents.total}} incidents, " in now  # two: the plural, as the letter now words it
    assert after["figures"]["incidents.total"] == 2 and after["edited"] == []


def test_a_token_of_a_figure_that_does_not_exist_is_refused_with_its_paragraph(db: Database, tmp_path: Path) -> None:
    mission(db)
    paragraph = ied_paragraph(created(db))
    version = shown(db)["version"]
    result = set_prose(db, tmp_path, paragraph, "We counted {{ied.totl}} devices.")
    assert result.exit_code == 1
    assert f"paragraph {paragraph}: {{{{ied.totl}}}}" in result.output
    assert shown(db)["version"] == version  # nothing written


def test_a_figure_that_disappears_blocks_refresh_check_and_export(db: Database, tmp_path: Path) -> None:
    mission(db, ieds=2)
    paragraph = ied_paragraph(created(db))
    assert set_prose(db, tmp_path, paragraph, REWRITTEN).exit_code == 0
    with db.transaction("tester") as tx:  # the IEDs turn out to be something else
        for incident in records.list_records(tx, "Incident"):
            records.update(tx, "Incident", incident.id or 0, {"category": "other"}, incident.version or 0)
    refused = run(db, "refresh", "june")
    assert refused.exit_code == 1 and f"paragraph {paragraph}: {{{{ied.total}}}}" in refused.output
    check = run(db, "check", "june", "--json")
    assert check.exit_code == 1
    findings = json.loads(check.output)["findings"]
    assert {"kind": "unknown_figure", "paragraph": paragraph, "blocking": True} in [
        {k: f[k] for k in ("kind", "paragraph", "blocking")} for f in findings
    ]
    export = run(db, "export", "june", "--format", "html", "--out", str(tmp_path / "x.html"))
    assert export.exit_code == 1 and paragraph in export.output
    assert not (tmp_path / "x.html").exists()


# ---------------------------------------------------------------------------------- the formats


@pytest.fixture
def rewritten(db: Database, tmp_path: Path) -> Database:
    mission(db, ieds=3)
    paragraph = ied_paragraph(created(db, "--symbol", "S/2022/101", "--date", "2022-07-01"))
    assert set_prose(db, tmp_path, paragraph, REWRITTEN).exit_code == 0
    return db


def _export(db: Database, tmp_path: Path, fmt: str) -> Path:
    out = tmp_path / f"draft.{fmt}"
    result = run(db, "export", "june", "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    evidence = (tmp_path / "draft-evidence.csv").read_text()
    assert "ied.total" in evidence  # the evidence file names each figure's records
    return out


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("fmt", ["md", "html", "pdf", "docx"])
def test_every_format_keeps_the_rewritten_prose_and_the_annex(rewritten: Database, tmp_path: Path, fmt: str) -> None:
    out = _export(rewritten, tmp_path, fmt)
    if fmt == "pdf":
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, check=True).stdout.decode()
    elif fmt == "docx":
        document = docx.Document(BytesIO(out.read_bytes()))
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        text = "\n".join([p.text for p in document.paragraphs] + cells)
    else:
        text = out.read_text()
    flat = _flat(text.replace("\\", ""))
    assert "Explosive devices remain the gravest threat:" in flat
    assert "were used in the country over the period," in flat
    assert "against the Mission." in flat
    assert "{{" not in flat
    assert "Annex: how each figure was computed" in flat  # the annex of figures stays, with the IED row
    assert "Incidents of the categories IED detonated and IED neutralised in the period: counted." in flat


# --------------------------------------------------------------------------------------- check


def test_check_lists_typed_figures_but_not_dates_symbols_or_resolutions(db: Database, tmp_path: Path) -> None:
    mission(db)
    paragraph = ied_paragraph(created(db))
    prose = (
        "As resolution 2531 (2020) asks, and as S/2021/520 set out on 1 June 2021, {{ied.total}} devices "
        "were used; 17 attacks followed in 2022."
    )
    assert set_prose(db, tmp_path, paragraph, prose).exit_code == 0
    result = run(db, "check", "june")
    assert result.exit_code == 0, result.output  # a typed figure is to look at, not a block
    assert f"paragraph {paragraph}: '17' is typed, not computed" in result.output
    for not_a_figure in ("2531", "2020", "520", "'1'", "2022", "'2'"):
        assert f"'{not_a_figure.strip(chr(39))}' is typed" not in result.output
    exported = run(db, "export", "june", "--format", "md", "--out", str(tmp_path / "x.md"), "--json")
    assert json.loads(exported.stdout)["typed"] == [{"paragraph": paragraph, "text": "17"}]  # said before sending


def test_check_names_a_paragraph_whose_figures_moved_since_it_was_edited(db: Database, tmp_path: Path) -> None:
    template = mission(db, ieds=2)
    paragraph = ied_paragraph(created(db))
    assert set_prose(db, tmp_path, paragraph, REWRITTEN).exit_code == 0
    add_ieds(db, template, 1, "B")
    before_refresh = run(db, "check", "june", "--json")
    kinds = {(f["kind"], f["paragraph"]) for f in json.loads(before_refresh.output)["findings"]}
    assert ("changed_since_edit", paragraph) in kinds and ("changed_since_refresh", None) in kinds
    assert run(db, "refresh", "june").exit_code == 0
    after = json.loads(run(db, "check", "june", "--json").output)["findings"]
    assert any(f["kind"] == "changed_since_edit" and "is 3, 2 when it was last edited" in f["message"] for f in after)
    assert not any(f["kind"] == "changed_since_refresh" for f in after)


def test_english_and_french_are_paired_and_untranslated_prose_is_listed(db: Database, tmp_path: Path) -> None:
    mission(db)
    english = created(db, "--lang", "en", "--lang", "fr")
    french = shown(db, "june", "--lang", "fr")
    assert [p["id"] for p in english["paragraphs"]] == [p["id"] for p in french["paragraphs"]]
    fr_text = next(p["text"] for p in french["paragraphs"] if p["id"] == ied_paragraph(english))
    assert "{{ied.total}} engins explosifs improvisés" in fr_text
    paragraph = ied_paragraph(english)
    assert set_prose(db, tmp_path, paragraph, REWRITTEN).exit_code == 0
    findings = json.loads(run(db, "check", "june", "--json").output)["findings"]
    assert any(f["kind"] == "untranslated" and f["paragraph"] == paragraph and f["language"] == "fr" for f in findings)
    assert set_prose(db, tmp_path, paragraph, "Les engins explosifs ({{ied.total}}) restent la menace.", "--lang", "fr")
    findings = json.loads(run(db, "check", "june", "--json").output)["findings"]
    assert not any(f["kind"] == "untranslated" and f["paragraph"] == paragraph for f in findings)
    # the mission's name has no French value: the French letter leaves its opening out, and the
    # draft says so and blocks the export until the officer writes it
    empty = [f for f in findings if f["kind"] == "empty_paragraph"]
    assert [(f["paragraph"], f["language"], f["blocking"]) for f in empty] == [("opening", "fr", True)]
    assert "the fr letter left it out for want of a fr value" in empty[0]["message"]
    assert any(f["kind"] == "untranslated" and f["paragraph"] == "opening" and "has no fr value" in f["message"]
               for f in findings)  # fmt: skip
    out = tmp_path / "lettre.md"
    assert run(db, "export", "june", "--lang", "fr", "--format", "md", "--out", str(out)).exit_code == 1
    opening = "J'ai l'honneur de me référer à la résolution 2531 (2020) du Conseil de sécurité."
    assert set_prose(db, tmp_path, "opening", opening, "--lang", "fr").exit_code == 0
    exported = run(db, "export", "june", "--lang", "fr", "--format", "md", "--out", str(out))
    assert exported.exit_code == 0, exported.output
    assert "Les engins explosifs ([deux](#figure-" in out.read_text().replace("\\", "")


# ------------------------------------------------------------------------------ careless input


@pytest.mark.parametrize(
    ("prose", "said"),
    [
        ("   \n", "the prose is empty"),
        (b"Les \xe9l\xe9ments {{ied.total}}", "is not UTF-8 text"),
        ("x" * 20_001, "at most 20,000"),
        ("NUL \x00 inside {{ied.total}}", "NUL character"),
    ],
)
def test_careless_prose_is_refused_in_one_line(db: Database, tmp_path: Path, prose: str | bytes, said: str) -> None:
    mission(db)
    paragraph = ied_paragraph(created(db))
    result = set_prose(db, tmp_path, paragraph, prose)
    assert result.exit_code == 1 and said in result.output and "Traceback" not in result.output


def test_unknown_paragraph_duplicate_name_and_unknown_draft_are_refused(db: Database, tmp_path: Path) -> None:
    mission(db)
    created(db)
    assert "has no paragraph 'nowhere.9'" in set_prose(db, tmp_path, "nowhere.9", "Text.").output
    again = run(db, "create", "june", "--from", str(FROM), "--to", str(TO))
    assert again.exit_code == 1 and "already a draft called 'june'" in again.output
    assert "no draft called 'july'" in run(db, "show", "july").output
    reversed_period = run(db, "create", "back", "--from", str(TO), "--to", str(FROM))
    assert reversed_period.exit_code == 1 and "is before" in reversed_period.output
    for bad in ("", "  ", "a/b", "tab\there", "x" * 201):
        refused = run(db, "create", bad, "--from", str(FROM), "--to", str(TO))
        assert refused.exit_code == 1 and ("needs a name" in refused.output or "no '/'" in refused.output), bad
    assert run(db, "delete", "june").exit_code == 0
    assert "no draft called 'june'" in run(db, "show", "june").output
    assert run(db, "create", "june", "--from", str(FROM), "--to", str(TO)).exit_code == 0  # the name is free


def test_a_stored_draft_is_versioned_and_audited(db: Database, tmp_path: Path) -> None:
    mission(db)
    paragraph = ied_paragraph(created(db))
    assert set_prose(db, tmp_path, paragraph, REWRITTEN).exit_code == 0
    with db.transaction("reader") as tx:
        draft = stored.find(tx, "june")
        history = records.history(tx, Draft, draft.id or 0)
    assert draft.version == 2
    assert [e.actor for e in history] == ["officer", "officer"]
    after = next(p for p in history[-1].after["paragraphs"] if p["id"] == paragraph)  # type: ignore[index, union-attr]
    assert after["text"]["en"] == REWRITTEN


# ------------------------------------------------------------------------------------- scoping


def test_a_sector_account_cannot_read_a_mission_wide_draft_and_a_viewer_cannot_write(db: Database) -> None:
    mission(db)
    created(db)
    with db.transaction("tester") as tx:
        sector = factories.make(tx, "Sector", mission_id=stored.find(tx, "june").mission_id)
    for_sector = Principal("sector-user", Role.SECTOR, sector.id)
    with pytest.raises(stored.NoDraft):
        drafts.show(db, "june", principal=for_sector)
    assert drafts.list_drafts(db, for_sector) == []
    viewer = Principal("viewer", Role.VIEWER)
    assert drafts.show(db, "june", principal=viewer).draft.name == "june"
    with pytest.raises(Exception, match="may not write drafts"):
        drafts.set_paragraph(db, "june", "security.incidents", "Text.", principal=viewer)
    reporting = Principal("officer", Role.REPORTING)
    view = drafts.set_paragraph(db, "june", "security.incidents", "The Mission recorded {{incidents.total}} incidents.",
                                principal=reporting)  # fmt: skip
    edited = next(p for p in view.paragraphs if p.id == "security.incidents")
    assert edited.text["en"].startswith("The Mission recorded") and edited.edited("en")


# ------------------------------------------------------------------------------- pure parts


@pytest.mark.parametrize(
    ("prose", "typed"),
    [
        ("17 attacks followed in 2022.", ["17"]),
        ("As resolution 2531 (2020) asks, S/2021/520 of 1 June 2021 and A/RES/75/1 say so.", []),
        ("Le 1er juin 2021, 3,5 % des 1 250 personnes", ["3,5 %", "1 250"]),
        ("paragraph 3 (b), para. 12, at 14h30 and 09:15, on 2021-03-04 and 04/03/2021", []),
        ("{{ied.total}} devices, {{poc_rate.1.quartier hydraulique, Ansongo.before}} a week", []),
        ("45.6 per cent; 2022.5", ["45.6", "2022.5"]),
        ("", []),
    ],
)
def test_typed_figures_are_counts_not_dates_symbols_or_resolutions(prose: str, typed: list[str]) -> None:
    assert [t.text for t in typed_figures("p.1", prose)] == typed


def test_tokens_keep_keys_with_spaces_and_accents_each_once() -> None:
    prose = (
        "{{ incidents.admin1.Ségou }} and {{poc_rate.1.quartier hydraulique, Ansongo.after}}, "
        "{{incidents.admin1.Ségou}}"
    )
    assert tokens(prose) == ["incidents.admin1.Ségou", "poc_rate.1.quartier hydraulique, Ansongo.after"]
    assert tokens("{{}} { {x} } {{a{b}}") == [""]  # an empty token is a token (and names no figure)


def test_an_edited_paragraph_the_letter_no_longer_has_stays_after_the_one_it_followed() -> None:
    def para(ident: str, text: str, edited: bool = False) -> DraftParagraph:
        when = {"en": "2026-01-01T00:00:00"} if edited else {}
        return DraftParagraph(ident, ident.split(".", maxsplit=1)[0], {"en": text}, when)

    old = [para("a.1", "one"), para("a.2", "mine", edited=True), para("a.3", "gone"), para("b.1", "two", True),
           para("b.2", "unedited"), para("b.3", "also mine", True), para("c.1", "first", True)]  # fmt: skip
    new = [para("a.1", "one, reworded"), para("b.1", "two, reworded"), para("b.4", "new")]
    merged = drafts._merge(old, new)
    assert [(p.id, p.text["en"]) for p in merged] == [
        ("a.1", "one, reworded"), ("a.2", "mine"), ("b.1", "two"), ("b.3", "also mine"), ("c.1", "first"),
        ("b.4", "new"),
    ]  # fmt: skip
    assert [p.id for p in drafts._merge([para("z.1", "lost", True)], new)] == ["z.1", "a.1", "b.1", "b.4"]


def test_a_draft_survives_a_backup_and_a_restore_across_backends(db: Database, tmp_path: Path) -> None:
    mission(db)
    paragraph = ied_paragraph(created(db))
    assert set_prose(db, tmp_path, paragraph, REWRITTEN).exit_code == 0
    before = shown(db)
    archive = tmp_path / "mission.zip"
    key = "a key both servers share, as a mission's backups need"
    backup.backup(db, archive, key=key)
    restored = Database(Settings(database_url=f"sqlite:///{tmp_path / 'restored.db'}", secret_key=key))
    try:
        backup.restore(restored, archive)
        assert shown(restored) == before
    finally:
        restored.close()


def test_paragraph_ids_come_from_the_letters_keys_else_the_section_and_place() -> None:
    count, nan = Figure("ied.total", 4, "counted"), Figure("rate.none", float("nan"), "over nothing")
    sentence = Sentence("{n} devices at {place}.", {"n": count, "place": Text("{{camp}}")})
    section = Section("challenges", "Challenges", (Paragraph((sentence,)), Paragraph((sentence,), "challenges.ied"),
                      Paragraph((sentence,), "challenges.ied")))  # fmt: skip
    letter = Letter("M", "M", FROM, TO, TO, (section,), (count, nan))
    made = drafts.generated(letter, ["en", "fr"])
    assert [p.id for p in made] == ["challenges.1", "challenges.ied", "challenges.ied.3"]
    assert made[0].text["en"] == "{{ied.total}} devices at { {camp}}."  # a record's braces are no token
    assert made[0].figures == {"ied.total": 4}
    assert drafts.figures_of(letter) == {"ied.total": 4}  # not a number: no figure to state
