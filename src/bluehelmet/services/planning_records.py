"""What the Planning page shows beside a plan from the records: who last set each recorded
rotation's days, and when (a plan saved from the page names its planner here)."""

from __future__ import annotations

from datetime import datetime

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.rotations import Rotation
from bluehelmet.planning.rotations import RotatingUnit
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database
from bluehelmet.services.records import get

__all__ = ["RotatingUnit", "last_changed"]


def last_changed(
    db: Database, record_ids: list[int], principal: Principal, actor: str = "planning"
) -> dict[int, tuple[str | None, datetime | None]]:
    """For each Rotation record of ``record_ids`` that ``principal`` may read: who last changed it
    (or created it) and when."""
    found: dict[int, tuple[str | None, datetime | None]] = {}
    with db.transaction(actor) as tx:
        for ident in record_ids:
            record = get(tx, Rotation, ident)
            if principal.limited and not allowed(tx, principal, Action.READ, record):
                continue
            found[ident] = (record.updated_by or record.created_by, record.updated_at or record.created_at)
    return found
