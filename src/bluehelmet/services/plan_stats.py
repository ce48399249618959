"""The adaptation plan and the transition plan as every door asks for them: capability gaps
(`stats capabilities`) and late or delayed transition activities (`stats transition`).

Requirements, units and activities are few, so they are read whole in one transaction and
analysed by ``bluehelmet.analytics.capabilities`` and ``bluehelmet.analytics.transition``.
"""

from __future__ import annotations

from datetime import date

from bluehelmet.analytics.capabilities import CapabilityGap, capability_gaps
from bluehelmet.analytics.transition import ActivityState, GroupCount, TransitionSummary, transition_summary
from bluehelmet.domain.capabilities import CapabilityRequirement
from bluehelmet.domain.places import Sector
from bluehelmet.domain.transition import TransitionActivity
from bluehelmet.domain.units import Unit
from bluehelmet.services.database import Database
from bluehelmet.services.loading import find_mission
from bluehelmet.services.records import list_records

__all__ = ["ActivityState", "CapabilityGap", "GroupCount", "TransitionSummary", "capabilities", "transition"]


def capabilities(
    db: Database, *, open_only: bool = False, mission: str | None = None, actor: str = "stats"
) -> list[CapabilityGap]:
    """Every capability requirement against the units deployed and pledged (only those with a
    gap today when ``open_only``), mission-wide requirements first, then by sector."""
    with db.transaction(actor) as tx:
        scope = {"mission_id": find_mission(tx, mission).id}
        sectors = {s.id or 0: s.name for s in list_records(tx, Sector, scope) if isinstance(s, Sector)}
        units = [u for u in list_records(tx, Unit, scope) if isinstance(u, Unit)]
        required = [r for r in list_records(tx, CapabilityRequirement, scope) if isinstance(r, CapabilityRequirement)]
    rows = capability_gaps(required, units, sectors)
    return [r for r in rows if r.gap > 0] if open_only else rows


def transition(
    db: Database, *, on: date | None = None, mission: str | None = None, actor: str = "stats"
) -> TransitionSummary:
    """Transition activities late (due before ``on``, default today, and not done) or delayed,
    with their reasons, and counts by road-map phase and by owner."""
    with db.transaction(actor) as tx:
        scope = {"mission_id": find_mission(tx, mission).id}
        activities = [a for a in list_records(tx, TransitionActivity, scope) if isinstance(a, TransitionActivity)]
        day = on or tx.today
    return transition_summary(activities, day)
