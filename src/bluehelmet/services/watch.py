"""Watch: evaluate the alert rules, raise each cause once, list and acknowledge the alerts.

``run`` evaluates every enabled rule (of one mission, or of all) on a day and raises, in one
transaction, an :class:`Alert` for each cause not raised before (``Alert.key`` is unique for
its rule, deleted or acknowledged alerts included: a cause is raised once). Every alert is
written through ``services.records`` (audited) and its deliveries by e-mail and webhook are
written to the outbox in the same transaction (``services.alert_outbox`` sends them).
``after_incident`` and ``after_change`` evaluate, after a write commits (a form, the REST API,
an import), the rules that read what was written (``RULES_READING``).

A principal reads the alerts and rules ``services.access.allowed`` lets it read: a sector
account, those of its sector. It receives a rule that names its role or its account, or that
names no one (then everyone who may read it receives it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bluehelmet.domain.access import Action, Principal, permits
from bluehelmet.domain.alerts import Alert, AlertKind, AlertRule
from bluehelmet.domain.errors import BluehelmetError, NotFound
from bluehelmet.domain.incidents import Incident
from bluehelmet.domain.places import Mission
from bluehelmet.services import alert_outbox, records
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.loading import find_mission
from bluehelmet.services.watch_findings import Finding, MissionFacts, findings
from bluehelmet.storage import repository

__all__ = [
    "RULES_READING",
    "Pending",
    "Raised",
    "acknowledge",
    "after_change",
    "after_changes",
    "after_incident",
    "after_incident_needed",
    "alerts_for",
    "create_rule",
    "found_after_changes",
    "found_after_incident",
    "list_rules",
    "may_read",
    "missions_to_evaluate",
    "raise_pending",
    "receives",
    "rules_for",
    "run",
    "run_in",
    "unacknowledged_count",
]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Raised:
    """An alert as ``bluehelmet watch run --json`` prints it."""

    id: int
    rule: str
    kind: str
    severity: str
    records: list[list[Any]]
    message: str

    def value(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "severity": self.severity,
            "records": self.records,
            "message": self.message,
        }


def _missions(tx: Transaction, mission: str | None) -> list[Mission]:
    if mission is not None:
        return [find_mission(tx, mission)]
    return [m for m in records.list_records(tx, Mission) if isinstance(m, Mission)]


@dataclass(frozen=True)
class Pending:
    """The causes the rules of one mission found on a day and that were not raised when they
    were read: ``raise_pending`` raises them, in a transaction that writes (each found again
    there is left out, so a cause is still raised once)."""

    mission_id: int
    on: date
    found: tuple[tuple[int, Finding], ...]  # (the rule's id, what it found), in the rules' order


def _found(tx: Transaction, m: Mission, rules: list[AlertRule], on: date) -> Pending | None:
    """What ``rules`` of mission ``m`` find on ``on`` that was not raised before; reads only."""
    if not rules:
        return None
    facts = MissionFacts.load(tx, m.id or 0)
    out: list[tuple[int, Finding]] = []
    for rule in sorted(rules, key=lambda r: r.id or 0):
        seen = _raised_keys(tx, rule.id or 0)
        for found in findings(facts, rule, on):
            if found.key not in seen:
                seen.add(found.key)
                out.append((rule.id or 0, found))
    return Pending(m.id or 0, on, tuple(out)) if out else None


def _raised_keys(tx: Transaction, rule_id: int) -> set[str]:
    return {a.key for a in repository.find(tx.session, Alert, {"rule_id": rule_id}) if isinstance(a, Alert)}


def _raise(tx: Transaction, pending: Pending) -> list[Raised]:
    """Raise the alerts of ``pending`` (with their deliveries), but those raised since it was
    read and those of a rule since disabled or deleted."""
    raised: list[Raised] = []
    rules: dict[int, tuple[AlertRule, set[str]] | None] = {}
    for rule_id, found in pending.found:
        if rule_id not in rules:
            rule = repository.get(tx.session, AlertRule, rule_id)
            live = isinstance(rule, AlertRule) and rule.enabled and not rule.is_deleted
            rules[rule_id] = (rule, _raised_keys(tx, rule_id)) if isinstance(rule, AlertRule) and live else None
        known = rules[rule_id]
        if known is None or found.key in known[1]:
            continue
        rule, seen = known
        seen.add(found.key)
        values = {
            "mission_id": pending.mission_id,
            "sector_id": found.sector_id,
            "rule_id": rule_id,
            "kind": str(rule.kind),
            "severity": str(rule.severity),
            "key": found.key,
            "message": found.message,
            "records": [list(r) for r in found.records],
            "raised_on": pending.on.isoformat(),
            "latitude": found.latitude,
            "longitude": found.longitude,
        }
        alert = records.create(tx, Alert, values)
        assert isinstance(alert, Alert) and alert.id is not None
        alert_outbox.enqueue(tx, rule, alert)
        raised.append(Raised(alert.id, rule.name, str(rule.kind), str(rule.severity), alert.records, alert.message))
    return raised


def _evaluate(tx: Transaction, m: Mission, rules: list[AlertRule], on: date) -> list[Raised]:
    """Raise the alerts ``rules`` of mission ``m`` find on ``on`` that were not raised before."""
    pending = _found(tx, m, rules, on)
    return [] if pending is None else _raise(tx, pending)


def run_in(tx: Transaction, on: date, mission: str | None = None) -> list[Raised]:
    """Evaluate every enabled rule on ``on`` inside ``tx``; the alerts newly raised, in order."""
    raised: list[Raised] = []
    for m in _missions(tx, mission):
        rules = [
            r
            for r in records.list_records(tx, AlertRule, {"mission_id": m.id})
            if isinstance(r, AlertRule) and r.enabled
        ]
        raised += _evaluate(tx, m, rules, on)
    return raised


#: The kinds of rule a new or changed incident can make fire.
_INCIDENT_KINDS = frozenset({AlertKind.SURGE, AlertKind.PROXIMITY, AlertKind.NEAR_REPEAT})
_PLACES = frozenset({AlertKind.PROXIMITY, AlertKind.CASEVAC_COVER_LOST})

#: For each kind of record, the kinds of rule that read it: a change to one can make them fire.
RULES_READING: dict[str, frozenset[AlertKind]] = {
    "Incident": _INCIDENT_KINDS,
    "AdminArea": frozenset({AlertKind.SURGE}),
    "Activity": _PLACES,
    "Operation": _PLACES,
    "Location": _PLACES,
    "ConvoyObservation": frozenset({AlertKind.UNNOTIFIED_CONVOY}),
    "ConvoyNotification": frozenset({AlertKind.UNNOTIFIED_CONVOY}),
    "Caveat": frozenset({AlertKind.CAVEAT_IMPACT}),
    "CaveatImpact": frozenset({AlertKind.CAVEAT_IMPACT}),
    "Rotation": frozenset({AlertKind.ROTATION_IN_HIGH_TEMPO}),
    "OperationalPeriod": frozenset({AlertKind.ROTATION_IN_HIGH_TEMPO}),
    "Unit": frozenset({AlertKind.ROTATION_IN_HIGH_TEMPO, AlertKind.CASEVAC_COVER_LOST}),
    "EquipmentItem": frozenset({AlertKind.CASEVAC_COVER_LOST}),
    "EquipmentStatusChange": frozenset({AlertKind.CASEVAC_COVER_LOST}),
}


def _rules_of(tx: Transaction, mission_id: int | None, kinds: frozenset[AlertKind]) -> list[AlertRule]:
    return [
        r
        for r in records.list_records(tx, AlertRule, {"mission_id": mission_id})
        if isinstance(r, AlertRule) and r.enabled and r.kind in kinds
    ]


def after_incident(db: Database, actor: str, incident_id: int) -> list[Raised]:
    """After an incident is written: evaluate, today, the rules it can make fire (surge,
    proximity, near-repeat) of its mission, when it falls inside one of their windows (an
    incident of long ago can make none fire, and costs nothing). After the incident's
    committed, in transactions of their own: the incident is kept whatever the rules find, and
    a failure here (a database gone) is logged and left for the next run. ``found_after_incident``
    then ``raise_pending`` are the same in two steps."""
    return raise_pending(db, actor, found_after_incident(db, actor, incident_id))


def found_after_incident(db: Database, actor: str, incident_id: int) -> list[Pending]:
    """The reading half of :func:`after_incident`: what its rules find, in a transaction that
    writes nothing (so a door runs it beside the writes, not in their turn)."""
    try:
        with db.transaction(actor) as tx:
            incident = records.get(tx, Incident, incident_id)
            assert isinstance(incident, Incident)
            rules = _rules_of(tx, incident.mission_id, _INCIDENT_KINDS)
            today = tx.today
            if not any(0 <= (today - incident.event_date).days < r.period_days for r in rules):
                return []
            mission = records.get(tx, Mission, incident.mission_id)
            assert isinstance(mission, Mission)
            pending = _found(tx, mission, rules, today)
            return [] if pending is None else [pending]
    except Exception:
        _log.warning("watch: the rules after incident #%s were not evaluated (left for the next run)", incident_id,
                     exc_info=True)  # fmt: skip
        return []


def raise_pending(db: Database, actor: str, pending: Iterable[Pending]) -> list[Raised]:
    """The writing half of :func:`after_incident` and :func:`after_changes`: raise what their
    reading found (nothing written when it found nothing). A failure (another writer raising
    the same alert at the same time, a database gone) is logged and left for the next run."""
    found = [p for p in pending if p.found]
    if not found:
        return []
    try:
        with db.transaction(actor) as tx:
            return [alert for p in found for alert in _raise(tx, p)]
    except Exception:
        _log.warning("watch: the alerts found after a write were not raised (left for the next run)", exc_info=True)
        return []


def after_incident_needed(tx: Transaction, incident: Incident) -> bool:
    """Whether :func:`after_incident` could find anything for ``incident`` today: it falls inside
    the window of an enabled rule of its mission that an incident can make fire. Asked inside the
    write's own transaction, of a few columns of the rules, so that writing an incident of long
    ago costs neither the evaluation nor its transaction."""
    return bool(missions_to_evaluate(tx, [incident]))


def missions_to_evaluate(tx: Transaction, incidents: Iterable[Incident]) -> set[int]:
    """The missions whose incident rules (surge, proximity, near-repeat) any of ``incidents``
    could make fire today (:func:`after_incident_needed` for many, the rules read once a
    mission): a bulk of incidents of long ago costs no evaluation."""
    days: dict[int, set[int]] = {}
    today = tx.today
    for incident in incidents:
        days.setdefault(incident.mission_id, set()).add((today - incident.event_date).days)
    wanted = set()
    for mission_id, ages in days.items():
        windows = repository.live_values(tx.session, AlertRule, ("kind", "period_days"),
                                         {"mission_id": mission_id, "enabled": True})  # fmt: skip
        periods = [period for kind, period in windows if kind in _INCIDENT_KINDS]
        if any(0 <= age < period for age in ages for period in periods):
            wanted.add(mission_id)
    return wanted


def after_change(db: Database, actor: str, kind: str, mission_id: int | None = None) -> list[Raised]:
    """After records of ``kind`` were written (created, changed, deleted or restored through the
    API, or a whole import): evaluate, today, the rules that read that kind (``RULES_READING``;
    none: nothing is read) of ``mission_id``, or of every mission for a kind that names none.
    Once per call, so an import of any size costs one evaluation. In a transaction of its own,
    after the write committed: the write is kept whatever happens here, and a failure is logged
    and left for the next run (``watch run``, or the schedule)."""
    return after_changes(db, actor, (kind,), mission_id)


def after_changes(db: Database, actor: str, written: Iterable[str], mission_id: int | None = None) -> list[Raised]:
    """``after_change`` for records of several kinds written together (a node's sync): the rules
    that read any of them, each evaluated once (``found_after_changes`` then ``raise_pending``)."""
    return raise_pending(db, actor, found_after_changes(db, actor, written, mission_id))


def found_after_changes(
    db: Database, actor: str, written: Iterable[str], mission_id: int | None = None
) -> list[Pending]:
    """The reading half of :func:`after_changes`, in a transaction that writes nothing."""
    written = tuple(written)
    kinds = frozenset().union(*(RULES_READING.get(k, frozenset()) for k in written))
    if not kinds:
        return []
    try:
        with db.transaction(actor) as tx:
            found = (
                [records.get(tx, Mission, mission_id)] if mission_id is not None else records.list_records(tx, Mission)
            )
            missions = [m for m in found if isinstance(m, Mission)]
            pending = [_found(tx, m, _rules_of(tx, m.id, kinds), tx.today) for m in missions]
            return [p for p in pending if p is not None]
    except Exception:
        _log.warning("watch: the rules after a change of %s were not evaluated (left for the next run)",
                     ", ".join(sorted(written)), exc_info=True)  # fmt: skip
        return []


def run(db: Database, actor: str, on: date | None = None, *, mission: str | None = None) -> list[Raised]:
    """Evaluate every rule on ``on`` (default: today, UTC), in one transaction."""
    with db.transaction(actor) as tx:
        return run_in(tx, on or tx.today, mission)


def create_rule(tx: Transaction, values: Mapping[str, Any], principal: Principal | None = None) -> AlertRule:
    """Store a new rule (``values`` as JSON values, with ``mission_id``), checked and audited."""
    if principal is not None and not permits(principal, Action.WRITE, "AlertRule"):
        raise BluehelmetError("your role may not write alert rules")
    rule = records.create(tx, AlertRule, values)
    assert isinstance(rule, AlertRule)
    return rule


def list_rules(tx: Transaction, mission: str | None = None) -> list[AlertRule]:
    """Every live rule of the mission (the command line's view), by name."""
    found = find_mission(tx, mission)
    rules = records.list_records(tx, AlertRule, {"mission_id": found.id})
    return sorted((r for r in rules if isinstance(r, AlertRule)), key=lambda r: r.name)


def receives(principal: Principal, rule: AlertRule) -> bool:
    """Whether ``principal`` receives ``rule`` (named by role or account, or no one named)."""
    if not rule.recipient_roles and not rule.recipient_accounts:
        return True
    return str(principal.role) in rule.recipient_roles or principal.name in rule.recipient_accounts


def rules_for(tx: Transaction, principal: Principal, mission_id: int) -> list[AlertRule]:
    """The live rules of the mission that ``principal`` may read, by name: a sector account
    reads its sector's rules and the mission-wide ones (which it may receive)."""
    found = [
        r
        for r in records.list_records(tx, AlertRule, {"mission_id": mission_id})
        if isinstance(r, AlertRule)
        and (allowed(tx, principal, Action.READ, r) or (r.sector_id is None and permits(principal, Action.READ)))
    ]
    return sorted(found, key=lambda r: r.name)


def alerts_for(
    tx: Transaction, principal: Principal, mission_id: int, *, received_only: bool = False
) -> list[tuple[Alert, AlertRule]]:
    """The live alerts of the mission ``principal`` may read (with their rules), newest first;
    ``received_only``: only those of the rules it receives."""
    rules = {r.id: r for r in records.list_records(tx, AlertRule, {"mission_id": mission_id}, include_deleted=True)}
    out: list[tuple[Alert, AlertRule]] = []
    for alert in records.list_records(tx, Alert, {"mission_id": mission_id}):
        assert isinstance(alert, Alert)
        rule = rules.get(alert.rule_id)
        if not isinstance(rule, AlertRule) or not may_read(tx, principal, alert):
            continue
        if received_only and not receives(principal, rule):
            continue
        out.append((alert, rule))
    out.sort(key=lambda pair: (pair[0].raised_on, pair[0].id or 0), reverse=True)
    return out


def may_read(tx: Transaction, principal: Principal, alert: Alert) -> bool:
    """An alert is read where it lies and, for a sector account, only if it may read every
    record the alert names (a proximity alert in its sector may name another sector's route)."""
    if not allowed(tx, principal, Action.READ, alert):
        return False
    if not principal.scoped:
        return True
    for kind, ident in alert.records:
        try:
            found = records.get(tx, str(kind), int(ident))
        except (NotFound, BluehelmetError):
            return False
        if not allowed(tx, principal, Action.READ, found):
            return False
    return True


def unacknowledged_count(tx: Transaction, principal: Principal, mission_id: int) -> int:
    """How many alerts of the rules ``principal`` receives wait for acknowledgement."""
    return sum(1 for a, _ in alerts_for(tx, principal, mission_id, received_only=True) if not a.acknowledged)


def acknowledge(tx: Transaction, principal: Principal, alert_id: int, version: int | None = None) -> Alert:
    """Mark an alert acknowledged by ``principal`` (once; its history keeps the change). Any
    account that may read the alert may acknowledge it; an alert it may not read is not found."""
    try:
        alert = records.get(tx, Alert, alert_id)
    except NotFound:
        raise NotFound("Alert", alert_id) from None
    if not isinstance(alert, Alert) or not may_read(tx, principal, alert):
        raise NotFound("Alert", alert_id)
    if alert.acknowledged:
        return alert
    assert alert.id is not None and alert.version is not None
    changes = {"acknowledged_at": tx.now().isoformat(), "acknowledged_by": principal.name}
    updated = records.update(tx, Alert, alert.id, changes, version if version is not None else alert.version)
    assert isinstance(updated, Alert)
    return updated
