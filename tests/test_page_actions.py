"""The page actions made faster at 200,000 incidents (docs/performance.md, "Page actions, second
pass") keep their answers: the drafts are counted from their partial index alone and a deleted
draft is never counted; the situation asks once whether the drafts are most of the mission's
incidents, and that answer chooses the way, never the figures."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from bluehelmet.config import Settings
from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.errors import InvalidRecord
from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.services import accounts, audit_log, listing, records, stats
from bluehelmet.services.database import Database, Transaction
from bluehelmet.storage.aggregates import counted_incidents
from bluehelmet.storage.tables import TABLES
from bluehelmet.web.app import create_app
from bluehelmet.web.pages import incidents as incident_pages
from tests import factories
from tests.test_rollups import TYPES, _incident, _mission
from tests.test_web_pages import PASSWORD, sign_in

ADMIN = Principal("tester", Role.ADMIN)
WELLS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf")


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "mission.db"
    shutil.copyfile(sqlite_template, path)
    db = Database(Settings(database_url=f"sqlite:///{path}"))
    yield db
    db.close()


def _drafts_and_verified(db: Database, drafts: int, verified: int) -> tuple[int, str, list[int]]:
    """A new mission with ``drafts`` drafts and ``verified`` verified incidents in 2020: its id,
    its name and the drafts' ids."""
    mission_id, name = _mission(db)
    ids = []
    with db.transaction("tester") as tx:
        for n in range(drafts + verified):
            status = "draft" if n < drafts else "verified"
            made = _incident(tx, mission_id, date(2020, 1, 1) + timedelta(days=n), n % len(TYPES), review_status=status)
            if status == "draft":
                ids.append(int(made.id or 0))
    return mission_id, name, ids


def _reads_rows(tx: Transaction, stmt: object) -> bool:
    """Whether SQLite, running ``stmt``, reads a column of the incident rows themselves (its
    bytecode: a ``Column`` of a cursor opened on the table), rather than an index alone."""
    compiled = stmt.compile(tx.session.get_bind(), compile_kwargs={"literal_binds": True})  # type: ignore[attr-defined]
    conn = tx.session.connection()
    root = conn.exec_driver_sql("SELECT rootpage FROM sqlite_master WHERE name = 'incident'").scalar_one()
    program = list(conn.exec_driver_sql(f"EXPLAIN {compiled}"))
    on_table = {row[2] for row in program if row[1] == "OpenRead" and row[3] == root}
    assert program and on_table, "the statement does not read the incidents"
    return any(row[1] == "Column" and row[2] in on_table for row in program)


def _sent(tx: Transaction, stmt: object) -> str:
    """The SQL text the driver was given when ``stmt`` ran (bound values as placeholders)."""
    seen: list[str] = []

    def keep(conn: object, cursor: object, statement: str, *rest: object) -> None:
        seen.append(statement)

    engine = tx.session.get_bind()
    event.listen(engine, "before_cursor_execute", keep)
    try:
        tx.session.execute(stmt)  # type: ignore[call-overload]
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return "\n".join(seen)


def test_the_drafts_are_counted_from_their_index_alone_and_a_deleted_one_is_not(sqlite_db: Database) -> None:
    mission_id, name, drafts = _drafts_and_verified(sqlite_db, 6, 4)
    with sqlite_db.transaction("tester") as tx:
        records.delete(tx, "Incident", drafts[0])
    with sqlite_db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")  # as a maintained database
    incident = TABLES[Incident]
    count = counted_incidents(
        select(func.count()).select_from(incident), mission_id, None, None, None, frozenset({ReviewStatus.DRAFT})
    )
    with sqlite_db.transaction("tester") as tx:
        assert not _reads_rows(tx, count)
        assert tx.session.scalar(count) == 5
    # The incidents' list filtered to drafts: its count reads the index alone too.
    with sqlite_db.transaction("tester") as tx:
        stmt, _ = listing._select(Incident, listing.parse_query(Incident, [("review_status", "draft")]), ADMIN, False)
        counted = select(func.count()).select_from(stmt.with_only_columns(incident.c.id).subquery())
        assert not _reads_rows(tx, counted)
        # Written out, not bound: SQLite's planner could not tell a bound value is 'draft'.
        assert "review_status = 'draft'" in _sent(tx, counted)
        assert _reads_rows(tx, count.where(incident.c.fatalities > 0))  # the test can tell
    page = listing.list_page(
        sqlite_db, ADMIN, "Incident", [("review_status", "draft"), ("mission_id", str(mission_id))], newest_first=True
    )
    assert page.total == 5
    assert [r.id for r in page.records] == sorted(drafts[1:], reverse=True)  # newest first, the deleted one left out
    flt = stats.IncidentFilter(statuses=frozenset({ReviewStatus.VERIFIED}))
    assert stats.pending_review_count(sqlite_db, flt, mission=name) == 5
    assert stats.drafts_are_most(sqlite_db, mission=name)  # 5 drafts of 9 counted incidents


