"""The Audit page lists recent changes without a kind or an id: in words (the kind's label and the
record's name, field labels, values before -> after, references by name), filtered by kind,
person, dates and sector, account changes included for administrators, and scoped (a sector
account sees its sector's records' changes only)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest

from bluehelmet.services import accounts, records
from bluehelmet.services.database import Database
from tests.test_web_api import World, build_world


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    built = build_world(db)
    ids = built.ids
    with db.transaction("analyst-user") as tx:
        records.update(tx, "Incident", ids["incident_east"], {"fatalities": 30, "geo_precision": "near"}, 1)
        records.update(tx, "Incident", ids["incident_west"], {"fatalities": 27}, 1)
        records.update(tx, "Incident", ids["incident_by_place"], {"sector_id": ids["sector_east"]}, 1)
    accounts.reset_password(db, "admin-user", "viewer-user")
    with built.client:
        yield built


def _page(world: World, role: str, **params: str) -> str:
    answer = world.client.get("/audit", headers=world.headers(role), params=params)
    assert answer.status_code == 200, answer.text[:300]
    return html.unescape(re.sub(r"<[^>]+>", " ", answer.text))


def _squeezed(text: str) -> str:
    return re.sub(r" ([:→])", r"\1", " ".join(text.split())).replace("→", " →")


def test_recent_changes_in_words_without_a_kind_or_an_id(world: World) -> None:
    page = _squeezed(_page(world, "admin"))
    assert "Incident · I-east" in page and "Incident · I-west" in page
    assert "Fatalities (total): 24 → 30" in page
    assert "Geographic precision: Exact → Near" in page
    assert "Sector: ∅ → Sector East" in page  # a reference by its name, not its id
    assert "Account · viewer-user" in page and "Password" in page  # account changes, for an administrator
    assert "sector_id" not in page and "geo_precision" not in page  # field labels, not names


def test_the_audit_page_speaks_french(world: World) -> None:
    page = _squeezed(_page(world, "admin", lang="fr"))
    assert "Morts (total): 24 → 30" in page and "Précision géographique: Exacte → À proximité" in page
    assert "Compte · viewer-user" in page


def test_filters_by_kind_person_dates_and_sector(world: World) -> None:
    ids = world.ids
    by_kind = _squeezed(_page(world, "admin", kind="Account"))
    assert "Account · viewer-user" in by_kind and "I-east" not in by_kind
    by_person = _squeezed(_page(world, "admin", person="analyst-user"))
    assert "I-east" in by_person and "viewer-user" not in by_person
    by_sector = _squeezed(_page(world, "admin", sector=str(ids["sector_west"])))
    assert "I-west" in by_sector and "I-east" not in by_sector and "viewer-user" not in by_sector
    long_ago = _squeezed(_page(world, "admin", **{"from": "2001-01-01", "to": "2001-12-31"}))
    assert "No change matches." in long_ago


def test_a_sector_account_sees_its_sectors_changes_only(world: World) -> None:
    page = _squeezed(_page(world, "sector"))
    assert "I-east" in page and "I-p" in page
    assert "I-west" not in page and "viewer-user" not in page and "Account" not in page
    refused = world.client.get("/audit", headers=world.headers("sector"),
                               params={"kind": "Incident", "id": world.ids["incident_west"]})  # fmt: skip
    assert refused.status_code == 404
    one = _squeezed(_page(world, "sector", kind="Incident", id=str(world.ids["incident_east"])))
    assert "Fatalities (total): 24 → 30" in one and "Create" in one  # one record's whole history, with its fields
