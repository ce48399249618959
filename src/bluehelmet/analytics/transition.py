"""The transition road map: which activities are late or delayed on a given day, and why.

*Late* is computed: due before the day and neither completed nor cancelled. *Delayed* is the
status the planners gave, which always carries a reason. An activity can be both, or either.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bluehelmet.domain.transition import ActivityStatus, OwnerKind, RoadMapPhase, TransitionActivity

__all__ = ["ActivityState", "GroupCount", "TransitionSummary", "activity_state", "transition_summary"]

_CLOSED = frozenset({ActivityStatus.COMPLETED, ActivityStatus.CANCELLED})


@dataclass(frozen=True)
class ActivityState:
    title: str
    road_map_phase: RoadMapPhase
    owner_kind: OwnerKind
    owner: str
    status: ActivityStatus
    due_on: date | None
    completed_on: date | None
    late: bool
    delayed: bool
    #: Days past the due date on the day asked (or at completion, for one completed late).
    days_late: int | None
    delay_reason: str


def activity_state(activity: TransitionActivity, on: date) -> ActivityState:
    due = activity.due_on
    late = due is not None and due < on and activity.status not in _CLOSED
    days_late = None
    if due is not None and late:
        days_late = (on - due).days
    elif due is not None and activity.completed_on is not None and activity.completed_on > due:
        days_late = (activity.completed_on - due).days
    return ActivityState(
        activity.title, activity.road_map_phase, activity.owner_kind, activity.owner, activity.status,
        due, activity.completed_on, late, activity.status == ActivityStatus.DELAYED, days_late,
        activity.delay_reason,
    )  # fmt: skip


@dataclass(frozen=True)
class GroupCount:
    """Activities of a road-map phase or an owner: all of them, and those late or delayed."""

    key: str
    activities: int
    late_or_delayed: int


@dataclass(frozen=True)
class TransitionSummary:
    on: date
    activities: int
    #: The activities late or delayed, by phase then due date.
    behind: list[ActivityState]
    by_phase: list[GroupCount]
    by_owner: list[GroupCount]


def _groups(states: Sequence[ActivityState], key: str) -> list[GroupCount]:
    total = Counter(str(getattr(s, key)) for s in states)
    behind = Counter(str(getattr(s, key)) for s in states if s.late or s.delayed)
    return [GroupCount(k, total[k], behind[k]) for k in sorted(total)]


def transition_summary(activities: Sequence[TransitionActivity], on: date) -> TransitionSummary:
    states = [activity_state(a, on) for a in activities]
    behind = [s for s in states if s.late or s.delayed]
    behind.sort(key=lambda s: (s.road_map_phase, s.due_on is None, s.due_on or on, s.title))
    return TransitionSummary(on, len(states), behind, _groups(states, "road_map_phase"), _groups(states, "owner"))
