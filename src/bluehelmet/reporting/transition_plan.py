"""Section (c), the integrated strategic framework and the transition plan: its activities by
phase of the road map, those late or delayed and why, and the joint programmes."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from bluehelmet.domain.transition import JointProgramme, TransitionActivity
from bluehelmet.reporting.model import Day, Names, Paragraph, Section, Sentence, Text, Value
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
            Np_("{count} activity is late or delayed.", "{count} activities are late or delayed."),
            {"count": n},
            "count",
        )
    )
    # the delayed activities told together, grouped by the reason given for them
    by_reason: dict[str, list[TransitionActivity]] = defaultdict(list)
    for b in behind:
        if b.title in by_title:
            by_reason[by_title[b.title].delay_reason.strip()].append(by_title[b.title])
    for reason, activities in by_reason.items():
        titles = tuple(Text(_initial_lower(a.title), a.title_fr) for a in activities)
        because = scope.quotable(reason, activities[0].delay_reason_fr) if reason else None
        if because is None:
            out.append(Sentence(N_("There have been delays in {titles}."), {"titles": Names(titles)}))
        else:
            out.append(
                Sentence(
                    N_("There have been delays in {titles}, as {reason}."),
                    {"titles": Names(titles), "reason": because},
                )
            )
    return out


def _initial_lower(title: str) -> str:
    """A record's title as it reads inside a sentence: "the analysis of ...", not "Analysis of ..."
    (an acronym or a name keeps its capital)."""
    first = title.split(" ", 1)[0]
    if len(first) > 1 and first[1:].islower():
        return "the " + title[:1].lower() + title[1:]
    return "the " + title


def _programmes(scope: Scope) -> list[Sentence]:
    out = []
    for p in sorted(scope.live(JointProgramme), key=lambda p: (p.start_on or date.min, p.name)):
        if not scope.overlaps(p.start_on, p.end_on):
            continue
        french = p.aims_fr if len(p.aims_fr) == len(p.aims) else [""] * len(p.aims)
        values: dict[str, Value] = {
            "places": Names(tuple(w for i in p.location_ids if (w := scope.where(i)))),
            "partners": Names(tuple(T(x) for x in p.partners)),
            "aims": Names(tuple(Text(a, f) for a, f in zip(p.aims, french, strict=True))),
        }
        out.append(Sentence(N_("In {places}, {partners} run a joint programme for {aims}."), values))
    return out


def transition(scope: Scope) -> Section:
    parts = {"transition.activities": _activities(scope), "transition.programmes": _programmes(scope)}
    paragraphs = tuple(Paragraph(tuple(p), key) for key, p in parts.items() if p)
    return Section("transition", N_("(c) Integrated strategic framework and transition plan"), paragraphs)
