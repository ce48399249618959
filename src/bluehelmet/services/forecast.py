"""The early-warning forecast of a mission as the doors ask for it: weekly counts per admin-2
area read from the incidents, the backtest, and the forecast (``analytics.forecast``).

Areas are the admin-2 areas (cercles) the incidents name, within their admin-1 region; the
neighbours of an area are the other cercles of its region (the shipped geography has no
admin-2 outlines to tell which touch). Incidents with no admin-2 area are left out and
counted. The history runs from the first recorded week to the week of the last recorded
incident (or ``until``): weeks after the records end are not known to be quiet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from bluehelmet.analytics.forecast import Backtest, Forecast, backtest, forecast
from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.alerts import Measure
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.services import records
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database
from bluehelmet.services.loading import find_mission
from bluehelmet.services.scope import scope_of

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
    (the forecast is computed either way; the doors show it only where the backtest shows skill)."""
    if not 1 <= weeks_ahead <= 4:
        raise BluehelmetError("the forecast looks 1 to 4 weeks ahead")
    with db.transaction(actor) as tx:
        if principal is not None:
            scope = scope_of(tx, principal, mission, first=True)
            mission_id, mission_name = scope.mission_id, scope.mission
        else:
            found = find_mission(tx, mission)
            mission_id, mission_name = found.id or 0, found.name
        incidents = [
            i
            for i in records.list_records(tx, Incident, {"mission_id": mission_id})
            if isinstance(i, Incident)
            and i.review_status != ReviewStatus.REJECTED
            and (until is None or i.event_date <= until)
            and (principal is None or not principal.limited or allowed(tx, principal, Action.READ, i))
        ]
    placed = [i for i in incidents if i.admin2]
    if measure == Measure.FATALITIES:
        placed = [i for i in placed if i.fatalities is not None]
    left_out = len(incidents) - len(placed)
    if not placed:
        empty = backtest(np.zeros((0, 0)), [], [], {})
        return ForecastReport(mission_name, str(measure), None, None, [], 0, left_out, empty, None, [])
    first = _monday(min(i.event_date for i in placed))
    last = _monday(until or max(i.event_date for i in placed))
    n_weeks = (last - first).days // 7 + 1
    keys = sorted({(i.admin1, i.admin2) for i in placed})
    labels = [f"{a2} ({a1})" if a1 else a2 for a1, a2 in keys]
    index = {k: n for n, k in enumerate(keys)}
    counts = np.zeros((len(keys), n_weeks))
    for i in placed:
        week = (_monday(i.event_date) - first).days // 7
        if 0 <= week < n_weeks:
            counts[index[(i.admin1, i.admin2)], week] += 1 if measure == Measure.INCIDENTS else (i.fatalities or 0)
    woy = [(first + timedelta(weeks=w)).isocalendar().week - 1 for w in range(n_weeks)]
    neighbours = {
        labels[n]: [labels[m] for m, other in enumerate(keys) if other[0] == k[0] and m != n]
        for n, k in enumerate(keys)
    }
    tested = backtest(counts, labels, woy, neighbours, weeks_ahead)
    predicted = forecast(counts, labels, woy, neighbours, weeks_ahead) if n_weeks > 8 else None
    ahead = [last + timedelta(weeks=k) for k in range(1, weeks_ahead + 1)]
    return ForecastReport(
        mission_name, str(measure), first, last, labels, len(placed), left_out, tested, predicted, ahead
    )
