"""Incident analysis: groupings, period comparisons, weekly rates before and after, IED summary.

The database does the grouping, down to the labels and order of the answer; ``fold`` says in
plain Python what that folding is (the tests hold the database to it). The functions here
also compare periods and compute rates with their uncertainty.
A ``Tally`` always counts events (each incident once) and sums each event's toll once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from bluehelmet.domain.incidents import TOLL_TALLIES

__all__ = [
    "DATE_KEYS",
    "TALLY_FIELDS",
    "GroupKey",
    "IedSummary",
    "KnownSum",
    "PeriodChange",
    "RateChange",
    "Tally",
    "date_key",
    "finest_period",
    "fold",
    "known_sum",
    "percent_change",
    "rate_change",
]

#: The sums kept for every group, besides the number of events: each toll's recorded values
#: added up, then the number of events whose value is not recorded (``fatalities_unknown``).
TALLY_FIELDS = TOLL_TALLIES


class GroupKey(StrEnum):
    YEAR = "year"
    MONTH = "month"
    WEEK = "week"
    DAY = "day"
    EVENT_TYPE = "event_type"
    SUB_EVENT_TYPE = "sub_event_type"
    CATEGORY = "category"
    ADMIN1 = "admin1"
    ADMIN2 = "admin2"
    LOCATION = "location"
    SECTOR = "sector"
    TARGET = "target"
    PERPETRATOR = "perpetrator"


DATE_KEYS = frozenset({GroupKey.YEAR, GroupKey.MONTH, GroupKey.WEEK, GroupKey.DAY})


def date_key(key: GroupKey, day: date) -> str:
    """A day's label under a date key: ``2021``, ``2021-04``, ``2021-W14`` (ISO week), ``2021-04-02``."""
    if key == GroupKey.YEAR:
        return f"{day.year:04d}"
    if key == GroupKey.MONTH:
        return f"{day.year:04d}-{day.month:02d}"
    if key == GroupKey.WEEK:
        iso = day.isocalendar()
        return f"{iso.year:04d}-W{iso.week:02d}"
    return day.isoformat()


@dataclass
class Tally:
    """Events and their toll, for one group."""

    events: int = 0
    sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TALLY_FIELDS, 0))

    def add(self, events: int, sums: Mapping[str, int]) -> None:
        self.events += events
        for name in TALLY_FIELDS:
            self.sums[name] += int(sums.get(name) or 0)


def finest_period(keys: Sequence[GroupKey]) -> GroupKey | None:
    """The date period the database must group by to serve ``keys``: a week needs days (weeks
    cross months), otherwise the finest of day, month and year asked for."""
    for period in (GroupKey.DAY, GroupKey.WEEK, GroupKey.MONTH, GroupKey.YEAR):
        if period in keys:
            return GroupKey.DAY if period == GroupKey.WEEK else period
    return None


def _relabel(key: GroupKey, text: str) -> str:
    """A period given by the database as text (``2021-04-02``, ``2021-W14``, ``2021-04`` or
    ``2021``) under the same or a coarser key."""
    if key == GroupKey.WEEK:
        return text if "W" in text else date_key(key, date.fromisoformat(text))
    return text[: {GroupKey.YEAR: 4, GroupKey.MONTH: 7, GroupKey.DAY: 10}[key]]


#: The period labels a grouped row may carry, finest first.
_PERIODS = (GroupKey.DAY.value, GroupKey.WEEK.value, GroupKey.MONTH.value, GroupKey.YEAR.value)


def _period_of(values: Mapping[str, object]) -> str:
    for name in _PERIODS:
        raw = values.get(name)
        if raw is not None:
            return raw.isoformat() if isinstance(raw, date) else str(raw)
    raise ValueError(f"a grouped row without its period: {dict(values)}")