@pytest.mark.parametrize(("drafts", "verified"), [(6, 4), (2, 8)])
def test_the_answer_on_drafts_chooses_the_way_never_the_figures(
    sqlite_db: Database, drafts: int, verified: int
) -> None:
    _, name, _ = _drafts_and_verified(sqlite_db, drafts, verified)
    assert stats.drafts_are_most(sqlite_db, mission=name) == (drafts > verified)
    flt = stats.IncidentFilter(date(2020, 1, 1), date(2020, 12, 31), statuses=frozenset({ReviewStatus.VERIFIED}))
    for keys in ([], ["month", "event_type"]):
        asked = stats.incident_table(sqlite_db, keys, flt, mission=name)
        for most in (True, False):
            assert stats.incident_table(sqlite_db, keys, flt, mission=name, drafts_most=most) == asked
    assert sum(r["events"] for r in stats.incident_table(sqlite_db, ["month"], flt, mission=name)) == verified
    for most in (True, False):
        assert stats.ied_summary(sqlite_db, flt, mission=name, drafts_most=most) == stats.ied_summary(
            sqlite_db, flt, mission=name
        )


def test_the_situation_asks_once_whether_the_drafts_are_most(
    reference_copy: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []
    counting = stats._drafts_are_most

    def counted(tx: Transaction, mission_id: int) -> bool:
        asked.append(mission_id)
        return counting(tx, mission_id)

    monkeypatch.setattr(stats, "_drafts_are_most", counted)
    accounts.add_account(reference_copy, "tester", "analyst", "analyst", password=PASSWORD)
    with TestClient(create_app(reference_copy.settings, db=reference_copy), follow_redirects=False) as client:
        sign_in(client, "analyst")
        page = client.get("/situation")
        assert page.status_code == 200
        assert len(asked) == 1  # verified incidents only: the totals, the IEDs and the trend
        asked.clear()
        assert client.get("/situation?drafts=1").status_code == 200
        assert asked == []  # drafts counted too: nothing to take away


def test_a_search_counts_its_matches_up_to_a_cap_and_says_more(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    mission_id, _, _ = _drafts_and_verified(sqlite_db, 0, 2)  # two that do not match
    with sqlite_db.transaction("tester") as tx:
        for n in range(7):
            _incident(tx, mission_id, date(2021, 3, 1) + timedelta(days=n), notes=f"ambush near well {WELLS[n]}")
    query = [("mission_id", str(mission_id))]
    full = listing.list_page(sqlite_db, ADMIN, "Incident", query, limit=2, newest_first=True, text="ambush")
    assert (full.total, full.more) == (7, False)
    for cap, told in ((3, (3, True)), (6, (6, True)), (7, (7, False)), (50, (7, False))):
        capped = listing.list_page(
            sqlite_db, ADMIN, "Incident", query, limit=2, newest_first=True, text="ambush", count_up_to=cap
        )
        assert (capped.total, capped.more) == told, cap
        assert [r.id for r in capped.records] == [r.id for r in full.records]  # the same page, whatever the cap
    with pytest.raises(InvalidRecord):
        listing.list_page(sqlite_db, ADMIN, "Incident", query, text="ambush", count_up_to=0)

    monkeypatch.setattr(incident_pages, "SEARCH_COUNT_UP_TO", 3)
    accounts.add_account(sqlite_db, "tester", "analyst", "analyst", password=PASSWORD)
    with TestClient(create_app(sqlite_db.settings, db=sqlite_db), follow_redirects=False) as client:
        sign_in(client, "analyst")
        english = client.get("/incidents?q=ambush").text
        assert _count_shown(english) == "3+ incidents"
        assert "Page 1 of 1+" in english and "Next" in english  # the pages after it are still reached
        assert _count_shown(client.get("/incidents?q=ambush&lang=fr").text) == "plus de 3 incidents"
        assert _count_shown(client.get("/incidents?lang=en").text) == "9 incidents"  # no search: every one counted
        assert _count_shown(client.get("/incidents?q=ambush+charlie").text) == "1 incident"  # under the cap: exact


def _count_shown(html: str) -> str:
    found = re.search(r'<div class="toolbar">\s*<strong>(.*?)</strong>', html, re.S)
    assert found, "no count on the page"
    return re.sub(r"\s+", " ", found.group(1)).strip()


def test_a_sector_account_finds_its_changes_behind_many_of_other_sectors(
    sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    mission_id, _ = _mission(sqlite_db)
    with sqlite_db.transaction("tester") as tx:
        east = int(factories.make(tx, "Sector", mission_id=mission_id, name="East").id or 0)
        west = int(factories.make(tx, "Sector", mission_id=mission_id, name="West").id or 0)
        in_east = int(factories.make(tx, "Location", mission_id=mission_id, sector_id=east).id or 0)
        own = _incident(tx, mission_id, date(2021, 1, 1), sector_id=east)  # its own sector
        placed = _incident(tx, mission_id, date(2021, 1, 2), location_id=in_east)  # its place's
        _incident(tx, mission_id, date(2021, 1, 3), location_id=in_east, sector_id=west)  # own wins
        for n in range(8):  # newer changes, all of another sector
            _incident(tx, mission_id, date(2021, 2, 1) + timedelta(days=n), sector_id=west)
    monkeypatch.setattr(audit_log, "_SCAN", 5)  # a page reads at most five entries one by one
    east_account = Principal("east", Role.SECTOR, sector_id=east)
    seen = audit_log.recent_changes(sqlite_db, east_account, audit_log.AuditFilter(kind="Incident"))
    ids = {c.entry.record_id for c in seen.changes}
    assert ids == {own.id, placed.id}, ids  # not the West ones, nor the one moved to the West
    # An administrator's filter by sector: the East's the same; the West's, five (the page's
    # reading) of its nine, none of the East.
    by_east = audit_log.recent_changes(sqlite_db, ADMIN, audit_log.AuditFilter(kind="Incident", sector_id=east))
    assert {c.entry.record_id for c in by_east.changes} == {own.id, placed.id}
    by_west = audit_log.recent_changes(sqlite_db, ADMIN, audit_log.AuditFilter(kind="Incident", sector_id=west))
    assert len(by_west.changes) == 5
    assert not {c.entry.record_id for c in by_west.changes} & {own.id, placed.id}
    # The sector account asking for the West's sector sees nothing of it.
    other = audit_log.recent_changes(sqlite_db, east_account, audit_log.AuditFilter(kind="Incident", sector_id=west))
    assert other.changes == []


def test_a_sector_account_jumping_to_a_page_gets_the_same_incidents_as_walking_there(sqlite_db: Database) -> None:
    mission_id, _ = _mission(sqlite_db)
    with sqlite_db.transaction("tester") as tx:
        east = int(factories.make(tx, "Sector", mission_id=mission_id, name="East").id or 0)
        west = int(factories.make(tx, "Sector", mission_id=mission_id, name="West").id or 0)
        in_east = int(factories.make(tx, "Location", mission_id=mission_id, sector_id=east).id or 0)
        for n in range(90):  # several on a day, in both sectors, placed either way
            where = ({"sector_id": east}, {"location_id": in_east}, {"sector_id": west})[n % 3]
            _incident(tx, mission_id, date(2021, 1, 1) + timedelta(days=n // 4), **where)
    east_account = Principal("east", Role.SECTOR, sector_id=east)
    query = [("mission_id", str(mission_id))]
    whole = listing.list_page(sqlite_db, east_account, "Incident", query, limit=1000, newest_first=True).records
    assert len(whole) == 60
    newest_first = sorted(whole, key=lambda r: (r.event_date, r.id), reverse=True)  # type: ignore[attr-defined]
    assert [r.id for r in whole] == [r.id for r in newest_first]
    for offset in (7, 25, 50, 59, 60):
        page = listing.list_page(sqlite_db, east_account, "Incident", query, limit=10, offset=offset, newest_first=True)
        assert [r.id for r in page.records] == [r.id for r in whole[offset : offset + 10]], offset
        assert page.total == 60
    # An administrator asking for the East by sector: the same pages.
    for offset in (13, 42):
        page = listing.list_page(
            sqlite_db, ADMIN, "Incident", query, limit=10, offset=offset, newest_first=True, sector_id=east
        )
        assert [r.id for r in page.records] == [r.id for r in whole[offset : offset + 10]]
