"""The Watch page's forecast, made cheap to show again (docs/performance.md, "Page actions, third
pass"): the backtest's predictors are built for all origins at once and each fit begins where
the previous origin's ended, with the same answers; the report is kept per state of the data
and per reach (role, missions, sectors), and a change (a deletion here) gives a fresh one, in
which only the fits whose rows the change reached are computed again."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

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
    service._FITS.clear()
    assert report(admin) == changed  # what was computed after the change is what a fresh start gives
    weekly = service.forecast_report(db, "tester", admin, mission=mission.name, measure=Measure.FATALITIES)
    assert weekly.measure != changed.measure  # another question, not the kept answer


def _counting_fits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of rows of each fit computed (not read from a store) from now on."""
    computed: list[int] = []
    fit = model._fit
    monkeypatch.setattr(model, "_fit", lambda x, y, start=None: computed.append(len(y)) or fit(x, y, start=start))
    return computed


def test_after_a_change_only_the_fits_whose_rows_hold_it_are_computed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 108 fits (26 origins x 4 weeks ahead, and the forecast's 4) are kept by the rows they
    were fitted on: a change in the last four weeks of one area leaves the backtest's 104 fits
    as they were and computes the forecast's 4; a change 10 weeks back, the fits of the origins
    from that week on. Either way the answer is the full recompute's, to the last bit."""
    counts = _history()
    weeks = [w % 52 for w in range(counts.shape[1])]
    computed = _counting_fits(monkeypatch)

    def both(history: np.ndarray, fits: model.Fits | None) -> tuple[model.Backtest, model.Forecast]:
        return model.backtest_and_forecast(history, AREAS, weeks, NEIGHBOURS, 4, fits=fits)

    fits: model.Fits = {}
    first = both(counts, fits)
    assert len(computed) == len(fits) == 108 and first == both(counts, None)
    computed.clear()
    assert both(counts, fits) == first and computed == []  # the same history: every fit kept

    late = counts.copy()
    late[2, -2] += 3  # one area, the week before the last
    computed.clear()
    after = both(late, fits)
    assert len(computed) == 4  # the forecast's: their rows hold the changed week
    assert after != first and after[0].scores != first[0].scores  # the change is seen in the scores
    computed.clear()
    assert after == both(late, None) and len(computed) == 108  # a full recompute gives the same

    earlier = late.copy()
    earlier[4, -10] = 0 if earlier[4, -10] else 5
    computed.clear()
    again = both(earlier, fits)
    origins_after = sum(1 for t in range(late.shape[1] - 30, late.shape[1] - 4) if t >= late.shape[1] - 10)
    assert len(computed) == 4 * origins_after + 4  # the origins from the changed week on, and the forecast
    assert 0 < len(computed) < 108 and again == both(earlier, None)


def test_the_fingerprint_of_the_rows_is_the_same_whichever_origin_asked_first() -> None:
    counts = _history()
    weeks = np.asarray([w % 52 for w in range(counts.shape[1])])
    near = model._neighbour_matrix(AREAS, NEIGHBOURS)
    one, other = model._Rows(counts, near, weeks, 4), model._Rows(counts, near, weeks, 4)
    last = counts.shape[1] - 1
    early = other.fingerprint(50, 2)  # the other asks an early origin first, the one the last first
    assert one.fingerprint(last, 2) == other.fingerprint(last, 2) and one.fingerprint(50, 2) == early
    assert early != one.fingerprint(last, 2)
    assert one.fingerprint(50, 1) != one.fingerprint(50, 2)  # other rows, another digest
    changed = counts.copy()
    changed[0, 60] += 1  # a week within the rows of origins after 60 only
    third = model._Rows(changed, near, weeks, 4)
    assert third.fingerprint(55, 1) == one.fingerprint(55, 1) and third.fingerprint(70, 1) != one.fingerprint(70, 1)


def test_the_backtest_and_the_forecast_together_are_the_two_apart() -> None:
    """The Watch page's report builds the predictors once for both: the same answers, to the bit."""
    counts = _history()
    weeks = [w % 52 for w in range(counts.shape[1])]
    apart = (model.backtest(counts, AREAS, weeks, NEIGHBOURS, 3), model.forecast(counts, AREAS, weeks, NEIGHBOURS, 3))
    assert model.backtest_and_forecast(counts, AREAS, weeks, NEIGHBOURS, 3) == apart
    assert apart[0].origins == 26 and len(apart[1].areas) == len(AREAS)


def test_the_forecast_runs_its_linear_algebra_on_one_thread(reference_copy: Database) -> None:
    """OpenBLAS on one thread: cheaper for the model's small matrices, and figures whose last
    bits do not depend on the machine's number of cores (services/forecast._one_blas_thread)."""
    answer_cache.clear()
    service._MODELS.clear()
    with reference_copy.transaction("tester") as tx:
        mission = records.list_records(tx, "Mission")[0]
    report = service.forecast_report(reference_copy, "tester", Principal("chief", Role.ADMIN), mission=mission.name)
    assert report.counted > 0
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
