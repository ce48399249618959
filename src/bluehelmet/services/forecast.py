"""The early-warning forecast of a mission as the doors ask for it: weekly counts per admin-2
area read from the weekly rollup of the regions (or, for a history cut at ``until``, from the
incidents), the backtest, and the forecast (``analytics.forecast``).

Areas are the admin-2 areas (cercles) the incidents name, within their admin-1 region; the
neighbours of an area are the other cercles of its region (the shipped geography has no
admin-2 outlines to tell which touch). Incidents with no admin-2 area are left out and
counted. The history runs from the first recorded week to the week of the last recorded
incident (or ``until``): weeks after the records end are not known to be quiet.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from threading import Lock

import numpy as np
from sqlalchemy import func, select
from threadpoolctl import threadpool_limits

from bluehelmet.analytics.forecast import Array, Backtest, Forecast, backtest, backtest_and_forecast
from bluehelmet.domain.access import Principal
from bluehelmet.domain.alerts import Measure
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.services import answer_cache
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.listing import scoped_select
from bluehelmet.services.loading import find_mission
from bluehelmet.services.scope import scope_of
from bluehelmet.storage.aggregates import WEEK_ZERO, week_number
from bluehelmet.storage.rollups import DAY_ROLLUP, PLACED_SECTOR, REGION_WEEK_ROLLUP
from bluehelmet.storage.tables import TABLES

__all__ = ["ForecastReport", "forecast_report"]


@dataclass(frozen=True)
class ForecastReport:
    mission: str
    measure: str
    first_week: date | None
    last_week: date | None
    areas: list[str]
    #: Incidents counted, and those left out for want of an admin-2 area (or of fatalities).
    counted: int
    left_out: int
    backtest: Backtest
    forecast: Forecast | None
    weeks_ahead: list[date]

    @property
    def skill(self) -> bool:
        return self.backtest.skill


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _weekly(
    tx: Transaction, principal: Principal | None, mission_id: int, measure: Measure, until: date | None
) -> tuple[int, list[tuple[str, str, int, int, float]]]:
    """How many incidents there are (not rejected, as the principal may read them), and per
    admin-2 area and week (``aggregates.week_number``) those placed there and the measure: from
    the weekly rollup of the regions, which holds admin1 x admin2 x ISO week x the sector an
    incident is placed in (the sector a sector account reads by), when the history runs to the
    last record; else (``until``: a week may be cut) from the incidents."""
    if until is not None:
        return _weekly_from_incidents(tx, principal, mission_id, measure, until)
    return _weekly_from_rollup(tx, principal, mission_id, measure)


@lru_cache(maxsize=4096)
def _week_of_cell(cell: str) -> int:
    """The ``week_number`` of a rollup's ISO week cell (2021-W13): ISO weeks begin on Monday."""
    year, week = cell.split("-W")
    return (date.fromisocalendar(int(year), int(week), 1) - WEEK_ZERO).days // 7


def _weekly_from_rollup(
    tx: Transaction, principal: Principal | None, mission_id: int, measure: Measure
) -> tuple[int, list[tuple[str, str, int, int, float]]]:
    days, weeks = DAY_ROLLUP.table, REGION_WEEK_ROLLUP.table
    sectors = sorted(principal.sectors) if principal is not None and principal.scoped else None
    session = tx.session
    total = select(func.sum(days.c.events)).where(days.c.mission_id == mission_id)
    if sectors is not None:
        total = total.where(days.c[PLACED_SECTOR].in_(sectors))
    incidents = int(session.scalar(total) or 0)
    counted = weeks.c.events - weeks.c.fatalities_unknown if measure == Measure.FATALITIES else weeks.c.events
    area = (weeks.c.admin1, weeks.c.admin2, weeks.c.week)
    grouped = select(*area, func.sum(counted), func.sum(weeks.c.fatalities))
    grouped = grouped.where(weeks.c.mission_id == mission_id, weeks.c.admin2 != "").group_by(*area)
    if sectors is not None:
        grouped = grouped.where(weeks.c[PLACED_SECTOR].in_(sectors))
    rows = session.execute(grouped)
    weekly = [(a1, a2, _week_of_cell(w), int(n), float(dead or 0)) for a1, a2, w, n, dead in rows]
    return incidents, [row for row in weekly if row[3] > 0]


