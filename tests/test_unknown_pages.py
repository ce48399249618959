"""What the pages say of the reference mission when casualties are not recorded and draft incidents
await review: never "0 peacekeepers killed or injured" for attacks without figures, verified
incidents by default with the drafts counted apart, "not recorded" in English and French."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bluehelmet.services import accounts, records
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from tests.test_web_pages import PASSWORD, sign_in

#: The period of S/2021/520 that holds the complex attacks on Kerena (10 February) and Aguelhok (2 April).
PERIOD = "/situation?from=2021-02-01&to=2021-04-30"


@pytest.fixture
def db(reference_copy: Database) -> Database:
    """The reference mission, a fresh copy for each test on each backend (the tests write)."""
    return reference_copy


@pytest.fixture
def client(db: Database) -> Iterator[TestClient]:
    accounts.add_account(db, "tester", "analyst", "analyst", password=PASSWORD)
    with TestClient(create_app(db.settings, db=db), follow_redirects=False) as made:
        sign_in(made, "analyst")
        yield made


def _kpi(html: str, name: str) -> str:
    found = re.search(rf'id="kpi-{name}">(.*?)</div>', html, re.S)
    assert found, f"no {name} figure on the page"
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip()


def _gap(html: str, name: str) -> str:
    found = re.search(rf'id="kpi-{name}-gap">(.*?)</div>', html, re.S)
    return found.group(1).strip() if found else ""


def test_the_situation_never_says_zero_for_attacks_without_casualty_figures(client: TestClient) -> None:
    page = client.get(PERIOD).text
    assert _kpi(page, "peacekeepers") == "not recorded"
    assert re.search(r"casualties not recorded for \d+ incidents", _gap(page, "peacekeepers"))
    fatalities = _kpi(page, "fatalities")
    assert fatalities.startswith("at least "), fatalities
    assert re.fullmatch(r"casualties not recorded for \d+ incidents", _gap(page, "fatalities"))
    french = client.get(PERIOD + "&lang=fr").text
    assert _kpi(french, "peacekeepers") == "non renseigné"
    assert re.search(r"victimes non renseignées pour \d+ incidents", _gap(french, "peacekeepers"))
    assert _kpi(french, "fatalities").startswith("au moins ")


def test_a_draft_is_counted_apart_until_verified(client: TestClient, db: Database) -> None:
    before = client.get(PERIOD).text
    assert "Verified incidents only." in before and "awaiting review" not in _kpi(before, "events")
    with db.transaction("tester") as tx:
        (mission,) = records.list_records(tx, "Mission")
        draft = records.create(
            tx, "Incident", {"mission_id": mission.id, "external_id": "DRAFT-1", "event_date": "2021-03-03",
                             "event_type": "Battles", "sub_event_type": "Armed clash", "fatalities": 2},
        )  # fmt: skip
    after = client.get(PERIOD).text
    assert _kpi(after, "events") == _kpi(before, "events")
    assert _kpi(after, "fatalities") == _kpi(before, "fatalities")
    assert "1 draft incident awaiting review is not included." in after
    with_drafts = client.get(PERIOD + "&drafts=1").text
    assert int(_kpi(with_drafts, "events")) == int(_kpi(before, "events")) + 1
    assert "Verified incidents and 1 draft incident awaiting review." in with_drafts
    with db.transaction("tester") as tx:
        records.update(tx, "Incident", draft.id or 0, {"review_status": "verified"}, draft.version)
    verified = client.get(PERIOD).text
    assert int(_kpi(verified, "events")) == int(_kpi(before, "events")) + 1
    assert "awaiting review is not included" not in verified


def test_an_incident_without_a_toll_shows_not_recorded_in_the_list(client: TestClient) -> None:
    listing = client.get("/incidents?q=BH-REF-0001").text + client.get("/incidents").text
    assert "not recorded" in listing
    form = client.get("/incidents/new").text
    assert 'name="fatalities"' in form and 'placeholder="not recorded"' in form
