"""The Watch page's forecast, made cheap to show again (docs/performance.md, "Page actions, third
pass"): the backtest's predictors are built for all origins at once and each fit begins where
the previous origin's ended, with the same answers; the report is kept per state of the data
and per reach (role, missions, sectors), and a change (a deletion here) gives a fresh one."""

from __future__ import annotations

import numpy as np
import pytest

from bluehelmet.analytics import forecast as model
from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.alerts import Measure
from bluehelmet.services import answer_cache, records
from bluehelmet.services import forecast as service
from bluehelmet.services.database import Database

AREAS = [f"area {n}" for n in range(6)]
NEIGHBOURS = {a: [b for b in AREAS if b != a and AREAS.index(b) // 3 == AREAS.index(a) // 3] for a in AREAS}


def _history(weeks: int = 140) -> np.ndarray:
    rng = np.random.default_rng(11)
    level = rng.gamma(1.5, 2.0, size=(len(AREAS), 1)) * (1.2 + np.sin(np.arange(weeks) / 9))
    return rng.poisson(level).astype(float)


def test_the_predictors_of_all_origins_are_those_of_each_origin() -> None:
    counts = _history()
    weeks = np.asarray([w % 52 for w in range(counts.shape[1])])
    near = model._neighbour_matrix(AREAS, NEIGHBOURS)
    rows = model._Rows(counts, near, weeks, 4)
    for h in range(1, 5):
        origins = range(3, counts.shape[1] - h)
        x = np.vstack([model._features(counts, near, t, h, weeks) for t in origins])
        y = np.concatenate([counts[:, t + h] for t in origins])
        assert np.allclose(rows.by_horizon[h][0], x, rtol=0, atol=1e-12)
        assert np.array_equal(rows.by_horizon[h][1], y)


def test_fits_begun_from_the_previous_origin_give_the_same_backtest(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = _history()
    weeks = [w % 52 for w in range(counts.shape[1])]
    warm = model.backtest(counts, AREAS, weeks, NEIGHBOURS, 4)
    fits = model._fit
    monkeypatch.setattr(model, "_fit", lambda x, y, start=None: fits(x, y))  # every fit from scratch
    cold = model.backtest(counts, AREAS, weeks, NEIGHBOURS, 4)
    assert warm.origins == cold.origins == 26 and warm.best_baseline == cold.best_baseline
    assert warm.skill == cold.skill and warm.t_statistic == pytest.approx(cold.t_statistic, abs=0.011)
    for name, score in cold.scores.items():
        assert warm.scores[name] == pytest.approx(score, abs=2e-4)  # rounded to 4 places, both
    assert np.isfinite(model._fit(np.ones((3, 2)), np.ones(3), start=np.array([np.nan, 0.0]))).all()


def test_the_report_is_kept_per_state_and_reach_and_a_change_gives_a_fresh_one(reference_copy: Database) -> None:
    db = reference_copy
    with db.transaction("tester") as tx:
        mission = records.list_records(tx, "Mission")[0]
        sectors = [s for s in records.list_records(tx, "Sector") if s.mission_id == mission.id]
        kept = next(i for i in records.list_records(tx, "Incident") if i.admin2 and i.review_status != "rejected")
    admin = Principal("chief", Role.ADMIN)
    east, west = Principal("east", Role.SECTOR, sectors[0].id), Principal("west", Role.SECTOR, sectors[-1].id)

    def report(principal: Principal) -> service.ForecastReport:
        return service.forecast_report(db, "tester", principal, mission=mission.name)

    answer_cache.clear()
    first = {p.name: report(p) for p in (admin, east, west)}
    assert first["chief"].counted > first["east"].counted and first["east"].counted != first["west"].counted
    again = [report(east), report(admin), report(Principal("other east", Role.SECTOR, sectors[0].id))]
    assert again == [first["east"], first["chief"], first["east"]]
    if db.engine.dialect.name == "sqlite":  # kept, not computed again (PostgreSQL's state moves with
        assert again[0] is first["east"] and again[1] is first["chief"]  # any write on the shared server)
        assert again[2] is first["east"]  # another account of the same reach
    with db.transaction("tester") as tx:
        records.delete(tx, "Incident", kept.id, version=kept.version)
    changed = report(admin)
    assert changed.counted == first["chief"].counted - 1
    answer_cache.clear()
    service._MODELS.clear()
    assert report(admin) == changed  # what was computed after the change is what a fresh start gives
    weekly = service.forecast_report(db, "tester", admin, mission=mission.name, measure=Measure.FATALITIES)
    assert weekly.measure != changed.measure  # another question, not the kept answer