def _weekly_from_incidents(
    tx: Transaction, principal: Principal | None, mission_id: int, measure: Measure, until: date | None
) -> tuple[int, list[tuple[str, str, int, int, float]]]:
    """How many incidents there are (not rejected, as the principal may read them), and per
    admin-2 area and week (``aggregates.week_number``) those placed there and the measure,
    added up in the database: the incidents never travel to Python one by one."""
    table = TABLES[Incident]
    stmt = scoped_select(Incident, principal)[0] if principal is not None else select(Incident)
    stmt = stmt.where(table.c.deleted_at.is_(None), table.c.mission_id == mission_id,
                      table.c.review_status != ReviewStatus.REJECTED.value)  # fmt: skip
    if until is not None:
        stmt = stmt.where(table.c.event_date <= until)
    where = stmt.whereclause
    assert where is not None
    session = tx.session
    incidents = int(session.scalar(select(func.count()).select_from(table).where(where)) or 0)
    placed = [where, table.c.admin2.is_not(None), table.c.admin2 != ""]
    if measure == Measure.FATALITIES:
        placed.append(table.c.fatalities.is_not(None))
    week = week_number(session, table.c.event_date)
    area = (table.c.admin1, table.c.admin2, week)
    grouped = select(*area, func.count(), func.sum(table.c.fatalities)).where(*placed).group_by(*area)
    rows = session.execute(grouped)
    return incidents, [(a1 or "", a2, int(w), int(n), float(dead or 0)) for a1, a2, w, n, dead in rows]


#: Backtests and forecasts by what they were computed from (the model is a pure function of its
#: input, so an answer kept is the answer): the Watch page computes them once per state of the
#: incidents, not on every view.
_MODELS: OrderedDict[bytes, tuple[Backtest, Forecast | None]] = OrderedDict()
_KEPT = 8
_MODELS_LOCK = Lock()


class _KeptFits(MutableMapping[bytes, Array]):
    """The model's fits by the fingerprint of their rows and start (``analytics.forecast``), the
    least recently read forgotten first past ``kept``; shared by the server's threads."""

    def __init__(self, kept: int) -> None:
        self._fits: OrderedDict[bytes, Array] = OrderedDict()
        self._kept = kept
        self._lock = Lock()

    def __getitem__(self, key: bytes) -> Array:
        with self._lock:
            self._fits.move_to_end(key)
            return self._fits[key]

    def __setitem__(self, key: bytes, beta: Array) -> None:
        with self._lock:
            self._fits[key] = beta
            self._fits.move_to_end(key)
            while len(self._fits) > self._kept:
                self._fits.popitem(last=False)

    def __delitem__(self, key: bytes) -> None:
        with self._lock:
            del self._fits[key]

    def __iter__(self) -> Iterator[bytes]:
        with self._lock:
            return iter(list(self._fits))

    def __len__(self) -> int:
        return len(self._fits)


#: The fits of the backtests and forecasts above: after a change, a report is computed again,
#: but only the fits whose rows the change reached are (a backtest and forecast: 108 fits; a
#: scope's reports after a few changes fit in a few hundred).
_FITS = _KeptFits(4096)


@lru_cache(maxsize=1)
def _one_blas_thread() -> None:
    """Run numpy's linear algebra (OpenBLAS) on one thread in this process, once. The model's
    matrices are small (areas x a few coefficients): threads cost more than they give (the
    forecast after a change took 327-422 ms of processor time with OpenBLAS's threads, 108-196
    ms on one), and a sum split over as many threads as the machine has cores rounds its last
    bits differently from one machine to another; on one thread the figures do not depend on
    the number of cores. Set for the whole process, not around each fit: two requests'
    forecasts at once would otherwise restore each other's setting mid-fit."""
    threadpool_limits(limits=1, user_api="blas")


