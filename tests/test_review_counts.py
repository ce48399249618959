"""Reviewed before reported: the figures of verified incidents leave the drafts out, on every
path the analysis takes (rollups, the whole record less what lies outside, covering indexes, the
rows), and say how many drafts are pending review."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner

from bluehelmet.cli import cli
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.incidents import ReviewStatus
from bluehelmet.services import records, stats
from bluehelmet.services.database import Database
from bluehelmet.services.loading import find_mission
from bluehelmet.services.stats import IncidentFilter
from tests import factories

VERIFIED = frozenset({ReviewStatus.VERIFIED})
DRAFTS = frozenset({ReviewStatus.DRAFT})


def _incident(tx: Any, mission_id: int, day: date, **extra: object) -> int:
    values: dict[str, object] = {
        "mission_id": mission_id, "event_date": day.isoformat(), "event_type": "Battles",
        "sub_event_type": "Armed clash", "category": None, "fatalities": 1, "killed_peacekeepers": 0,
        "injured_peacekeepers": 0, "killed_civilians": 0, "injured_civilians": 0, "responding_unit_ids": [],
        "latitude": None, "longitude": None, "location_id": None, "sector_id": None, "external_id": None,
        "location_name": "Gao", "perpetrator": "JNIM", "review_status": "verified",
    }  # fmt: skip
    values.update(extra)
    return int(factories.make(tx, "Incident", **values).id or 0)


@pytest.fixture
def mission_id(db: Database) -> int:
    with db.transaction("tester") as tx:
        mission = int(factories.make(tx, "Mission", name="MINUSMA").id or 0)
        for n in range(12):  # a year of verified incidents, two places
            _incident(tx, mission, date(2021, 1 + n, 10), fatalities=n, location_name=["Gao", "Kidal"][n % 2])
        _incident(tx, mission, date(2021, 3, 3), review_status="rejected", fatalities=50)
    return mission


#: Groupings and periods that take each path of the analysis: the day rollup, month rollups with
#: and without edge days, the whole record less the outside, a covering index, the rows.
CASES = [
    ([], IncidentFilter()),
    (["month"], IncidentFilter(date(2021, 2, 1), date(2021, 5, 31))),
    (["month"], IncidentFilter(date(2021, 2, 5), date(2021, 5, 20))),
    (["location"], IncidentFilter(date(2021, 2, 1), date(2021, 12, 31))),
    (["location", "event_type"], IncidentFilter()),
    (["day", "perpetrator"], IncidentFilter(date(2021, 1, 1), date(2021, 6, 30))),
    (["week", "location"], IncidentFilter(date(2021, 1, 6), date(2021, 12, 20))),
    (["sector"], IncidentFilter(date(2021, 3, 1), date(2021, 3, 31), {"location": "Gao"})),
]


def _only(flt: IncidentFilter, statuses: frozenset[ReviewStatus]) -> IncidentFilter:
    return IncidentFilter(flt.date_from, flt.date_to, flt.where, statuses)


@pytest.mark.parametrize(("keys", "flt"), CASES)
def test_a_draft_changes_no_verified_figure_and_is_pending_until_verified(
    db: Database, mission_id: int, keys: list[str], flt: IncidentFilter
) -> None:
    before = stats.incident_table(db, keys, _only(flt, VERIFIED))
    with db.transaction("tester") as tx:
        pending_before, _ = stats.pending_review(tx, mission_id, flt)
        draft = _incident(tx, mission_id, date(2021, 3, 10), fatalities=7, review_status="draft")
    assert stats.incident_table(db, keys, _only(flt, VERIFIED)) == before
    everything = stats.incident_table(db, keys, flt)
    in_period = (flt.date_from or date.min) <= date(2021, 3, 10) <= (flt.date_to or date.max)
    with db.transaction("tester") as tx:
        pending, ids = stats.pending_review(tx, mission_id, flt)
    assert pending == pending_before + in_period
    assert (draft in ids) == in_period
    drafts_only = stats.incident_table(db, keys, _only(flt, DRAFTS))
    assert sum(r["events"] for r in drafts_only) == pending
    assert sum(r["fatalities"] for r in drafts_only) == 7 * in_period
    with db.transaction("tester") as tx:
        current = records.get(tx, "Incident", draft)
        records.update(tx, "Incident", draft, {"review_status": "verified"}, current.version)
        assert stats.pending_review(tx, mission_id, flt)[0] == pending_before
    after = stats.incident_table(db, keys, _only(flt, VERIFIED))
    assert after == everything
    assert sum(r["events"] for r in after) == sum(r["events"] for r in before) + in_period
    assert sum(r["fatalities"] for r in after) == sum(r["fatalities"] for r in before) + 7 * in_period


def test_a_rejected_report_is_never_counted_and_cannot_be_asked_for(db: Database, mission_id: int) -> None:
    with pytest.raises(BluehelmetError, match="rejected"):
        IncidentFilter(statuses=frozenset({ReviewStatus.REJECTED}))
    with pytest.raises(BluehelmetError, match="not review statuses"):
        IncidentFilter(statuses=frozenset({"approved"}))  # type: ignore[arg-type]
    as_text = IncidentFilter(statuses=frozenset({"verified"}))  # type: ignore[arg-type]
    assert as_text.statuses == VERIFIED and all(isinstance(s, ReviewStatus) for s in as_text.statuses or ())
    every = stats.incident_table(db, [], IncidentFilter())[0]
    assert every["events"] == 12 and every["fatalities"] == sum(range(12))
    nothing = stats.incident_table(db, ["month"], IncidentFilter(statuses=frozenset()))
    assert nothing == []


def test_a_group_of_drafts_alone_disappears_from_the_verified_answer(db: Database, mission_id: int) -> None:
    with db.transaction("tester") as tx:
        _incident(tx, mission_id, date(2021, 3, 12), location_name="Ménaka", review_status="draft")
    rows = stats.incident_table(db, ["location"], IncidentFilter(statuses=VERIFIED))
    assert [r["location"] for r in rows] == ["Gao", "Kidal"]
    rows = stats.incident_table(db, ["location"], IncidentFilter())
    assert [r["location"] for r in rows] == ["Gao", "Kidal", "Ménaka"]


def test_stats_incidents_counts_verified_incidents_unless_asked_for_drafts(db: Database, mission_id: int) -> None:
    with db.transaction("tester") as tx:
        _incident(tx, mission_id, date(2021, 3, 12), fatalities=9, review_status="draft")
        mission = find_mission(tx, None).name
    url = db.settings.database_url
    run = CliRunner()
    verified = run.invoke(cli, ["--db", url, "stats", "incidents", "--mission", mission, "--json"])
    assert verified.exit_code == 0, verified.output
    data = json.loads(verified.stdout)
    assert data["rows"][0]["events"] == 12 and data["pending_review"] == 1
    drafts = run.invoke(cli, ["--db", url, "stats", "incidents", "--include-drafts", "--json"])
    assert json.loads(drafts.stdout)["rows"][0]["events"] == 13
    text = run.invoke(cli, ["--db", url, "stats", "incidents"])
    assert "1 report pending review is not included" in text.stdout


@pytest.mark.parametrize(
    "flt", [IncidentFilter(), IncidentFilter(date(2021, 2, 1), date(2021, 4, 30)), IncidentFilter(date(2021, 3, 5))]
)
def test_the_map_counts_verified_incidents_less_the_drafts(db: Database, mission_id: int, flt: IncidentFilter) -> None:
    from bluehelmet.services import hotspots  # noqa: PLC0415

    with db.transaction("tester") as tx:
        _incident(tx, mission_id, date(2021, 3, 9), latitude=16.27, longitude=-0.04)
    verified = _only(flt, VERIFIED)
    before = hotspots.hexagons(db, verified, 7)
    with db.transaction("tester") as tx:
        _incident(tx, mission_id, date(2021, 3, 10), latitude=16.27, longitude=-0.04, review_status="draft")
        _incident(tx, mission_id, date(2021, 3, 11), review_status="draft")  # no coordinates
    after = hotspots.hexagons(db, verified, 7)
    assert (after.points, after.without_coordinates, after.hexagons) == (
        before.points, before.without_coordinates, before.hexagons,
    )  # fmt: skip
    every = hotspots.hexagons(db, flt, 7)
    assert (every.points, every.without_coordinates) == (before.points + 1, before.without_coordinates + 1)
    drafts = hotspots.hexagons(db, _only(flt, DRAFTS), 7)
    assert (drafts.points, drafts.without_coordinates) == (1, 1)


@pytest.mark.parametrize(("keys", "flt"), CASES[:4])
def test_verified_figures_hold_when_drafts_are_most_of_the_record(
    db: Database, mission_id: int, keys: list[str], flt: IncidentFilter
) -> None:
    before = stats.incident_table(db, keys, _only(flt, VERIFIED))
    with db.transaction("tester") as tx:  # a large import not yet reviewed: the verified ones are read apart
        for n in range(30):
            _incident(tx, mission_id, date(2021, 1 + n % 12, 20), fatalities=None, review_status="draft")
    assert stats.incident_table(db, keys, _only(flt, VERIFIED)) == before
    drafts = stats.incident_table(db, keys, _only(flt, DRAFTS))
    with db.transaction("tester") as tx:
        assert sum(r["fatalities_unknown"] for r in drafts) == stats.pending_review(tx, mission_id, flt)[0]
