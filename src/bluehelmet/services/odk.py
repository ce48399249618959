"""Bringing in the submissions of the incident form (ODK Collect, KoboToolbox) as draft incidents.

Each submission becomes one draft incident (``review_status`` draft, provenance ``odk submission
<instance id>``) whose ``external_id`` is the submission's instance id, so a submission imported
twice (the same export again, or a later export that holds it) is recognised and left alone:
each submission comes in once. Its photo and voice note become attachments of the incident
(``services.attachments``: checked by their bytes, kept with their SHA-256).

All or nothing: every submission is read and checked; if any is refused (a missing media file,
a value the vocabulary does not know, a rule of the incidents) nothing is written and every
problem is reported with the submission's row, its field and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from bluehelmet.domain.errors import BluehelmetError, InvalidRecord
from bluehelmet.domain.incidents import SUB_EVENT_TYPES, EventType, Incident, IncidentCategory, ReviewStatus, Target
from bluehelmet.domain.intake import ODK_PROVENANCE
from bluehelmet.domain.places import Location
from bluehelmet.services import attachments, records
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.loading import find_mission
from bluehelmet.services.odk_form import OTHER_PLACE, TOLLS, code_of
from bluehelmet.storage import repository

__all__ = ["OdkRefused", "OdkReport", "Submission", "import_submissions"]

_EVENTS = {code_of(e.value): e for e in EventType}
_SUBS = {code_of(s.value): (s, e) for e, subs in SUB_EVENT_TYPES.items() for s in subs}
_MEDIA = ("photo", "recording")


@dataclass(frozen=True)
class Submission:
    """One submission as exported: its values by question name (text), and the content of each
    media file it names (None: the file is not in the export)."""

    values: dict[str, str]
    media: dict[str, bytes | None] = field(default_factory=dict)


@dataclass(frozen=True)
class OdkReport:
    """What an import did: submissions read, drafts made, submissions already in, files kept."""

    submissions: int
    created: int
    already_imported: int
    attachments: int
    incident_ids: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"submissions": self.submissions, "created": self.created, "already_imported": self.already_imported,
                "attachments": self.attachments, "incident_ids": list(self.incident_ids)}  # fmt: skip


class OdkRefused(BluehelmetError):
    """Submissions refused, nothing written: every problem, one per line."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{source}: {len(problems)} problem(s), nothing was written\n{shown}{more}")


def _instance(values: dict[str, str]) -> str:
    return values.get("instanceID") or values.get("KEY") or (f"uuid:{values['_uuid']}" if values.get("_uuid") else "")


def _count(values: dict[str, str], name: str) -> int | None:
    text = values.get(name, "").strip()
    if not text:
        return None  # not answered: unknown, never zero
    number = float(text)
    if number != int(number) or number < 0 or number > 1_000_000:
        raise ValueError(f"'{text}' is not a count")
    return int(number)


def _values(tx: Transaction, mission_id: int, values: dict[str, str], instance: str) -> dict[str, Any]:
    """The draft incident a submission describes; ValueError (field, reason) on a bad value."""
    event = _EVENTS.get(values.get("event_type", ""))
    if event is None:
        raise ValueError(f"event_type: '{values.get('event_type', '')}' is not an event type of the form")
    sub = _SUBS.get(values.get("sub_event_type", ""))
    if sub is None or sub[1] != event:
        raise ValueError(f"sub_event_type: '{values.get('sub_event_type', '')}' is not a sub-type of {event.value}")
    day = date.fromisoformat(values.get("event_date", "")[:10])
    clock = values.get("event_time", "")[:8]
    out: dict[str, Any] = {
        "mission_id": mission_id, "external_id": instance, "event_date": day.isoformat(),
        "event_time": time.fromisoformat(clock).isoformat() if clock else None,
        "event_type": event.value, "sub_event_type": sub[0].value,
        "category": IncidentCategory(values["category"]).value if values.get("category") else None,
        "target": Target(values["target"]).value if values.get("target") else None,
        "notes": values.get("description", ""), "review_status": ReviewStatus.DRAFT.value,
        "source": f"ODK submission by {values.get('SubmitterName') or values.get('_submitted_by') or 'a patrol'}",
        "provenance": f"{ODK_PROVENANCE}{instance}",
    }  # fmt: skip
    for toll in TOLLS:
        out[toll] = _count(values, toll)
    place = values.get("place", "")
    if place.startswith("loc_") and place[4:].isdigit():
        location = repository.get(tx.session, Location, int(place[4:]))
        if not isinstance(location, Location) or location.mission_id != mission_id or location.is_deleted:
            raise ValueError(f"place: '{place}' is not a place of the mission (the form is older than the places?)")
        out.update(location_id=location.id, location_name=location.name, sector_id=location.sector_id,
                   latitude=location.latitude, longitude=location.longitude)  # fmt: skip
    elif place == OTHER_PLACE or not place:
        out.update(location_name=values.get("place_other", "").strip(), geo_precision="near")
    else:
        raise ValueError(f"place: '{place}' is not a place of the form")
    point = values.get("position", "").split()
    if len(point) >= 2:
        out.update(latitude=float(point[0]), longitude=float(point[1]), geo_precision="exact")
    return out


def _one(tx: Transaction, mission_id: int, submission: Submission, where: str) -> tuple[Incident | None, int]:
    values = submission.values
    instance = _instance(values)
    if not instance:
        raise ValueError("instanceID: the submission has no instance id (meta-instanceID, KEY or _uuid)")
    held = repository.find(tx.session, Incident, {"mission_id": mission_id, "external_id": instance})
    if held:
        return None, 0
    for name, content in submission.media.items():
        if content is None:
            raise ValueError(f"media: the file '{name}' is not in the export (download it with the media files)")
    created = records.create(tx, Incident, _values(tx, mission_id, values, instance))
    assert isinstance(created, Incident) and created.id is not None
    kept = 0
    for name, content in submission.media.items():
        assert content is not None
        attachments.attach(tx, "Incident", created.id, content, filename=name, provenance=f"{where} {instance}")
        kept += 1
    return created, kept


def import_submissions(
    db: Database, actor: str, submissions: list[Submission], *, source: str, mission: str | None = None
) -> OdkReport:
    """Bring ``submissions`` in as draft incidents, all or nothing (OdkRefused lists every problem)."""
    problems: list[str] = []
    created: list[int] = []
    already = kept = 0
    with db.transaction(actor) as tx:
        mission_id = find_mission(tx, mission).id
        assert mission_id is not None
        seen: set[str] = set()
        for row, submission in enumerate(submissions, start=1):
            where = f"submission {row}"
            instance = _instance(submission.values)
            if instance and instance in seen:
                already += 1  # the same submission twice in one export: once is enough
                continue
            seen.add(instance)
            try:
                incident, files = _one(tx, mission_id, submission, source)
            except (ValueError, KeyError) as error:
                problems.append(f"{where}: {error}")
                continue
            except InvalidRecord as error:
                problems += [f"{where}: {p.field}: {p.reason}" for p in error.problems]
                continue
            except BluehelmetError as error:
                problems.append(f"{where}: {error}")
                continue
            if incident is None:
                already += 1
            else:
                assert incident.id is not None
                created.append(incident.id)
                kept += files
        if problems:
            raise OdkRefused(source, problems)  # leaving the transaction undoes it all
    if created:  # the alert rules that read incidents, once for the whole import, after it committed
        from bluehelmet.services import watch  # noqa: PLC0415 - watch reads missions through loading

        watch.after_change(db, actor, "Incident", mission_id)
    return OdkReport(len(submissions), len(created), already, kept, tuple(created))
