"""The rules a mission starts with: a surge rule per admin-2 area (cercle) it records, a
proximity rule for its convoy routes, operations and bases, and one rule per pattern (CASEVAC
cover lost among them: on the reference mission it raises nothing, as no medical or helicopter
unit there is recorded unavailable).

Added by name: a rule already there (or deleted by someone: a choice to keep) is left as it
is, so loading the reference mission again changes nothing.
"""

from __future__ import annotations

from typing import Any

from bluehelmet.domain.alerts import AlertKind, AlertRule, ProximityTarget, Severity
from bluehelmet.domain.places import AdminArea, AdminLevel
from bluehelmet.services import records
from bluehelmet.services.database import Transaction
from bluehelmet.storage import repository

__all__ = ["default_rules", "ensure_default_rules"]

_PROVENANCE = "bluehelmet default rules (docs/watch.md)"


def default_rules(tx: Transaction, mission_id: int) -> list[dict[str, Any]]:
    """The default rules of a mission, as values for ``records.create``."""
    areas = [a for a in records.list_records(tx, AdminArea, {"mission_id": mission_id}) if isinstance(a, AdminArea)]
    names = {a.id: a.name for a in areas}
    base = {"mission_id": mission_id, "provenance": _PROVENANCE}
    rules: list[dict[str, Any]] = []
    for area in sorted(
        (a for a in areas if a.level == AdminLevel.ADMIN2), key=lambda a: (names.get(a.parent_id, ""), a.name)
    ):
        region = names.get(area.parent_id, "")
        rules.append({
            **base,
            "name": f"Surge: {area.name}" + (f" ({region})" if region else ""),
            "kind": str(AlertKind.SURGE),
            "severity": str(Severity.WARNING),
            "admin_area_id": area.id,
            "period_days": 28,
            "baseline_years": 3,
            "level": 0.01,
            "recipient_roles": ["analyst", "sector"],
            "description": "Incidents in the cercle over the last 28 days against the same days of the previous "
            "one to three years (those recorded).",
        })  # fmt: skip
    rules += [
        {
            **base,
            "name": "IEDs, attacks and blockages near convoy routes, operations and bases",
            "kind": str(AlertKind.PROXIMITY),
            "severity": str(Severity.CRITICAL),
            "distance_km": 10.0,
            "days_ahead": 7,
            "period_days": 7,
            "targets": [str(t) for t in ProximityTarget],
            "recipient_roles": ["analyst", "sector", "admin"],
        },
        {
            **base,
            "name": "IED cluster forming",
            "kind": str(AlertKind.NEAR_REPEAT),
            "severity": str(Severity.WARNING),
            "distance_km": 5.0,
            "near_repeat_days": 14,
            "min_size": 3,
            "period_days": 14,
        },
        {
            **base,
            "name": "Armed-group convoy without notification",
            "kind": str(AlertKind.UNNOTIFIED_CONVOY),
            "severity": str(Severity.WARNING),
            "period_days": 14,
        },
        {
            **base,
            "name": "Rotation planned inside a high-tempo period",
            "kind": str(AlertKind.ROTATION_IN_HIGH_TEMPO),
            "severity": str(Severity.WARNING),
            "days_ahead": 90,
        },
        {
            **base,
            "name": "CASEVAC cover lost",
            "kind": str(AlertKind.CASEVAC_COVER_LOST),
            "severity": str(Severity.CRITICAL),
            "period_days": 28,
            "days_ahead": 7,
            "recipient_roles": ["analyst", "sector", "admin"],
            "description": "A helicopter or medical unit repatriated, or every helicopter of its unit unserviceable, "
            "that leaves bases, camps or the next 7 days' places and routes beyond 10-1-2.",
        },
        {
            **base,
            "name": "Caveat impact recorded",
            "kind": str(AlertKind.CAVEAT_IMPACT),
            "severity": str(Severity.INFO),
            "period_days": 30,
        },
    ]
    return rules


def ensure_default_rules(tx: Transaction, mission_id: int) -> int:
    """Add the default rules the mission does not have by name; how many were added."""
    have = {
        r.name for r in repository.find(tx.session, AlertRule, {"mission_id": mission_id}) if isinstance(r, AlertRule)
    }
    added = 0
    for values in default_rules(tx, mission_id):
        if values["name"] not in have:
            records.create(tx, AlertRule, values)
            added += 1
    return added
