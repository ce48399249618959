"""Caveats as every door asks for them: the `stats caveats` command, the pages, the letter.

The caveat tables are small (hundreds of records), so they are read whole in one transaction
and analysed in Python by ``bluehelmet.analytics.caveats``.
"""

from __future__ import annotations

from datetime import date

from bluehelmet.analytics.caveats import CaveatStatement, CaveatSummary, caveat_summary, describe_statement
from bluehelmet.domain.caveats import Caveat, CaveatImpact
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.operations import Operation
from bluehelmet.domain.units import Unit
from bluehelmet.services.database import Database
from bluehelmet.services.loading import find_mission
from bluehelmet.services.records import list_records

__all__ = ["CaveatStatement", "CaveatSummary", "caveats", "describe_statement"]


def caveats(
    db: Database,
    *,
    on: date | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    mission: str | None = None,
    actor: str = "stats",
) -> CaveatSummary:
    """Caveats in force on ``on`` (default today) by component and unit type, the sentences the
    letter states about them, and the impacts recorded from ``date_from`` to ``date_to`` (inclusive)."""
    if date_from and date_to and date_to < date_from:
        raise BluehelmetError(f"--to {date_to} is before --from {date_from}")
    with db.transaction(actor) as tx:
        mission_id = find_mission(tx, mission).id
        scope = {"mission_id": mission_id}
        units = [u for u in list_records(tx, Unit, scope) if isinstance(u, Unit)]
        found = [c for c in list_records(tx, Caveat, scope) if isinstance(c, Caveat)]
        ids = {c.id for c in found}
        impacts = [
            i
            for i in list_records(tx, CaveatImpact)
            if isinstance(i, CaveatImpact)
            and i.caveat_id in ids
            and (date_from is None or i.occurred_on >= date_from)
            and (date_to is None or i.occurred_on <= date_to)
        ]
        operations = {o.id: o.name for o in list_records(tx, Operation, scope) if isinstance(o, Operation)}
        return caveat_summary(
            found, units, impacts, on or tx.today, operation_name=lambda i: operations.get(i) if i else None
        )
