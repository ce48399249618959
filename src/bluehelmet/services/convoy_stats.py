"""Convoy compliance as every door asks for it: the `stats convoys` command, the pages, the letter.

Notifications and observations number in the hundreds, so they are read whole in one
transaction and analysed by ``bluehelmet.analytics.convoys``.
"""

from __future__ import annotations

from datetime import date

from bluehelmet.analytics.convoys import ComplianceRow, ConvoySummary, MonthCount, Trend, convoy_summary
from bluehelmet.domain.convoys import NOTIFICATION_VEHICLE_THRESHOLD, ConvoyNotification, ConvoyObservation
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services.database import Database
from bluehelmet.services.loading import find_mission
from bluehelmet.services.records import list_records

__all__ = ["ComplianceRow", "ConvoySummary", "MonthCount", "Trend", "convoys"]


def convoys(
    db: Database,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    threshold: int = NOTIFICATION_VEHICLE_THRESHOLD,
    window: int = 3,
    mission: str | None = None,
    actor: str = "stats",
) -> ConvoySummary:
    """Observed convoys that needed notice and were notified beforehand, by month and armed
    group, with notifications by month and both trends (``window`` months at each end).

    The period defaults to the first and last day of any notification or observation.
    """
    if window < 1:
        raise BluehelmetError("the trend window is at least one month")
    with db.transaction(actor) as tx:
        scope = {"mission_id": find_mission(tx, mission).id}
        notices = [n for n in list_records(tx, ConvoyNotification, scope) if isinstance(n, ConvoyNotification)]
        seen = [o for o in list_records(tx, ConvoyObservation, scope) if isinstance(o, ConvoyObservation)]
    days = [n.notified_on for n in notices] + [o.observed_on for o in seen]
    first = date_from or (min(days) if days else None)
    last = date_to or (max(days) if days else None)
    if first is None or last is None:
        raise BluehelmetError("no convoy notifications or observations yet: give --from and --to")
    if last < first:
        raise BluehelmetError(f"--to {last} is before --from {first}")
    return convoy_summary(seen, notices, first, last, threshold=threshold, window=window)
