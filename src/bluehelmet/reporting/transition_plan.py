"""Section (c), the integrated strategic framework and the transition plan: its activities by
phase of the road map, those late or delayed and why, and the joint programmes."""

from __future__ import annotations

from datetime import date

from bluehelmet.domain.transition import JointProgramme, TransitionActivity
from bluehelmet.reporting.model import Day, Names, Paragraph, Section, Sentence, Value
from bluehelmet.reporting.model import Text as T
from bluehelmet.reporting.scope import Scope, evidence, figure
from bluehelmet.reporting.wording import N_, Np_
from bluehelmet.services import plan_stats

__all__ = ["transition"]


def _activities(scope: Scope) -> list[Sentence]:
    summary = plan_stats.transition(scope.db, on=scope.date_to, mission=scope.mission_name)
    if not summary.activities:
        return [Sentence(N_("No activity of the transition plan is recorded."))]
    rows = scope.live(TransitionActivity)
    by_title = {a.title: a for a in rows}
    total = figure(
        "transition.activities",
        summary.activities,
        N_("Activities of the transition plan: counted."),
        evidence("TransitionActivity", [a.id for a in rows]),
    )
    phases = figure(
        "transition.phases",
        len(summary.by_phase),
        N_("Distinct phases of the road map among the activities."),
        evidence("TransitionActivity", [a.id for a in rows]),
    )
    out = [
        Sentence(
            N_("The transition plan holds {count} activities in {phases} phases of the road map."),
            {"count": total, "phases": phases},
        )
    ]
    behind = summary.behind
    if not behind:
        out.append(Sentence(N_("No activity is late or delayed.")))
        return out
    n = figure(
        "transition.behind",
        len(behind),
        N_("Activities delayed, or past their due date and not completed, on {day}: counted."),
        evidence("TransitionActivity", [by_title[b.title].id for b in behind if b.title in by_title]),
        day=Day(scope.date_to),
    )
    out.append(
        Sentence(
            Np_("{count} activity is late or delayed:", "{count} activities are late or delayed:"),
            {"count": n},
            "count",
        )
    )
    for b in behind:
        values: dict[str, Value] = {"title": T(b.title), "owner": T(b.owner)}
        if b.delay_reason:
            values["reason"] = T(b.delay_reason.rstrip("."))
            out.append(Sentence(N_("{title} ({owner}): {reason}."), values))
        elif b.due_on is not None:
            values["due"] = Day(b.due_on)
            out.append(Sentence(N_("{title} ({owner}): due on {due}."), values))
        else:
            out.append(Sentence(N_("{title} ({owner})."), values))
    return out


def _programmes(scope: Scope) -> list[Sentence]:
    out = []
    for p in sorted(scope.live(JointProgramme), key=lambda p: (p.start_on or date.min, p.name)):
        if not scope.overlaps(p.start_on, p.end_on):
            continue
        values: dict[str, Value] = {
            "name": T(p.name),
            "places": Names(scope.places(p.location_ids)),
            "partners": Names(tuple(T(x) for x in p.partners)),
            "aims": Names(tuple(T(a) for a in p.aims)),
        }
        out.append(Sentence(N_("The joint programme {name} in {places}, with {partners}, works on {aims}."), values))
    return out


def transition(scope: Scope) -> Section:
    parts = [_activities(scope), _programmes(scope)]
    paragraphs = tuple(Paragraph(tuple(p)) for p in parts if p)
    return Section("transition", N_("(c) Integrated strategic framework and transition plan"), paragraphs)
