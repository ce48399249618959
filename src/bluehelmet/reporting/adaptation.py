"""Section (a), the adaptation plan and the coordination of security presences: capabilities
arriving and missing, camp works, units not yet in place, and the coordination bodies."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from bluehelmet.domain.capabilities import CapabilityRequirement, InfrastructureProject, ProjectMilestone
from bluehelmet.domain.coordination import CoordinationBody, CoordinationMeeting
from bluehelmet.domain.units import DeploymentStatus, Unit, UnitType
from bluehelmet.reporting.model import Day, Names, Paragraph, Section, Sentence, Style, Term, Value
from bluehelmet.reporting.model import Text as T
from bluehelmet.reporting.scope import Scope, evidence, figure
from bluehelmet.reporting.wording import N_, Np_
from bluehelmet.services import plan_stats

__all__ = ["adaptation_plan", "coordination"]


def _arriving(scope: Scope) -> list[Sentence]:
    """Requirements of sectors that start after the period, grouped by when they are due."""
    later: dict[tuple[date, date | None], list[CapabilityRequirement]] = defaultdict(list)
    for r in scope.live(CapabilityRequirement):
        if r.sector_id is not None and r.needed_from is not None and r.needed_from > scope.date_to:
            later[(r.needed_from, r.needed_by)].append(r)
    out = []
    for (start, end), rows in sorted(later.items()):
        capabilities = Names(tuple(Term(c) for c in sorted({str(r.capability) for r in rows})))
        ids = sorted({r.sector_id for r in rows}, key=scope.sector)
        sectors = Names(tuple(s for i in ids if (s := scope.sector_place(i))))
        values: dict[str, Value] = {"capabilities": capabilities, "sectors": sectors, "start": Day(start)}
        if end is None:
            out.append(Sentence(N_("From {start}, {capabilities} are to deploy to {sectors}."), values))
        else:
            values["end"] = Day(end)
            out.append(Sentence(N_("Between {start} and {end}, {capabilities} are to deploy to {sectors}."), values))
    return out


def _gaps(scope: Scope) -> list[Sentence]:
    open_gaps = [
        g
        for g in plan_stats.capabilities(scope.db, open_only=True, mission=scope.mission_name)
        if g.sector is None and (g.needed_from is None or g.needed_from <= scope.date_to)
    ]
    out = []
    requirements = [r for r in scope.live(CapabilityRequirement) if r.sector_id is None]
    surgical = UnitType.FORWARD_SURGICAL_TEAM.value
    missing = [g for g in open_gaps if g.capability != surgical]
    if missing:
        ids = [r.id for r in requirements if str(r.capability) in {str(g.capability) for g in missing}]
        n = figure(
            "capabilities.gaps",
            len(missing),
            N_("Mission-wide capability requirements with fewer units deployed than required: counted."),
            evidence("CapabilityRequirement", ids),
        )
        out.append(
            Sentence(
                Np_(
                    "{count} capability gap remains: {capabilities}.", "{count} capability gaps remain: {capabilities}."
                ),
                {"count": n, "capabilities": Names(tuple(Term(str(g.capability)) for g in missing))},
                "count",
            )
        )
    units = scope.live(Unit)
    task_force = [u for u in units if u.mobile_task_force and u.parent_id is None]
    with_team = {u.parent_id for u in units if u.unit_type == surgical and u.deployment_status != "repatriated"}
    lacking = [u for u in task_force if u.id not in with_team]
    if task_force and lacking:
        method = N_(
            "Units of the mobile task force (top-level units) without a forward surgical team among their "
            "sub-units: counted."
        )
        out.append(
            Sentence(
                N_("{lacking} of the {total} units of the mobile task force still lack a forward surgical team."),
                {
                    "lacking": figure(
                        "mtf.without_surgery", len(lacking), method, evidence("Unit", [u.id for u in lacking])
                    ),
                    "total": figure(
                        "mtf.units",
                        len(task_force),
                        N_("Top-level units of the mobile task force: counted."),
                        evidence("Unit", [u.id for u in task_force]),
                    ),
                },
            )
        )
    return out


def _camps(scope: Scope) -> list[Sentence]:
    """Camp works not finished before the period, with their milestones."""
    out = []
    milestones = sorted(scope.live(ProjectMilestone), key=lambda m: (m.start_on or m.due_on or date.max, m.id or 0))
    for p in sorted(scope.live(InfrastructureProject), key=lambda p: (p.due_on or date.max, p.name)):
        if p.completed_on is not None and p.completed_on < scope.date_from:
            continue
        # the project by its kind and place, never by its name (which may carry a typed area)
        values: dict[str, Value] = {"kind": Term(str(p.kind)), "place": scope.where(p.location_id) or T("")}
        if p.hectares:
            values["hectares"] = figure(
                f"project.{p.id}.hectares",
                p.hectares,
                N_("The project's area, as recorded."),
                evidence("InfrastructureProject", [p.id]),
                style=Style.DECIMAL,
            )
            if p.completed_on is not None:
                message = N_("The {kind} of {hectares} hectares in {place} was completed on {day}.")
            elif p.due_on is not None:
                message = N_("The {kind} of {hectares} hectares in {place} is due by {day}.")
            else:
                message = N_("The {kind} of {hectares} hectares in {place} is under way.")
        elif p.completed_on is not None:
            message = N_("The {kind} in {place} was completed on {day}.")
        elif p.due_on is not None:
            message = N_("The {kind} in {place} is due by {day}.")
        else:
            message = N_("The {kind} in {place} is under way.")
        day = p.completed_on or p.due_on
        out.append(Sentence(message, {**values, "day": Day(day)} if day else values))
        for m in milestones:
            if m.project_id == p.id and m.completed_on is None and m.start_on and m.due_on:
                step = scope.quotable(m.name, m.name_fr)
                if step is not None:
                    out.append(
                        Sentence(
                            N_("{milestone} from {start} to {end}."),
                            {"milestone": step, "start": Day(m.start_on), "end": Day(m.due_on)},
                        )
                    )
    return out


def _not_in_place(scope: Scope) -> list[Sentence]:
    """Units of which only an advance team has arrived."""
    out = []
    for u in sorted(scope.live(Unit), key=lambda u: u.name):
        if u.deployment_status != DeploymentStatus.ADVANCE_TEAM_ONLY:
            continue
        values: dict[str, Value] = {"unit": Names((scope.described(u),))}
        if u.deployed_strength is None:  # the advance team's size is not recorded: no figure, never 0
            message = (
                N_("Only the advance team of {unit} has been present since {since}.")
                if u.status_since
                else N_("Only the advance team of {unit} is present.")
            )
        else:
            values["strength"] = figure(
                f"unit.{u.id}.advance_team",
                u.deployed_strength,
                N_("The unit's deployed strength, as recorded."),
                evidence("Unit", [u.id]),
            )
            message = (
                N_("Only the {strength:d}-member advance team of {unit} has been present since {since}.")
                if u.status_since
                else N_("Only the {strength:d}-member advance team of {unit} is present.")
            )
        if u.status_since is not None:
            values["since"] = Day(u.status_since)
        out.append(Sentence(message, values))
        reason = scope.quotable(u.status_reason, u.status_reason_fr)
        if reason is not None:
            out.append(
                Sentence(N_("The deployment of the rest of the unit is held up because {reason}."), {"reason": reason})
            )
    return out


def adaptation_plan(scope: Scope) -> Section:
    parts = {
        "adaptation.arriving": _arriving(scope),
        "adaptation.camps": _camps(scope),
        "adaptation.gaps": _gaps(scope),
        "adaptation.advance_teams": _not_in_place(scope),
    }
    paragraphs = tuple(Paragraph(tuple(p), key) for key, p in parts.items() if p)
    if not paragraphs:
        paragraphs = (
            Paragraph((Sentence(N_("No capability requirement or camp work is recorded.")),), "adaptation.none"),
        )
    return Section("adaptation", N_("Implementation of the adaptation plan"), paragraphs)


def _name(body: CoordinationBody) -> T:
    """A body's name: a proper name when it has no French one (the Instance de coordination au
    Mali is called so in every language), else English words with their French."""
    return T(body.name) if not body.name_fr else T(body.name, body.name_fr)


def coordination(scope: Scope) -> Section:
    meetings = scope.live(CoordinationMeeting)
    sentences = []
    for body in sorted(scope.live(CoordinationBody), key=lambda b: (b.established_on or date.min, b.name)):
        if not scope.overlaps(body.established_on, body.dissolved_on):
            continue
        french = body.partners_fr if len(body.partners_fr) == len(body.partners) else [""] * len(body.partners)
        partners = Names(tuple(T(p, fr) for p, fr in zip(body.partners, french, strict=True)))
        if scope.within(body.established_on):
            sentences.append(
                Sentence(
                    N_("On {day}, the {name} was set up with {partners}."),
                    {"day": Day(body.established_on or scope.date_from), "name": _name(body), "partners": partners},
                )
            )
        else:
            sentences.append(
                Sentence(N_("The {name} brings together {partners}."), {"name": _name(body), "partners": partners})
            )
        held = [m for m in meetings if m.body_id == body.id and scope.within(m.held_on)]
        if held:
            n = figure(
                f"coordination.{body.id}.meetings",
                len(held),
                N_("Meetings of the body in the period: counted."),
                evidence("CoordinationMeeting", [m.id for m in held]),
            )
            sentences.append(
                Sentence(
                    Np_("It met {count} time in the period.", "It met {count} times in the period."),
                    {"count": n},
                    "count",
                )
            )
    if not sentences:
        sentences.append(Sentence(N_("No coordination body is recorded for the period.")))
    return Section(
        "coordination", N_("Coordination of security presences"), (Paragraph(tuple(sentences), "coordination"),)
    )
