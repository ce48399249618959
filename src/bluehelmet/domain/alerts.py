"""Alert rules and the alerts they raise: what the mission watches for, kept as records.

An :class:`AlertRule` is owned by a mission (and, when it names one, a sector), has a severity
and the people who receive it (roles and accounts in the application, e-mail addresses,
webhooks). Its kind says what it watches for; its other fields are that kind's parameters.
An :class:`Alert` is raised once per cause: its ``key`` names the cause (an area and period, an
incident near a route, a cluster's first IED...) and is unique for its rule, so evaluating the
rules again with nothing changed raises nothing. It names the records behind it and keeps who
acknowledged it and when (its audit history keeps every change).

Pure: the tests that decide whether a rule fires are here (``surge_test``,
``distance_to_route_km``); ``services.watch`` reads the records and stores the alerts.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from bluehelmet.domain.distance import EARTH_RADIUS_KM, distance_km
from bluehelmet.domain.records import Record, ref

__all__ = [
    "Alert",
    "AlertKind",
    "AlertRule",
    "Measure",
    "ProximityTarget",
    "Severity",
    "SurgeTest",
    "distance_to_route_km",
    "poisson_upper_tail",
    "rule_problems",
    "surge_test",
]


class AlertKind(StrEnum):
    """What a rule watches for."""

    SURGE = "surge"  # more incidents (or fatalities) in an area than it saw in past years
    PROXIMITY = "proximity"  # an IED, attack or blockage near a planned route, an operation, a base
    NEAR_REPEAT = "near_repeat"  # an IED cluster forming
    UNNOTIFIED_CONVOY = "unnotified_convoy"  # an armed group's convoy that needed notice and had none
    CAVEAT_IMPACT = "caveat_impact"  # a caveat's impact recorded
    ROTATION_IN_HIGH_TEMPO = "rotation_in_high_tempo"  # a rotation planned inside a high-tempo period
    CASEVAC_COVER_LOST = "casevac_cover_lost"  # an asset unavailable leaves places beyond 10-1-2


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Measure(StrEnum):
    """What a surge rule counts."""

    INCIDENTS = "incidents"
    FATALITIES = "fatalities"


class ProximityTarget(StrEnum):
    """What a proximity rule protects."""

    CONVOY_ROUTES = "convoy_routes"  # activities with a start and an end place, in the coming days
    OPERATIONS = "operations"  # the places of operations running in the coming days
    BASES = "bases"  # camps, temporary operating bases and airfields


@dataclass(kw_only=True)
class AlertRule(Record):
    """A rule of the mission (or of one sector of it: ``sector_id``), evaluated by ``bluehelmet
    watch run`` and after incidents are written.

    - surge: ``measure`` of incidents (of ``categories``, all when empty) in ``admin_area_id`` (else
      the sector, else the mission) over the last ``period_days`` against the same days of each
      of the previous ``baseline_years`` years; fires when the count exceeds every baseline year
      and a one-sided Poisson rate-ratio test rejects equal rates at ``level``.
    - proximity: an incident of ``categories`` in the last ``period_days`` within ``distance_km``
      of a ``targets`` (routes and operations planned in the next ``days_ahead`` days, bases).
    - near_repeat: a cluster of at least ``min_size`` IEDs within ``distance_km`` and
      ``near_repeat_days`` of one another, its last IED in the last ``period_days``.
    - unnotified_convoy, caveat_impact: each such record of the last ``period_days``.
    - rotation_in_high_tempo: a rotation planned to start in the next ``days_ahead`` days whose
      planned days meet a high-tempo operational period of its sector or of the mission.
    - casevac_cover_lost: a medical or helicopter unit unavailable on the day (repatriating or
      repatriated, or every helicopter it has recorded unserviceable) since at most
      ``period_days`` that leaves places (bases, camps, places and routes of the next
      ``days_ahead`` days) beyond the 10-1-2 targets they met with it.
    """

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "name"),)

    mission_id: int = ref("Mission")
    sector_id: int | None = ref("Sector", optional=True)
    name: str
    kind: AlertKind
    severity: Severity = Severity.WARNING
    enabled: bool = True
    description: str = ""
    #: Who receives it in the application: roles (``analyst``...) and account names.
    recipient_roles: list[str] = field(default_factory=list)
    recipient_accounts: list[str] = field(default_factory=list)
    #: Where it is delivered beyond the application.
    emails: list[str] = field(default_factory=list)
    webhooks: list[str] = field(default_factory=list)
    admin_area_id: int | None = ref("AdminArea", optional=True)
    categories: list[str] = field(default_factory=list)
    measure: Measure = Measure.INCIDENTS
    period_days: int = 28
    baseline_years: int = 3
    level: float = 0.01
    distance_km: float = 10.0
    days_ahead: int = 7
    targets: list[str] = field(default_factory=list)
    min_size: int = 3
    near_repeat_days: int = 14


@dataclass(kw_only=True)
class Alert(Record):
    """One cause a rule found: raised once (``key`` is unique for the rule), acknowledged once."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("rule_id", "key"),)
    label_field: ClassVar[str] = "key"

    mission_id: int = ref("Mission")
    sector_id: int | None = ref("Sector", optional=True)
    rule_id: int = ref("AlertRule")
    kind: AlertKind
    severity: Severity
    key: str
    message: str
    #: The records behind it: ``[[kind, id], ...]``.
    records: list[list[Any]] = field(default_factory=list)
    raised_on: date
    latitude: float | None = None
    longitude: float | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


