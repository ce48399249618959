"""The early-warning forecast on synthetic missions, on both backends: with a planted signal
(incidents rising in one cercle) the model beats every naive baseline in the backtest and is
shown; on pure noise it has no skill, and the command and the page say so."""

from __future__ import annotations

import csv
import json
from collections import OrderedDict
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from bluehelmet.analytics.forecast import BASELINES, backtest, forecast, poisson_deviance
from bluehelmet.cli import cli
from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.alerts import Measure
from bluehelmet.services import accounts, records
from bluehelmet.services import forecast as service
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from tests.test_web_pages import PASSWORD, csrf_of

START = date(2019, 1, 7)  # a Monday
WEEKS = 100
AREAS = ("Ansongo", "Bourem", "Gao", "Menaka", "Tessit")
COLUMNS = ["external_id", "event_date", "event_type", "sub_event_type", "category", "location_name", "admin1",
           "admin2", "review_status"]  # fmt: skip


def _mission(db: Database, tmp_path: Path, *, rising: bool) -> CliRunner:
    """A mission whose cercles see 1.5 attacks a week (Poisson), and, with ``rising``, Ansongo
    rising steadily from 1 to 25 a week; imported from a CSV file as a user would."""
    rng = np.random.default_rng(7)
    counts = rng.poisson(1.5, (len(AREAS), WEEKS))
    if rising:
        counts[0] = rng.poisson(np.linspace(1, 25, WEEKS))
    path = tmp_path / "incidents.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        n = 0
        for a, area in enumerate(AREAS):
            for week in range(WEEKS):
                for k in range(int(counts[a, week])):
                    n += 1
                    day = START + timedelta(weeks=week, days=k % 7)
                    out.writerow([f"S{n}", day.isoformat(), "Battles", "Armed clash", "direct_attack", area, "Gao",
                                  area, "verified"])  # fmt: skip
    with db.transaction("tester") as tx:
        records.create(tx, "Mission", {"name": "Synthland", "country_iso3": "MLI"})
    runner = CliRunner()
    loaded = runner.invoke(cli, ["--db", db.settings.database_url, "import", "incident", str(path)])
    assert loaded.exit_code == 0, loaded.output
    return runner


def test_a_planted_signal_is_forecast_with_skill(db: Database, tmp_path: Path) -> None:
    runner = _mission(db, tmp_path, rising=True)
    answer = runner.invoke(cli, ["--db", db.settings.database_url, "forecast", "backtest", "--json"])
    assert answer.exit_code == 0, answer.output
    result = json.loads(answer.output)
    assert result["skill"] is True and result["metric"] == "mean_poisson_deviance"
    assert set(result["scores"]) == {"model", *BASELINES}
    assert all(result["scores"]["model"] < score for name, score in result["scores"].items() if name != "model")
    shown = json.loads(runner.invoke(cli, ["--db", db.settings.database_url, "forecast", "--json"]).output)
    assert shown["skill"] is True and len(shown["weeks"]) == 4
    top = max(shown["areas"], key=lambda a: a["expected"][0])
    assert top["area"] == "Ansongo (Gao)" and top["low"][0] <= top["expected"][0] <= top["high"][0]
    assert 15 < top["expected"][0] < 35  # the rise continues: about 25 a week


def test_pure_noise_has_no_skill_and_the_page_says_so(db: Database, tmp_path: Path) -> None:
    runner = _mission(db, tmp_path, rising=False)
    text = runner.invoke(cli, ["--db", db.settings.database_url, "forecast"]).output
    assert "backtest: the model does not beat" in text
    assert "No forecast: it has no skill over the naive baselines here." in text
    accounts.add_account(db, "tester", "ana", "analyst", password=PASSWORD)
    with TestClient(create_app(db.settings, db=db), follow_redirects=False) as client:
        token = csrf_of(client.get("/signin").text)
        client.post("/signin", data={"name": "ana", "password": PASSWORD, "csrf_token": token, "next": "/"})
        page = client.get("/watch").text
    assert 'id="no-skill"' in page and "The forecast has no skill here" in page and "Ansongo" not in page


def test_the_scores_and_intervals() -> None:
    assert poisson_deviance(np.array([0.0, 2.0]), np.array([0.0, 2.0])).tolist() == [0.0, 0.0]
    assert poisson_deviance(np.array([0.0]), np.array([0.5]))[0] == pytest.approx(1.0)
    assert np.isfinite(poisson_deviance(np.array([3.0]), np.array([0.0]))[0])  # a naive zero is scored, not infinite
    flat = np.full((2, 60), 4.0)
    result = forecast(flat, ["a", "b"], [w % 52 for w in range(60)], {"a": ["b"], "b": ["a"]})
    assert all(abs(e - 4) < 0.2 for area in result.areas for e in area.expected)
    assert all(lo <= 4 <= hi for area in result.areas for lo, hi in zip(area.low, area.high, strict=True))
    short = backtest(np.ones((1, 10)), ["a"], list(range(10)), {})
    assert short.skill is False and "too little history" in short.reason


