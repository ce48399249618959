"""Operation Farrier's convoy rule: how many observed convoys that needed notice were notified
beforehand, by month and by armed group, and how notifications and compliance trend.

An observed convoy *needed* notice when ``requires_notification`` says so; it was *notified
beforehand* when it is linked to a notification made on or before the day it was seen. The
trend is the least-squares slope over the months (per month) and the change from the first
months to the last ones: the letter's "significant decline in notifications" is a negative
slope and a large fall between the two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from bluehelmet.domain.convoys import (
    NOTIFICATION_VEHICLE_THRESHOLD,
    ConvoyNotification,
    ConvoyObservation,
    requires_notification,
)

__all__ = [
    "ComplianceRow",
    "ConvoySummary",
    "MonthCount",
    "Trend",
    "compliance",
    "convoy_summary",
    "month_of",
    "months_between",
    "notified_beforehand",
    "slope",
    "trend",
]


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: date, last: date) -> list[str]:
    """Every month from ``first``'s to ``last``'s, as ``YYYY-MM``."""
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def notified_beforehand(observation: ConvoyObservation, notifications: Mapping[int, ConvoyNotification]) -> bool:
    notice = notifications.get(observation.notification_id) if observation.notification_id is not None else None
    return notice is not None and notice.notified_on <= observation.observed_on


@dataclass(frozen=True)
class ComplianceRow:
    """Observed convoys of a group (a month, an armed group, or all): how many needed notice and
    how many of those were notified beforehand; ``share`` is None when none needed notice.
    ``need_unknown`` counts the convoys whose need cannot be judged (vehicles not recorded, no heavy
    weapons): neither needing notice nor exempt, they are counted apart, never as compliant."""

    key: str | None
    observed: int
    needing_notice: int
    notified: int
    need_unknown: int = 0
    breaches: int = field(init=False)
    share: float | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "breaches", self.needing_notice - self.notified)
        object.__setattr__(self, "share", None if self.needing_notice == 0 else self.notified / self.needing_notice)


def compliance(
    observations: Iterable[ConvoyObservation],
    notifications: Mapping[int, ConvoyNotification],
    key: Callable[[ConvoyObservation], str | None],
    *,
    keys: Sequence[str] = (),
    threshold: int = NOTIFICATION_VEHICLE_THRESHOLD,
) -> list[ComplianceRow]:
    """Compliance grouped by ``key``, sorted by key; ``keys`` are listed even when empty."""
    tallies: dict[str | None, list[int]] = {k: [0, 0, 0, 0] for k in keys}
    for obs in observations:
        tally = tallies.setdefault(key(obs), [0, 0, 0, 0])
        tally[0] += 1
        if requires_notification(obs.vehicles, obs.heavy_weapons, threshold):
            tally[1] += 1
            tally[2] += notified_beforehand(obs, notifications)
        elif obs.vehicles is None:
            tally[3] += 1
    ordered = sorted(tallies.items(), key=lambda item: (item[0] is None, item[0] or ""))
    return [ComplianceRow(k, *t) for k, t in ordered]


def slope(points: Sequence[tuple[float, float]]) -> float | None:
    """The least-squares slope of y on x; None with fewer than two distinct x."""
    if len({x for x, _ in points}) < 2:
        return None
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


@dataclass(frozen=True)
class Trend:
    """A monthly series' direction: slope per month, and the mean of its first ``window``
    months against that of its last ``window`` months."""

    slope_per_month: float | None
    first_mean: float | None
    last_mean: float | None
    change_percent: float | None
    #: A negative slope and a last mean below the first.
    declined: bool = field(init=False)

    def __post_init__(self) -> None:
        falling = self.slope_per_month is not None and self.slope_per_month < 0
        lower = self.first_mean is not None and self.last_mean is not None and self.last_mean < self.first_mean
        object.__setattr__(self, "declined", falling and lower)


def trend(values: Sequence[float | None], window: int = 3) -> Trend:
    """The trend of a monthly series; months without a value (None) are left out."""
    points = [(float(i), float(v)) for i, v in enumerate(values) if v is not None]
    if not points:
        return Trend(None, None, None, None)
    span = max(1, min(window, len(points) // 2))
    first = sum(y for _, y in points[:span]) / span
    last = sum(y for _, y in points[-span:]) / span
    change = None if first == 0 else 100.0 * (last - first) / first
    return Trend(slope(points), first, last, change)


@dataclass(frozen=True)
class MonthCount:
    month: str
    notifications: int


@dataclass(frozen=True)
class ConvoySummary:
    months: list[str]
    total: ComplianceRow
    by_month: list[ComplianceRow]
    by_armed_group: list[ComplianceRow]
    notifications_by_month: list[MonthCount]
    notification_trend: Trend
    compliance_trend: Trend


def convoy_summary(
    observations: Sequence[ConvoyObservation],
    notifications: Sequence[ConvoyNotification],
    first: date,
    last: date,
    *,
    threshold: int = NOTIFICATION_VEHICLE_THRESHOLD,
    window: int = 3,
) -> ConvoySummary:
    """Compliance and notifications from ``first`` to ``last`` (inclusive), month by month.

    ``notifications`` must include those that observations in the period link to, even if
    made before ``first``; only those made in the period are counted by month.
    """
    months = months_between(first, last)
    seen = [o for o in observations if first <= o.observed_on <= last]
    by_id = {n.id: n for n in notifications if n.id is not None}
    by_month = compliance(seen, by_id, lambda o: month_of(o.observed_on), keys=months, threshold=threshold)
    counts = dict.fromkeys(months, 0)
    for n in notifications:
        if first <= n.notified_on <= last:
            counts[month_of(n.notified_on)] += 1
    return ConvoySummary(
        months=months,
        total=compliance(seen, by_id, lambda _: None, keys=(), threshold=threshold)[0]
        if seen
        else ComplianceRow(None, 0, 0, 0),
        by_month=by_month,
        by_armed_group=compliance(seen, by_id, lambda o: o.armed_group, threshold=threshold),
        notifications_by_month=[MonthCount(m, counts[m]) for m in months],
        notification_trend=trend([counts[m] for m in months], window),
        compliance_trend=trend([row.share for row in by_month], window),
    )
