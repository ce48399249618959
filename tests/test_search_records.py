"""Search across the kinds of record (services/search.py over the full-text indexes of
migrations 0024 and 0027), on both backends: every kind found by its text, any case, any
accents, French and English; a changed record found by its new words only; deleted records never
found; a sector account finds, counts and reads only what its pages show it; hostile queries
answered with nothing found or a clear refusal, never a 500, through the service, the API, the
command line and the page."""

from __future__ import annotations

import importlib.util
import json
import re
from datetime import date

import pytest
from click.testing import CliRunner

from bluehelmet.cli import cli
from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.alerts import Alert, AlertRule
from bluehelmet.domain.catalogue import entity_name
from bluehelmet.domain.drafts import Draft
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.intake import Gateway, IntakeMessage
from bluehelmet.domain.records import Record
from bluehelmet.services import accounts, drafts, intake, records, scope, search, watch
from bluehelmet.services.database import Database
from bluehelmet.storage import migrate
from bluehelmet.storage import search as storage_search
from bluehelmet.storage.search import LISTS, SEARCHED
from bluehelmet.storage.tables import TABLES, metadata
from tests.test_web_pages import csrf_of
from tests.twin_missions import MISSIONS, PASSWORD, build_twins

ADMIN = Principal("admin-user", Role.ADMIN)
TABLES_BY_NAME = metadata.tables


