"""Accounts granted missions (and sectors within them): what migration 0026 did to the accounts
there were, the command line and the Accounts page that grant, the audit of each change, the
header's switch that keeps the mission chosen, and the comparison of the missions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from alembic import command
from click.testing import CliRunner
from fastapi.testclient import TestClient

from bluehelmet.cli import cli
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services import accounts, records
from bluehelmet.services.database import Database
from bluehelmet.storage import migrate
from tests.test_web_pages import csrf_of
from tests.twin_missions import MISSIONS, PASSWORD, Twins, build_twins

A, B = MISSIONS


@pytest.fixture
def twins(db: Database) -> Iterator[Twins]:
    built = build_twins(db)
    accounts.add_account(db, "tester", "both-viewer", "viewer", missions=[A, B], password=PASSWORD)
    accounts.add_account(db, "tester", "a-viewer", "viewer", missions=[A], password=PASSWORD)
    accounts.add_account(db, "tester", "a-admin", "admin", missions=[A], password=PASSWORD)
    accounts.add_account(db, "tester", "both-evaluator", "evaluator", missions=[A, B], password=PASSWORD)
    with built.client:
        yield built


def _client(twins: Twins, name: str) -> TestClient:
    client = TestClient(twins.client.app, follow_redirects=False)
    token = csrf_of(client.get("/signin").text)
    answer = client.post("/signin", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert answer.status_code == 303, answer.text[:300]
    return client


def test_the_migration_keeps_what_every_account_reached_and_the_downgrade_puts_sectors_back(twins: Twins) -> None:
    db = twins.db
    before = {a.name: (a.role, a.missions, a.sector) for a in accounts.list_accounts(db, "tester")}
    config = migrate.alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0025")
    with db.engine.connect() as connection:
        rows = dict(connection.exec_driver_sql("SELECT name, sector_id FROM account").fetchall())
    assert rows["sector-user"] == twins.ids["m1.east.sector"] and rows["west-user"] == twins.ids["m1.west.sector"]
    assert rows["admin-user"] is None
    migrate.upgrade(db.engine)
    after = {a.name: (a.role, a.missions, a.sector) for a in accounts.list_accounts(db, "tester")}
    for name in ("sector-user", "west-user", "admin-user", "viewer-user", "analyst-user"):
        assert after[name] == before[name], name  # a sector account keeps its sector; the others every mission
    assert after["admin-user"][1] is None and after["sector-user"][1:] == ([A], "Sector East")
    # Granted missions are not a pre-0026 notion: the downgrade forgets them (documented in docs/access.md).
    assert after["a-viewer"][1] is None
    sector = accounts.principal_for_name(db, "sector-user", 0)
    assert sector is not None and sector.sectors == {twins.ids["m1.east.sector"]}
    assert sector.missions == {twins.ids["m1"]}


def test_the_command_line_grants_missions_and_names_the_valid_choices(twins: Twins) -> None:
    url = twins.db.engine.url.render_as_string(hide_password=False)
    runner = CliRunner()

    def run(*args: str, ok: bool = True) -> dict[str, object]:
        done = runner.invoke(cli, ["--db", url, "user", *args, "--json"], input=f"{PASSWORD}\n")
        assert (done.exit_code == 0) == ok, done.output
        answer = json.loads(done.output)
        assert isinstance(answer, dict)
        return answer

    made = run("add", "hq", "--role", "analyst", "--mission", A, "--mission", B, "--password-stdin")
    assert made["missions"] == [A, B] and made["grants"] == [A, B]
    refused = run("add", "nobody", "--role", "viewer", "--mission", "Nowhere", "--password-stdin", ok=False)
    assert refused["error"] == f"no mission 'Nowhere'; the missions are: {A}, {B}"
    ambiguous = run("add", "eastern", "--role", "sector", "--sector", "Sector East", "--password-stdin", ok=False)
    assert f"{A}:Sector East" in str(ambiguous["error"]) and f"{B}:Sector East" in str(ambiguous["error"])
    unknown = run("add", "north", "--role", "sector", "--mission", A, "--sector", "North", "--password-stdin", ok=False)
    assert str(unknown["error"]).startswith("no sector 'North'; the sectors are: Sector East")
    assert "Sector West" in str(unknown["error"]) and B not in str(unknown["error"])  # those of the mission named
    two = run("add", "two", "--role", "sector", "--sector", f"{A}:Sector East", "--sector", f"{B}:Sector West",
              "--password-stdin")  # fmt: skip
    assert two["grants"] == [f"{A}:Sector East", f"{B}:Sector West"]
    one_each = run("update", "two", "--sector", f"{A}:Sector East", "--sector", f"{A}:Sector West", ok=False)
    assert one_each["error"] == "a sector account has one sector in each of its missions"
    narrowed = run("update", "hq", "--mission", B)
    assert narrowed["missions"] == [B]
    widened = run("update", "hq", "--all-missions")
    assert widened["missions"] is None and widened["grants"] == []
    listed = runner.invoke(cli, ["--db", url, "user", "list"])
    assert re.search(r"two\s+sector\s+MINUSMA:Sector East, MINUSCA:Sector West", listed.output), listed.output
    assert re.search(r"hq\s+analyst\s+every mission", listed.output), listed.output


def test_every_change_of_grants_is_audited_and_takes_effect_at_once(twins: Twins) -> None:
    db = twins.db
    changed = accounts.update_account(db, "boss", "viewer-user", missions=[B])
    assert changed.missions == [B]
    principal = accounts.principal_for_token(db, twins.tokens["viewer"])
    assert principal is not None and principal.missions == {twins.ids["m2"]}
    entry = accounts.account_history(db, "tester", changed.id)[-1]
    assert entry.actor == "boss" and entry.before == {"role": "viewer", "grants": []}
    assert entry.after == {"role": "viewer", "grants": [[twins.ids["m2"], None]]}
    assert twins.call("viewer", "GET", f"/api/records/incident/{twins.ids['m1.east.incident']}").status_code == 404
    with pytest.raises(BluehelmetError, match="needs --sector"):
        accounts.update_account(db, "boss", "viewer-user", role="sector")
    moved = accounts.update_account(db, "boss", "viewer-user", role="sector", sectors=[f"{B}:Sector West"])
    assert moved.sector == "Sector West" and moved.missions == [B]


def test_the_accounts_page_shows_and_edits_the_grants(twins: Twins) -> None:
    admin = _client(twins, "admin-user")
    page = admin.get("/accounts").text
    assert "every mission" in page and "MINUSMA · Sector East" in page
    answer = admin.post("/accounts/viewer-user/grants", data={"csrf_token": csrf_of(page), "role": "analyst",
                                                             "mission": [A]})  # fmt: skip
    assert answer.status_code == 200 and "role and missions are changed" in answer.text
    (viewer,) = [a for a in accounts.list_accounts(twins.db, "tester") if a.name == "viewer-user"]
    assert viewer.role == "analyst" and viewer.missions == [A]
    wrong = admin.post("/accounts/viewer-user/grants", data={"csrf_token": csrf_of(page), "role": "sector"})
    assert wrong.status_code == 422 and "needs --sector" in wrong.text
    # An administrator granted some missions does not administer accounts (they reach across missions).
    assert _client(twins, "a-admin").get("/accounts").status_code == 403


def test_the_header_switches_the_mission_and_keeps_it(twins: Twins) -> None:
    both = _client(twins, "both-viewer")
    first = both.get("/incidents").text
    assert 'id="mission-switch"' in first and f"{A}-east" in first and f"{B}-east" not in first
    switched = both.get("/incidents", params={"mission": B, "from": "2021-01-01"}).text
    assert f"{B}-east" in switched and f"{A}-east" not in switched
    assert f'href="/incidents?mission={A}&amp;from=2021-01-01"' in switched  # keeps the page and the period
    kept = both.get("/incidents").text  # no parameter: the mission chosen is kept
    assert f"{B}-east" in kept and f"{A}-east" not in kept
    one = _client(twins, "a-viewer")
    assert 'id="mission-switch"' not in one.get("/incidents").text
    assert one.get("/incidents", params={"mission": B}).status_code == 404


def test_the_comparison_page_sets_the_missions_side_by_side(twins: Twins) -> None:
    with twins.db.transaction("tester") as tx:  # one unit of the first mission with no strength recorded
        unit = records.get(tx, "Unit", twins.ids["m1.east.unit"])
        records.update(tx, "Unit", unit.id or 0, {"deployed_strength": None}, unit.version)
    page = _client(twins, "both-viewer").get(
        "/missions", params={"from": "2020-01-01", "to": "2022-12-31", "drafts": "1"}
    )
    assert page.status_code == 200
    table = page.text[page.text.index('id="missions-compared"') :]
    assert f'<th scope="col">{A}</th><th scope="col">{B}</th>' in table
    assert f'href="/incidents?mission={A}&amp;from=2020-01-01&amp;to=2022-12-31"' in table
    # each mission has two incidents, each figure says its base in words (no "2 / of 2" read as a ratio)
    assert table.count("among the 2 incidents counted above") == 2 and "recorded for all 2 incidents" in table
    assert "of 2 incidents" not in table and "reports pending review" not in page.text
    assert "Verified incidents and draft incidents awaiting review." in page.text
    recorded = re.findall(r"strength recorded for (\d+) of (\d+) units", table)
    assert len(recorded) == 1 and int(recorded[0][0]) == int(recorded[0][1]) - 1  # unknown stays so
    assert re.search(r"strength recorded for all \d+ units", table)  # the second mission's, all recorded
    # neither mission has a caveat or a rotation recorded: that reads as such, not as a count of 0
    caveats = table[table.index("Caveats in force") : table.index("Alerts waiting")]
    assert table.count("none recorded") == 4 and ">0</a>" not in caveats
    french = _client(twins, "both-viewer").get("/missions", params={"lang": "fr", "drafts": "1"}).text
    assert "Missions comparées" in french and "Attaques contre la mission" in french
    assert "aucun enregistrement" in french and "none recorded" not in french
    assert "incidents en brouillon" in french and "both-viewer · Lecteur" in french  # the role as English writes it
    assert _client(twins, "both-evaluator").get("/missions").status_code == 403
    assert _client(twins, "sector-user").get("/missions").status_code == 403
    assert "Compare the missions" in _client(twins, "both-viewer").get("/situation").text


def test_the_api_compares_only_the_missions_an_account_reaches(twins: Twins) -> None:
    for name in ("both-viewer", "a-viewer"):
        twins.tokens[name] = accounts.issue_token(twins.db, "tester", name)
    period = {"from": "2020-01-01", "to": "2022-12-31", "include_drafts": "true"}
    both = twins.call("both-viewer", "GET", "/api/stats/missions", params=period)
    assert both.status_code == 200, both.text
    answer = both.json()
    assert [m["mission"] for m in answer["missions"]] == [A, B] and answer["drafts_included"] is True
    first = answer["missions"][0]
    assert first["incidents"] == 2 and first["fatalities"]["events"] == 2 and first["attacks_on_mission"] == 2
    verified = twins.call("both-viewer", "GET", "/api/stats/missions", params={**period, "include_drafts": "false"})
    assert [m["incidents"] for m in verified.json()["missions"]] == [0, 0]  # the twins' incidents are drafts
    # An account granted one mission sees that mission's figures only, never the other's.
    one = twins.call("a-viewer", "GET", "/api/stats/missions", params=period)
    assert one.status_code == 200 and [m["mission"] for m in one.json()["missions"]] == [A]
    assert B not in one.text
    assert twins.call("sector", "GET", "/api/stats/missions", params=period).status_code == 403
    assert twins.call("evaluator", "GET", "/api/stats/missions", params=period).status_code == 403
    backwards = twins.call(
        "both-viewer", "GET", "/api/stats/missions", params={"from": "2022-01-01", "to": "2021-01-01"}
    )
    assert backwards.status_code == 422 and "before" in backwards.text


def test_the_command_line_compares_every_mission(twins: Twins) -> None:
    runner, url = CliRunner(), twins.db.engine.url.render_as_string(hide_password=False)
    args = ["--db", url, "stats", "missions", "--from", "2020-01-01", "--to", "2022-12-31"]
    answer = json.loads(runner.invoke(cli, [*args, "--include-drafts", "--json"], catch_exceptions=False).output)
    assert [m["mission"] for m in answer["missions"]] == [A, B] and answer["from"] == "2020-01-01"
    api = twins.call("admin", "GET", "/api/stats/missions",
                     params={"from": "2020-01-01", "to": "2022-12-31", "include_drafts": "true"})  # fmt: skip
    assert api.json() == answer  # one service, one JSON, two doors
    text = runner.invoke(cli, args, catch_exceptions=False).output
    assert "verified incidents only" in text and "figure" in text and A in text and B in text
    assert "0 (no incident in the period)" in text  # the twins' incidents are drafts, not counted