def test_the_history_is_counted_in_the_database_and_the_model_computed_once_per_state(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Watch page asks for the forecast on every view: the weekly history is added up in
    the database, and the model is fitted again only when that history has changed."""
    _mission(db, tmp_path, rising=True)
    fitted: list[int] = []
    real = service.backtest_and_forecast
    monkeypatch.setattr(service, "backtest_and_forecast", lambda *a, **k: fitted.append(1) or real(*a, **k))
    monkeypatch.setattr(service, "_MODELS", OrderedDict())
    first = service.forecast_report(db, "tester")
    assert (first.first_week, first.last_week) == (START, START + timedelta(weeks=WEEKS - 1))
    assert first.left_out == 0 and first.areas == [f"{a} (Gao)" for a in AREAS]
    again = service.forecast_report(db, "tester")
    assert fitted == [1] and again.backtest == first.backtest and again.counted == first.counted
    with db.transaction("tester") as tx:
        mission = records.list_records(tx, "Mission")[0].id
        records.create(tx, "Incident", {"mission_id": mission, "event_date": START.isoformat(), "admin1": "Gao",
                                        "event_type": "Battles", "sub_event_type": "Armed clash",
                                        "provenance": "test"})  # no cercle: left out, and counted as such  # fmt: skip
        records.create(tx, "Incident", {"mission_id": mission, "event_date": START.isoformat(), "admin1": "Gao",
                                        "admin2": "Tessit", "event_type": "Battles", "sub_event_type": "Armed clash",
                                        "provenance": "test", "fatalities": 4})  # fmt: skip
    changed = service.forecast_report(db, "tester")
    assert fitted == [1, 1] and (changed.counted, changed.left_out) == (first.counted + 1, 1)
    dead = service.forecast_report(db, "tester", measure=Measure.FATALITIES)
    assert dead.counted == 1 and dead.left_out == first.counted + 1  # only one has its fatalities recorded


def test_the_weekly_history_from_the_rollup_equals_a_recount_of_the_incidents(reference_copy: Database) -> None:
    """The Watch page reads the weeks per cercle from the weekly rollup of the regions (admin1 x
    admin2 x week x the sector an incident is placed in); the answer is the incidents' own
    count, for the whole mission and for a sector account, incidents and fatalities alike,
    after a rejection, a deletion and an incident placed in a sector through its location."""
    db = reference_copy
    with db.transaction("tester") as tx:
        mission = records.list_records(tx, "Mission")[0]
        sectors = [s for s in records.list_records(tx, "Sector") if s.mission_id == mission.id]
        incidents = [i for i in records.list_records(tx, "Incident") if i.admin2]
        place = next(p for p in records.list_records(tx, "Location") if p.sector_id == sectors[0].id)
        records.create(tx, "Incident", {"mission_id": mission.id, "event_date": "2021-03-03", "admin1": "Gao",
                                        "admin2": "Ansongo", "event_type": "Battles", "location_id": place.id,
                                        "sub_event_type": "Armed clash", "provenance": "test"})  # fmt: skip
        draft = next((i for i in incidents if i.review_status == "draft"), None)
        if draft is None:
            draft = records.create(tx, "Incident", {"mission_id": mission.id, "event_date": "2021-03-04",
                                                    "admin1": "Gao", "admin2": "Gao", "event_type": "Battles",
                                                    "sub_event_type": "Armed clash", "review_status": "draft",
                                                    "provenance": "test"})  # fmt: skip
        records.update(tx, "Incident", draft.id, {"review_status": "rejected"}, version=draft.version)
        records.delete(tx, "Incident", incidents[-1].id, version=incidents[-1].version)
    principals = [None, Principal("east", Role.SECTOR, sectors[0].id), Principal("west", Role.SECTOR, sectors[-1].id)]
    answers = []
    with db.transaction("tester") as tx:
        for principal in principals:
            for measure in (Measure.INCIDENTS, Measure.FATALITIES):
                rolled = service._weekly_from_rollup(tx, principal, mission.id, measure)
                recount = service._weekly_from_incidents(tx, principal, mission.id, measure, None)
                assert rolled[0] == recount[0] and sorted(rolled[1]) == sorted(recount[1])
                answers.append(rolled)
    assert answers[0][0] > answers[2][0] > 0 and answers[0][1] != answers[2][1]  # a sector sees less
    assert sum(n for *_, n, _ in answers[1][1]) < sum(n for *_, n, _ in answers[0][1])