def poisson_upper_tail(count: int, total: int, share: float) -> float:
    """P(X >= count) for X ~ Binomial(total, share): the one-sided p-value of the conditional
    test of two Poisson rates (the current period's count given the total, under equal rates)."""
    if count <= 0:
        return 1.0
    if count > total:
        return 0.0
    if share >= 1:
        return 1.0
    if share <= 0:
        return 0.0
    log_p, log_q = math.log(share), math.log1p(-share)
    terms = [
        math.lgamma(total + 1) - math.lgamma(k + 1) - math.lgamma(total - k + 1) + k * log_p + (total - k) * log_q
        for k in range(count, total + 1)
    ]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


@dataclass(frozen=True)
class SurgeTest:
    """The current period's count against the same days of past years."""

    current: int
    baselines: tuple[int, ...]
    p_value: float
    fires: bool

    @property
    def baseline_mean(self) -> float:
        return sum(self.baselines) / len(self.baselines) if self.baselines else math.nan


def surge_test(current: int, baselines: Sequence[int], level: float) -> SurgeTest:
    """Whether ``current`` is a surge: above every baseline year, and the rate ratio against
    their mean significant at ``level`` (one-sided). With no baseline year nothing fires:
    a history that was not recorded is unknown, not zero."""
    base = tuple(baselines)
    if not base:
        return SurgeTest(current, base, 1.0, False)
    p = poisson_upper_tail(current, current + sum(base), 1 / (1 + len(base)))
    return SurgeTest(current, base, p, current > max(base) and p < level)


def _segment_km(lat: float, lon: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance from a point to the segment a-b, on a plane tangent at the point (exact enough
    for the tens of kilometres a proximity rule reads)."""
    scale = math.radians(1) * EARTH_RADIUS_KM
    cos = math.cos(math.radians(lat))
    ax, ay = (a[1] - lon) * cos * scale, (a[0] - lat) * scale
    bx, by = (b[1] - lon) * cos * scale, (b[0] - lat) * scale
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length))
    return math.hypot(ax + t * dx, ay + t * dy)


def distance_to_route_km(latitude: float, longitude: float, route: Sequence[tuple[float, float]]) -> float:
    """The shortest distance from a point to a route given as places in order (one place: the
    distance to it); infinite for an empty route."""
    if not route:
        return math.inf
    if len(route) == 1:
        return distance_km(latitude, longitude, route[0][0], route[0][1])
    return min(_segment_km(latitude, longitude, a, b) for a, b in itertools.pairwise(route))


#: The roles a rule may name as recipients (``domain.access.Role``'s values).
_ROLES = frozenset({"admin", "analyst", "sector", "evaluator", "reporting", "viewer"})


def rule_problems(rule: AlertRule, categories: frozenset[str]) -> list[tuple[str, str]]:
    """(field, reason) for every parameter of ``rule`` that cannot work; ``categories`` are the
    incident categories a rule may name."""
    out: list[tuple[str, str]] = []
    if not 1 <= rule.period_days <= 366:
        out.append(("period_days", "must be from 1 to 366 days"))
    if not 1 <= rule.baseline_years <= 3:
        out.append(("baseline_years", "must be 1, 2 or 3 years"))
    if not (0 < rule.level < 1):
        out.append(("level", "must be between 0 and 1 (for example 0.01)"))
    if not (0 < rule.distance_km <= 500):
        out.append(("distance_km", "must be more than 0 and at most 500 km"))
    if not 0 <= rule.days_ahead <= 90:
        out.append(("days_ahead", "must be from 0 to 90 days"))
    if not 2 <= rule.min_size <= 100:
        out.append(("min_size", "must be from 2 to 100 incidents"))
    if not 0 <= rule.near_repeat_days <= 90:
        out.append(("near_repeat_days", "must be from 0 to 90 days"))
    unknown = sorted(set(rule.categories) - categories)
    if unknown:
        out.append(("categories", f"unknown incident categories: {', '.join(unknown)}"))
    targets = sorted(set(rule.targets) - {str(t) for t in ProximityTarget})
    if targets:
        out.append(("targets", f"unknown targets: {', '.join(targets)} (known: convoy_routes, operations, bases)"))
    roles = sorted(set(rule.recipient_roles) - _ROLES)
    if roles:
        out.append(("recipient_roles", f"unknown roles: {', '.join(roles)}"))
    for address in rule.emails:
        if address.count("@") != 1 or any(c.isspace() or c in "<>,;" for c in address) or len(address) > 254:
            out.append(("emails", f"'{address[:80]}' is not an e-mail address"))
    for url in rule.webhooks:
        if not url.startswith(("http://", "https://")) or any(c.isspace() for c in url) or len(url) > 2000:
            out.append(("webhooks", f"'{url[:80]}' is not an http(s) address"))
    return out