def _modelled(
    counts: np.ndarray, labels: list[str], woy: list[int], neighbours: dict[str, list[str]], weeks_ahead: int
) -> tuple[Backtest, Forecast | None]:
    _one_blas_thread()
    key = hashlib.sha256(
        b"|".join([counts.tobytes(), repr((counts.shape, labels, woy, neighbours, weeks_ahead)).encode()])
    ).digest()
    with _MODELS_LOCK:
        if key in _MODELS:
            _MODELS.move_to_end(key)
            return _MODELS[key]
    predicted: Forecast | None = None
    if counts.shape[1] > 8:
        tested, predicted = backtest_and_forecast(counts, labels, woy, neighbours, weeks_ahead, fits=_FITS)
    else:
        tested = backtest(counts, labels, woy, neighbours, weeks_ahead, fits=_FITS)
    with _MODELS_LOCK:
        _MODELS[key] = (tested, predicted)
        while len(_MODELS) > _KEPT:
            _MODELS.popitem(last=False)
    return tested, predicted


def forecast_report(
    db: Database,
    actor: str,
    principal: Principal | None = None,
    *,
    mission: str | None = None,
    measure: Measure = Measure.INCIDENTS,
    weeks_ahead: int = 4,
    until: date | None = None,
) -> ForecastReport:
    """Read the weekly history, backtest the model and forecast ``weeks_ahead`` weeks after it
    (the forecast is computed either way; the doors show it only where the backtest shows skill).

    The report of the whole history (no ``until``) is kept per state of the data
    (``answer_cache``), for the principal's reach (role, missions, sectors: never another
    scope's), so the Watch page reads it again without reading the history."""
    if not 1 <= weeks_ahead <= 4:
        raise BluehelmetError("the forecast looks 1 to 4 weeks ahead")
    if until is not None:
        return _report(db, actor, principal, mission, measure, weeks_ahead, until)
    reach = None if principal is None else (str(principal.role), principal.missions, principal.sectors)
    question = ("forecast.forecast_report", reach, mission, str(measure), weeks_ahead)
    return answer_cache.kept(
        db, actor, question, lambda: _report(db, actor, principal, mission, measure, weeks_ahead, None)
    )


def _report(
    db: Database,
    actor: str,
    principal: Principal | None,
    mission: str | None,
    measure: Measure,
    weeks_ahead: int,
    until: date | None,
) -> ForecastReport:
    with db.transaction(actor) as tx:
        if principal is not None:
            scope = scope_of(tx, principal, mission, first=True)
            mission_id, mission_name = scope.mission_id, scope.mission
        else:
            found = find_mission(tx, mission)
            mission_id, mission_name = found.id or 0, found.name
        incidents, weekly = _weekly(tx, principal, mission_id, measure, until)
    counted = sum(n for *_, n, _ in weekly)
    if not weekly:
        empty = backtest(np.zeros((0, 0)), [], [], {})
        return ForecastReport(mission_name, str(measure), None, None, [], 0, incidents, empty, None, [])
    first = WEEK_ZERO + timedelta(weeks=min(w for _, _, w, _, _ in weekly))
    last = _monday(until) if until is not None else WEEK_ZERO + timedelta(weeks=max(w for _, _, w, _, _ in weekly))
    n_weeks = (last - first).days // 7 + 1
    keys = sorted({(a1, a2) for a1, a2, *_ in weekly})
    labels = [f"{a2} ({a1})" if a1 else a2 for a1, a2 in keys]
    index = {k: n for n, k in enumerate(keys)}
    counts = np.zeros((len(keys), n_weeks))
    offset = (first - WEEK_ZERO).days // 7
    for a1, a2, w, n, dead in weekly:
        if 0 <= w - offset < n_weeks:
            counts[index[(a1, a2)], w - offset] += n if measure == Measure.INCIDENTS else dead
    woy = [(first + timedelta(weeks=w)).isocalendar().week - 1 for w in range(n_weeks)]
    neighbours = {
        labels[n]: [labels[m] for m, other in enumerate(keys) if other[0] == k[0] and m != n]
        for n, k in enumerate(keys)
    }
    tested, predicted = _modelled(counts, labels, woy, neighbours, weeks_ahead)
    ahead = [last + timedelta(weeks=k) for k in range(1, weeks_ahead + 1)]
    return ForecastReport(
        mission_name, str(measure), first, last, labels, counted, incidents - counted, tested, predicted, ahead
    )
