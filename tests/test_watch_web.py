"""The Alerts and Watch pages over HTTP, on both backends: the header's count, the alerts an
account may read (a sector account: its sector's only), acknowledging, failing deliveries
shown, and the forecast said to have no skill when it has none."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bluehelmet.domain.access import Principal, Role
from bluehelmet.services import accounts, watch
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from tests.test_watch_rules import ON, _surge_world
from tests.test_web_pages import PASSWORD, csrf_of
from tests.watch_world import World

ROLES = {"ana": ("analyst", None), "east": ("sector", "Watchland east"), "west": ("sector", "Watchland west"),
         "view": ("viewer", None)}  # fmt: skip


@pytest.fixture
def site(db: Database) -> Iterator[tuple[TestClient, World]]:
    world = _surge_world(db, 9, (1, 1, 1))
    with world.tx() as tx:
        world.rule(tx, "Kidal by webhook", "unnotified_convoy", webhooks=["http://127.0.0.1:9/hook"])
        world.incident(tx, "2021-04-20", where="Kidal")
        kidal = world.ids["kidal"]
        from bluehelmet.services import records  # noqa: PLC0415

        seen = {"mission_id": world.mission_id, "armed_group": "CMA", "observed_on": "2021-04-25", "vehicles": 12,
                "location_id": kidal}  # fmt: skip
        records.create(tx, "ConvoyObservation", seen)
    watch.run(db, "tester", ON)
    for name, (role, sector) in ROLES.items():
        accounts.add_account(db, "tester", name, role, sector=sector, password=PASSWORD)
    with TestClient(create_app(db.settings, db=db), follow_redirects=False) as client:
        yield client, world


def sign_in(client: TestClient, name: str) -> str:
    token = csrf_of(client.get("/signin").text)
    answer = client.post("/signin", data={"name": name, "password": PASSWORD, "csrf_token": token, "next": "/"})
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/alerts").text)


def test_the_header_counts_the_alerts_to_acknowledge(site: tuple[TestClient, World]) -> None:
    client, _ = site
    sign_in(client, "ana")
    assert 'hx-get="/alerts/count"' in client.get("/about").text
    count = client.get("/alerts/count")
    assert count.status_code == 200 and 'data-count="2"' in count.text and "2 alerts" in count.text
    assert "2 alertes" in client.get("/alerts/count", params={"lang": "fr"}).text


def test_a_sector_account_sees_only_its_sectors_alerts(site: tuple[TestClient, World]) -> None:
    client, _ = site
    sign_in(client, "east")
    page = client.get("/alerts").text
    assert "Surge Ansongo" in page and "CMA" not in page
    assert 'data-count="1"' in client.get("/alerts/count").text
    client.cookies.clear()
    sign_in(client, "west")
    page = client.get("/alerts").text
    assert "Surge Ansongo" not in page and "without prior notification" in page
    watch_page = client.get("/watch").text
    assert "Surge Ansongo" not in watch_page[: watch_page.index('id="forecast"')]  # the east's alert: not shown
    rules = watch_page[watch_page.index('id="rules"') :]
    assert "Kidal by webhook" in rules and "Surge Ansongo" in rules  # mission-wide rules it receives


def test_acknowledging_from_the_page(site: tuple[TestClient, World], db: Database) -> None:
    client, world = site
    token = sign_in(client, "east")
    with world.tx() as tx:
        ((alert, _),) = watch.alerts_for(tx, accounts_principal("east", world), world.mission_id)
    answer = client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": token, "version": alert.version})
    assert answer.status_code == 303 and answer.headers["location"] == "/alerts?acknowledged=1"
    page = client.get("/alerts?acknowledged=1").text
    assert "The alert is acknowledged." in page and f'id="alert-{alert.id}" class="acknowledged"' in page
    assert 'data-count="0"' in client.get("/alerts/count").text
    forged = client.post(f"/alerts/{alert.id}/acknowledge", data={"version": alert.version})
    assert forged.status_code == 403


def test_another_sectors_alert_cannot_be_acknowledged_nor_by_a_viewer(site: tuple[TestClient, World]) -> None:
    client, world = site
    with world.tx() as tx:
        ((alert, _),) = watch.alerts_for(tx, accounts_principal("east", world), world.mission_id)
    token = sign_in(client, "west")
    assert client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": token}).status_code == 404
    client.cookies.clear()
    token = sign_in(client, "view")
    assert client.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": token}).status_code == 403


def test_a_failing_delivery_is_shown(site: tuple[TestClient, World], db: Database) -> None:
    from bluehelmet.services import alert_outbox  # noqa: PLC0415

    client, _ = site
    report = alert_outbox.deliver(db, "tester")  # no webhook secret is set: refused, never sent unsigned
    assert report.failed == 1 and "BLUEHELMET_WEBHOOK_SECRET" in next(iter(report.waiting.values()))
    sign_in(client, "west")
    page = client.get("/alerts").text
    assert 'id="deliveries-failing">1<' in page and "failing" in page and "BLUEHELMET_WEBHOOK_SECRET" in page


def test_the_watch_page_says_when_the_forecast_has_no_skill(site: tuple[TestClient, World]) -> None:
    client, _ = site
    sign_in(client, "ana")
    page = client.get("/watch").text
    assert 'id="no-skill"' in page and "has no skill" in page
    assert "Surge Ansongo" in page and 'id="alert-points"' in page
    french = client.get("/watch", params={"lang": "fr"}).text
    assert "Veille" in french and "aucune compétence" in french


def accounts_principal(name: str, world: World) -> Principal:
    role, sector = ROLES[name]
    side = "east" if sector and sector.endswith("east") else "west"
    return Principal(name, Role(role), world.ids[side] if sector else None)
