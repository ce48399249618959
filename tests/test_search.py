"""Full-text search over the incidents (SQLite FTS5, PostgreSQL tsvector), on both backends:
any case, any accents, French and English words, every word a prefix; a deleted or changed
incident leaves the results at once; a sector account never finds another sector's incident,
through the service, the API or the Incidents page."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest
from alembic import command
from fastapi.testclient import TestClient

from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.places import Location
from bluehelmet.services import listing, records
from bluehelmet.services.database import Database
from bluehelmet.services.search_text import matches
from bluehelmet.storage import migrate, search
from tests.factories import make
from tests.test_web_api import PASSWORD, World, build_world
from tests.test_web_pages import csrf_of

ADMIN = Principal("admin-user", Role.ADMIN)
NOTES = {  # place (also the admin-1 region here), notes
    "I-east": ("Kidal", "Attaques répétées contre le camp; enlèvement d'un chauffeur près de Sévaré"),
    "I-west": ("Tombouctou", "Ambush on a logistics convoy; IED found near the bridge"),
    "I-p": ("Gao", "Patrouille de la MINUSMA à Ansongo, quartier hydraulique"),
}


def _write_notes(db: Database) -> None:
    with db.transaction("tester") as tx:
        for reference, (place, notes) in NOTES.items():
            (incident,) = records.list_records(tx, "Incident", {"external_id": reference})
            changes = {"location_name": place, "admin1": place, "admin2": "", "admin3": "", "notes": notes}
            records.update(tx, "Incident", incident.id or 0, changes, incident.version)


@pytest.fixture
def small(db: Database) -> dict[str, int]:
    """Two sectors, an incident in each and one of Sector East through its place only (no accounts)."""
    ids: dict[str, int] = {}
    with db.transaction("tester") as tx:
        mission = make(tx, "Mission").id or 0
        for side in ("east", "west"):
            sector = ids[f"sector_{side}"] = make(tx, "Sector", mission_id=mission).id or 0
            place = ids[f"location_{side}"] = make(tx, "Location", mission_id=mission, sector_id=sector).id or 0
            make(tx, "Incident", mission_id=mission, sector_id=sector, location_id=place, external_id=f"I-{side}")
        make(tx, "Incident", mission_id=mission, sector_id=None, location_id=ids["location_east"], external_id="I-p")
    _write_notes(db)
    return ids


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    built = build_world(db)
    _write_notes(db)
    with built.client:
        yield built


def found(db: Database, text: str, principal: Principal = ADMIN) -> list[str]:
    page = listing.list_page(db, principal, "Incident", text=text)
    return sorted(str(getattr(r, "external_id", "")) for r in page.records)


def test_case_and_accents_do_not_matter(db: Database, small: dict[str, int]) -> None:
    for text in ("Kidal", "kidal", "KIDAL", "kIdAl", "Sévaré", "Sevare", "SEVARE", "sévare", "SÉVARÉ"):
        assert found(db, text) == ["I-east"], text


def test_french_and_english_words_every_word_a_prefix(db: Database, small: dict[str, int]) -> None:
    assert found(db, "enlevement") == ["I-east"]
    assert found(db, "attaque") == ["I-east"]  # "Attaques": the word begins so
    assert found(db, "patrouille hydraulique") == ["I-p"]
    assert found(db, "ambush convoy") == ["I-west"]
    assert found(db, "ambush Kidal") == []  # every word must be there
    assert found(db, "quartier-hydraulique") == ["I-p"]
    assert found(db, "I-west") == ["I-west"]  # the reference, as an analyst types it


def test_hostile_text_is_only_text_and_text_without_a_word_finds_nothing(db: Database, small: dict[str, int]) -> None:
    hostile = ['"', "NEAR(a b)", "*", "-", "a OR", "AND", "::*", "'; DROP TABLE incident; --", "é" * 300, "\x00"]
    for text in hostile:
        assert isinstance(found(db, text), list), text  # no syntax error reaches the caller
    assert found(db, "?!") == []
    assert len(found(db, "")) == 3  # no search: every incident


def test_a_deleted_or_changed_incident_leaves_the_results(db: Database, small: dict[str, int]) -> None:
    with db.transaction("tester") as tx:
        (east,) = records.list_records(tx, "Incident", {"external_id": "I-east"})
        records.delete(tx, "Incident", east.id or 0, east.version)
        (west,) = records.list_records(tx, "Incident", {"external_id": "I-west"})
        records.update(tx, "Incident", west.id or 0, {"notes": "Embuscade à Ménaka"}, west.version)
    assert found(db, "Kidal") == []
    assert found(db, "ambush") == []
    assert found(db, "menaka") == ["I-west"]


def test_a_sector_account_never_finds_another_sectors_incident(db: Database, small: dict[str, int]) -> None:
    east = Principal("sector-user", Role.SECTOR, small["sector_east"])
    assert found(db, "ambush") == ["I-west"]
    assert found(db, "ambush", east) == []
    assert found(db, "Ansongo", east) == ["I-p"]  # of Sector East through its place
    assert found(db, "kidal ansongo", east) == []


def test_the_api_and_the_incidents_page_search_in_full_text_within_the_scope(world: World) -> None:
    api = world.call("sector", "GET", "/api/records/incident", params={"q": "ambush"})
    assert api.status_code == 200, api.text
    assert api.json()["total"] == 0
    assert world.call("admin", "GET", "/api/records/incident", params={"q": "AMBUSH"}).json()["total"] == 1
    asked = {"q": "sevare", "review_status": "draft"}
    body = world.call("analyst", "GET", "/api/records/incident", params=asked).json()
    assert [r["external_id"] for r in body["records"]] == ["I-east"]
    assert world.call("analyst", "GET", "/api/records/incident", params={"q": "x" * 201}).status_code == 422
    _signed_in(world.client, "analyst-user")
    page = world.client.get("/incidents", params={"q": "SEVARE", "from": "2000-01-01", "to": "2030-12-31"}).text
    assert "I-east" in page and "I-west" not in page
    world.client.cookies.clear()
    _signed_in(world.client, "sector-user")
    page = world.client.get("/incidents", params={"q": "ambush", "from": "2000-01-01", "to": "2030-12-31"}).text
    assert "I-west" not in page


def _signed_in(client: TestClient, name: str) -> None:
    token = csrf_of(client.get("/signin").text)
    answer = client.post("/signin", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code in (200, 303), answer.text[:300]


def _migration_fields() -> tuple[str, ...]:
    path = next((migrate.MIGRATIONS / "versions").glob("0024_*.py"))
    spec = importlib.util.spec_from_file_location("m0024", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.FIELDS)


def test_the_query_searches_the_fields_the_migration_indexes() -> None:
    assert _migration_fields() == search.INCIDENT_FIELDS


def test_the_migration_fills_the_index_from_the_incidents_already_recorded(db: Database, small: dict[str, int]) -> None:
    config = migrate.alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0019")
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert found(db, "kidal") == ["I-east"]
    assert migrate.schema_drift(db.engine) == []


def test_search_text_is_cut_into_words_as_the_engines_cut_it() -> None:
    assert search.words("L'attaque de Sévaré, 2 avril!") == ["L", "attaque", "de", "Sévaré", "2", "avril"]
    assert search.words("a_b") == ["a", "b"]
    assert len(search.words("w " * 100)) == 16


def test_the_search_leaves_no_trace_outside_its_own_names() -> None:
    assert search.is_search_table("incident_search_data")
    assert not search.is_search_table("incident")


def test_other_kinds_are_searched_in_their_index_or_the_field_that_names_them_even_a_date(
    db: Database, small: dict[str, int]
) -> None:
    with db.transaction("tester") as tx:
        make(tx, "ImprovementPlan")
    for kind in ("ImprovementPlan", "Location", "Sector", "Unit"):
        assert isinstance(listing.list_page(db, ADMIN, kind, text="0").total, int), kind
    with db.transaction("tester") as tx:
        places = [p for p in records.list_records(tx, "Location") if isinstance(p, Location)]
    named = [p.id for p in places if "anson" in p.name.casefold()]
    spelled = [p.id for p in places if matches(" ".join([p.name, p.name_fr, *p.variants]), ["anson"])]
    assert 0 < len(named) < len(spelled)  # some places are spelled so only in their variants
    assert listing.list_page(db, ADMIN, "Location", text="ANSON").total == len({*named, *spelled})  # any case
    assert listing.list_page(db, ADMIN, "Location", text="nsong").total == len(named)  # inside the name
