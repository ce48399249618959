"""Patterns a rule watches for beyond incidents: a rotation planned inside a high-tempo period.

The S/2021/520 pattern: the rotation plan avoids "high" operational periods, and two battalions
rotated together when contributors did not follow it. A planned rotation (not yet started) whose
planned days meet a high-tempo period of its unit's sector (or of the whole mission), starting
within the rule's ``days_ahead``, is a cause, once per rotation and period.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bluehelmet.domain.alerts import AlertRule
from bluehelmet.domain.rotations import OperationalPeriod, Rotation, Tempo
from bluehelmet.services import records
from bluehelmet.services.access import sectors_of
from bluehelmet.services.database import Transaction

__all__ = ["RotationFinding", "rotations_in_high_tempo"]

#: (key, message, records, sector) of one rotation inside a high-tempo period.
RotationFinding = tuple[str, str, list[tuple[str, int]], int | None]


def rotations_in_high_tempo(tx: Transaction, mission_id: int, rule: AlertRule, on: date) -> list[RotationFinding]:
    horizon = on + timedelta(days=max(rule.days_ahead, 0))
    periods = [
        p
        for p in records.list_records(tx, OperationalPeriod, {"mission_id": mission_id})
        if isinstance(p, OperationalPeriod) and p.tempo == Tempo.HIGH
    ]
    out: list[RotationFinding] = []
    for rotation in records.list_records(tx, Rotation, {"mission_id": mission_id}):
        assert isinstance(rotation, Rotation)
        if rotation.actual_start is not None or not on <= rotation.planned_start <= horizon:
            continue
        sectors: Any = sectors_of(tx, rotation) or set()
        if rule.sector_id is not None and rule.sector_id not in sectors:
            continue
        for period in periods:
            if period.sector_id is not None and period.sector_id not in sectors:
                continue
            if rotation.planned_start > period.end_on or rotation.planned_end < period.start_on:
                continue
            message = (
                f"rotation planned from {rotation.planned_start.isoformat()} to {rotation.planned_end.isoformat()} "
                f"inside the high-tempo period {period.name or ''} ({period.start_on.isoformat()} to "
                f"{period.end_on.isoformat()})"
            ).replace("period  (", "period (")
            sector = (
                period.sector_id
                if period.sector_id is not None
                else (next(iter(sectors)) if len(sectors) == 1 else None)
            )
            out.append(
                (
                    f"Rotation {rotation.id}:OperationalPeriod {period.id}",
                    message,
                    [("Rotation", rotation.id or 0), ("OperationalPeriod", period.id or 0)],
                    sector,
                )
            )
    return out