def _tag(i: int) -> str:
    """A word no record holds, one per kind (letters only: digits would be typed numbers)."""
    return "zorglub" + chr(97 + i // 26) + chr(97 + i % 26)


def _field(cls: type[Record]) -> str:
    """The last plain text field the index of ``cls`` holds."""
    table = TABLES[cls].name
    return [f for f in SEARCHED[table] if (table, f) not in LISTS][-1]


@pytest.fixture
def tagged(reference_copy: Database) -> dict[str, int]:
    """The reference mission with one record of every searched kind holding its own tag and
    "Ménaka", "embuscade" and "ambush" (a record of each kind the reference lacks is added)."""
    db = reference_copy
    form = "application/x-www-form-urlencoded"
    message = intake.receive(db, Gateway.TWILIO, b"From=%2B22370000001&Body=Attaque+a+Tessit", form)
    ids: dict[str, int] = {}
    with db.transaction("tester") as tx:
        rule = records.list_records(tx, AlertRule)[0]
        assert isinstance(rule, AlertRule)
        alert = {"mission_id": rule.mission_id, "rule_id": rule.id, "kind": str(rule.kind), "severity": "warning",
                 "key": "k1", "message": "x", "raised_on": "2021-05-01"}  # fmt: skip
        records.create(tx, Alert, alert)
        body = records.list_records(tx, "CoordinationBody")[0].id
        records.create(tx, "CoordinationMeeting", {"body_id": body, "held_on": "2021-02-01", "summary": "first"})
        drafts.create(tx, {"name": "Lettre de mai", "date_from": "2021-01-01", "date_to": "2021-05-31"})
        for i, cls in enumerate(search.KINDS):
            text = f"Embuscade près de Ménaka ambush {_tag(i)}"
            if cls is Draft:
                (draft,) = drafts.list_drafts(tx)
                paragraph = {"id": "p1", "section": "security", "text": {"en": text, "fr": text}}
                drafts.update(tx, draft, {"paragraphs": [paragraph]})
                ids[entity_name(cls)] = draft.id or 0
                continue
            found = records.get(tx, cls, message.id or 0) if cls is IntakeMessage else records.list_records(tx, cls)[0]
            records.update(tx, cls, found.id or 0, {_field(cls): text}, found.version)
            ids[entity_name(cls)] = found.id or 0
    return ids


def _kinds(db: Database, query: str, principal: Principal = ADMIN, **options: object) -> dict[str, list[int]]:
    found = search.search(db, principal, query, **options)  # type: ignore[arg-type]
    return {kind: [h.id for h in hits] for kind, hits in found.by_kind()}


def test_every_kind_is_found_by_its_text_any_case_any_accents(reference_copy: Database, tagged: dict[str, int]) -> None:
    db = reference_copy
    for i, cls in enumerate(search.KINDS):
        name = entity_name(cls)
        for query in (_tag(i), _tag(i).upper(), f"menaka {_tag(i)}", f"MÉNAKA EMBUSC {_tag(i)}", f"ambush {_tag(i)}"):
            assert _kinds(db, query) == {name: [tagged[name]]}, (name, query)
    everything = search.search(db, ADMIN, "zorglub", limit=100)
    assert everything.counts == {entity_name(c): 1 for c in search.KINDS}
    hit = next(h for h in everything.hits if h.kind == "incident")
    assert hit.page == f"/incidents/{tagged['incident']}"
    marked = [hit.excerpt.text[a:b] for a, b in hit.excerpt.marks]
    assert marked and all(m.casefold().startswith("zorglub") for m in marked)
    assert _kinds(db, "zorglub", kinds=["caveat", "Operation"]) == {"operation": [tagged["operation"]],
                                                                     "caveat": [tagged["caveat"]]}  # fmt: skip


def test_french_and_english_words_of_the_reference_mission(reference_copy: Database) -> None:
    found = _kinds(reference_copy, "patrouilles nuit", kinds=["evaluation_finding"])
    english = _kinds(reference_copy, "night patrols")
    assert "evaluation_finding" in english and "improvement_action" in english
    assert found == {} or "evaluation_finding" in found  # the findings are in English in the reference
    assert "operation" in _kinds(reference_copy, "CONVOIS")  # "convois" in an operation's French text


def test_a_changed_record_is_found_by_its_new_words_only_and_a_deleted_one_never(
    reference_copy: Database, tagged: dict[str, int]
) -> None:
    db = reference_copy
    with db.transaction("tester") as tx:
        for name in ("activity", "movement_restriction", "caveat_impact"):
            cls = search.kind_named(name)
            record = records.get(tx, cls, tagged[name])
            records.update(tx, cls, record.id or 0, {_field(cls): "Checkpoint à Tombouctou"}, record.version)
        restriction = records.get(tx, "MovementRestriction", tagged["movement_restriction"])
        records.delete(tx, "MovementRestriction", restriction.id or 0, restriction.version)
        unit = records.get(tx, "ConvoyObservation", tagged["convoy_observation"])
        records.delete(tx, "ConvoyObservation", unit.id or 0, unit.version)
    gone = _kinds(db, "zorglub", limit=100)
    assert not {"activity", "movement_restriction", "caveat_impact", "convoy_observation"} & set(gone)
    now = _kinds(db, "checkpoint TOMBOUCTOU", kinds=["activity", "movement_restriction", "caveat_impact"])
    assert now == {"activity": [tagged["activity"]], "caveat_impact": [tagged["caveat_impact"]]}


def _readable(db: Database, principal: Principal, kind: str, record_id: int) -> bool:
    """Whether the record's own door shows it to ``principal`` (read apart from the search)."""
    with db.transaction(principal.name) as tx:
        if kind == "intake_message":
            return any(m.id == record_id for m in intake.list_messages(tx, principal))
        if kind == "alert":
            mission = scope.scope_of(tx, principal, first=True).mission_id
            return any(a.id == record_id for a, _ in watch.alerts_for(tx, principal, mission))
        if kind == "alert_rule":
            mission = scope.scope_of(tx, principal, first=True).mission_id
            return any(r.id == record_id for r in watch.rules_for(tx, principal, mission))
        if kind == "draft":
            return any(d.id == record_id for d in drafts.list_drafts(tx, principal))
        try:
            scope.readable(tx, principal, search.kind_named(kind), record_id)
        except Exception:  # not found, as its door says
            return False
        return True


def test_a_sector_account_finds_and_counts_only_what_its_doors_show_it(
    reference_copy: Database, tagged: dict[str, int]
) -> None:
    db = reference_copy
    with db.transaction("tester") as tx:
        sectors = [s.id or 0 for s in records.list_records(tx, "Sector")]
    seen_some = hidden_some = False
    for sector in sectors:
        principal = Principal("sector-user", Role.SECTOR, sector)
        found = search.search(db, principal, "zorglub", limit=100)
        shown = {(h.kind, h.id) for h in found.hits}
        expected = {(k, i) for k, i in tagged.items() if _readable(db, principal, k, i)}
        assert shown == expected, sector
        assert found.counts == {k: 1 for k, _ in expected}
        seen_some, hidden_some = seen_some or bool(shown), hidden_some or len(shown) < len(tagged)
    assert seen_some and hidden_some


def test_queries_without_a_word_or_with_search_syntax_find_nothing_or_are_refused(
    reference_copy: Database, tagged: dict[str, int]
) -> None:
    db = reference_copy
    for query in ('"', "*", "-", ":", "NEAR(a b)", "a OR", "zorglub*", "-zorglub", "zorglub:*", "\x00", "' OR 1=1 --",
                  "é" * 200, "zorglubaa\x00", "(zorglub", "zorglub AND NOT x"):  # fmt: skip
        found = search.search(db, ADMIN, query)
        assert all(h.kind in {entity_name(c) for c in search.KINDS} for h in found.hits), query
    assert search.search(db, ADMIN, '"').hits == ()
    assert search.search(db, ADMIN, "zorglub:*").total == len(search.KINDS)  # ":" and "*" separate words
    assert search.search(db, ADMIN, "NEAR(zorglub x)").total == 0  # NEAR is a word like any other
    for refused in ("x" * 10_240, "x" * 201):
        with pytest.raises(BluehelmetError, match="at most 200 characters"):
            search.search(db, ADMIN, refused)
    with pytest.raises(BluehelmetError, match="the kinds: incident, operation"):
        search.search(db, ADMIN, "zorglub", kinds=["nothing"])


def _foreign(mission: str, side: str) -> list[str]:
    return [f"{m} {s}" for m in MISSIONS for s in ("east", "west") if (m, s) != (mission, side)] + [
        f"{m}-{s}" for m in MISSIONS for s in ("east", "west") if (m, s) != (mission, side)
    ]


def test_the_api_and_the_page_answer_within_the_accounts_sector_and_never_fail(db: Database) -> None:
    built = build_twins(db)
    token = accounts.issue_token(db, "tester", "sector-user")
    admin = accounts.issue_token(db, "tester", "admin-user")
    with built.client as client:
        own = {"Authorization": f"Bearer {token}"}
        for word in ("town", "Operation", "MINUSMA", "MINUSCA", "east", "west", "MED", "MPV"):
            answer = client.get("/api/search", params={"q": word, "limit": 100}, headers=own)
            assert answer.status_code == 200, answer.text
            assert not [n for n in _foreign("MINUSMA", "east") if n in answer.text], word
        whole = client.get("/api/search", params={"q": "town"}, headers={"Authorization": f"Bearer {admin}"}).json()
        assert whole["counts"]["location"] == 2  # the first mission's two places (the page's mission)
        mine = client.get("/api/search", params={"q": "town"}, headers=own).json()
        assert mine["counts"] == {"location": 1} and mine["hits"][0]["title"] == "MINUSMA east town"
        for query in ['"', "*", "NEAR(a b)", "-", ":", "\x00", "x" * 10_240]:
            answer = client.get("/api/search", params={"q": query}, headers=own)
            assert answer.status_code in (200, 422), (query, answer.status_code)
            assert answer.status_code == 422 or answer.json()["hits"] == []
        for raw in ("/api/search?q=%FF%FE", "/api/search?q=%00", "/api/search?q=caf%C3", "/api/search?kind=x&q=a"):
            assert client.get(raw, headers=own).status_code in (200, 400, 404, 422), raw
        assert client.get("/api/search", params={"q": "a", "kind": "nothing"}, headers=own).status_code == 422
        form = {"name": "sector-user", "password": PASSWORD, "csrf_token": csrf_of(client.get("/signin").text)}
        assert client.post("/signin", data=form).status_code in (200, 303)
        page = client.get("/search", params={"q": "town"})
        assert page.status_code == 200 and "<mark>town</mark>" in page.text and "MINUSMA east town" in page.text
        assert not [n for n in _foreign("MINUSMA", "east") if n in page.text]
        french = client.get("/search", params={"q": "town", "lang": "fr"}).text
        assert "Lieu" in french and "1 enregistrement trouvé" in french
        assert client.get("/search", params={"q": "x" * 10_240}).status_code == 400
        assert client.get("/search?q=%FF%00").status_code == 200
        assert client.get("/search", params={"q": "a", "kind": "nothing"}).status_code == 400
        assert client.get("/search").status_code == 200  # the empty form


def test_the_command_line_searches_and_says_its_errors_in_json(
    reference_copy: Database, tagged: dict[str, int]
) -> None:
    url = str(reference_copy.engine.url.render_as_string(hide_password=False))
    runner = CliRunner()
    done = runner.invoke(cli, ["--db", url, "search", "ZORGLUB", "menaka", "--kind", "caveat", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["counts"] == {"caveat": 1}
    text = runner.invoke(cli, ["--db", url, "search", "zorglub", "--limit", "1"]).output
    assert re.search(r"caveat \(1 found\)", text) and "[zorglub" in text.casefold()
    refused = runner.invoke(cli, ["--db", url, "search", "x", "--kind", "nothing", "--json"])
    assert refused.exit_code != 0 and "error" in json.loads(refused.output)
    assert date.today()  # the search reads no clock


def test_the_query_searches_the_fields_migration_0027_indexes_and_nothing_else_is_kept() -> None:
    path = next((migrate.MIGRATIONS / "versions").glob("0027_*.py"))
    spec = importlib.util.spec_from_file_location("m0027", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert {"incident": storage_search.INCIDENT_FIELDS, **module.FIELDS} == SEARCHED
    assert module.LISTS == LISTS
    for table, fields in SEARCHED.items():  # every field is a column, and a list exactly when JSON
        columns = TABLES_BY_NAME[table].c
        assert all((str(columns[f].type) == "JSON") == ((table, f) in LISTS) for f in fields), table
    assert {entity_name(c) for c in search.KINDS} == {*SEARCHED, "draft"}
    assert storage_search.is_search_table("movement_restriction_search_idx")
    assert storage_search.is_search_table("ix_alert_rule_search")
    assert not storage_search.is_search_table("movement_restriction")