def fold(
    rows: Iterable[tuple[Mapping[str, object], int, Mapping[str, int]]], keys: Sequence[GroupKey]
) -> list[tuple[dict[str, str | None], Tally]]:
    """Fold grouped rows into the requested keys, sorted by the keys in order.

    Each input row is (its values: the period the database grouped by, under its name (day,
    week, month or year: fine enough for the keys), plus the non-date keys; the number of
    events; the sums). Date keys are derived from that period; rows that fall into the same
    requested group are added together. Missing values sort first and show as None.
    """
    groups: dict[tuple[str | None, ...], Tally] = {}
    for values, events, sums in rows:
        label: list[str | None] = []
        for key in keys:
            if key in DATE_KEYS:
                label.append(_relabel(key, _period_of(values)))
            else:
                value = values.get(key)
                label.append(None if value in (None, "") else str(value))
        groups.setdefault(tuple(label), Tally()).add(events, sums)
    ordered = sorted(groups.items(), key=lambda item: tuple((v is not None, v or "") for v in item[0]))
    return [(dict(zip(keys, label, strict=True)), tally) for label, tally in ordered]


@dataclass(frozen=True)
class PeriodChange:
    """A measure in a period against the same period a year earlier."""

    current: int
    previous: int
    change_percent: float | None  # None when the previous period had none
    #: The events of each period whose measure is not recorded (``current`` and ``previous`` add
    #: the recorded values only): a change over periods with gaps compares what is known.
    current_unknown: int = 0
    previous_unknown: int = 0


def percent_change(current: int, previous: int, current_unknown: int = 0, previous_unknown: int = 0) -> PeriodChange:
    """``(current - previous) / previous`` in per cent (the letter's "34 per cent fewer" is -34)."""
    change = None if previous == 0 else 100.0 * (current - previous) / previous
    return PeriodChange(current, previous, change, current_unknown, previous_unknown)


@dataclass(frozen=True)
class RateChange:
    """Weekly rates before and after a date, and the ratio after/before with its 95% interval.

    The interval treats the two counts as Poisson and uses the normal approximation on the log
    of the ratio (adequate from about five events on each side; with none on either side the
    ratio and its interval are None).
    """

    before_events: int
    before_weeks: float
    after_events: int
    after_weeks: float
    rate_before: float
    rate_after: float
    ratio: float | None
    ratio_low: float | None
    ratio_high: float | None


def rate_change(before_events: int, before_weeks: float, after_events: int, after_weeks: float) -> RateChange:
    if before_weeks <= 0 or after_weeks <= 0:
        raise ValueError("both periods must last some time")
    rate_before, rate_after = before_events / before_weeks, after_events / after_weeks
    if before_events == 0 or after_events == 0:
        return RateChange(
            before_events, before_weeks, after_events, after_weeks, rate_before, rate_after, None, None, None
        )
    ratio = rate_after / rate_before
    spread = 1.959963984540054 * math.sqrt(1 / before_events + 1 / after_events)
    return RateChange(
        before_events, before_weeks, after_events, after_weeks, rate_before, rate_after,
        ratio, ratio * math.exp(-spread), ratio * math.exp(spread),
    )  # fmt: skip


@dataclass(frozen=True)
class IedSummary:
    """IEDs in a period: in the whole country, against the mission, and how those ended."""

    in_country: int
    against_mission: int
    neutralised: int
    detonated: int


@dataclass(frozen=True)
class KnownSum:
    """A toll (or tolls added together) over some events, with its gap: ``value`` adds the values
    recorded; ``unknown`` is the number of events some of whose values are not recorded (for one
    toll exactly; for several, at least that many: the largest of their counts, as the rows give
    no more). ``recorded`` is False when no event has the toll recorded at all."""

    value: int
    unknown: int
    events: int

    @property
    def complete(self) -> bool:
        return self.unknown == 0

    @property
    def recorded(self) -> bool:
        return self.events == 0 or self.unknown < self.events


def known_sum(row: Mapping[str, int], tolls: Sequence[str]) -> KnownSum:
    """The ``tolls`` of a ``stats incidents`` row (events, each toll and its ``*_unknown``) as one
    figure that knows its gap."""
    value = sum(int(row.get(t) or 0) for t in tolls)
    unknown = max((int(row.get(f"{t}_unknown") or 0) for t in tolls), default=0)
    return KnownSum(value, unknown, int(row.get("events") or 0))
