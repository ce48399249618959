"""The incident report as an XLSForm, for ODK Collect and KoboToolbox (``bluehelmet form incident``).

The form carries the mission's vocabularies (ACLED's event types; the sub-event types, filtered by
the event type chosen with a ``choice_filter``; the mission's categories and targets) and its
places (one choice per location, named ``loc_<id>`` so an import finds the record again, plus
"another place" with a text for it). A toll left empty is unknown, not zero. Choices are named
by code (``code_of``): the import reads them back to the vocabulary's values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from io import BytesIO
from typing import Any

from openpyxl import Workbook

from bluehelmet.domain.incidents import SUB_EVENT_TYPES, EventType, IncidentCategory, Target
from bluehelmet.domain.places import Location
from bluehelmet.services.database import Transaction
from bluehelmet.services.loading import find_mission
from bluehelmet.storage import repository

__all__ = ["FORM_ID", "OTHER_PLACE", "TOLLS", "code_of", "incident_form", "place_choice"]

FORM_ID = "bluehelmet_incident"
OTHER_PLACE = "other"
#: The tolls the form asks for (each may be left empty: not known).
TOLLS = ("fatalities", "killed_peacekeepers", "injured_peacekeepers", "killed_civilians", "injured_civilians")
_EN, _FR = "label::English (en)", "label::Français (fr)"


def code_of(value: str) -> str:
    """A vocabulary value as an XLSForm choice name: ``Explosions/Remote violence`` ->
    ``explosions_remote_violence``."""
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


def place_choice(location_id: int) -> str:
    return f"loc_{location_id}"


_QUESTIONS: tuple[tuple[str, str, str, str, dict[str, str]], ...] = (
    ("start", "start", "", "", {}),
    ("end", "end", "", "", {}),
    ("date", "event_date", "Date of the incident", "Date de l'incident",
     {"required": "yes", "constraint": ". <= today()"}),
    ("time", "event_time", "Time (if known)", "Heure (si connue)", {}),
    ("select_one event_type", "event_type", "Type of event", "Type d'événement", {"required": "yes"}),
    ("select_one sub_event_type", "sub_event_type", "Sub-type", "Sous-type",
     {"required": "yes", "choice_filter": "event_type=${event_type}"}),
    ("select_one category", "category", "Category (if one fits)", "Catégorie (si l'une convient)", {}),
    ("select_one target", "target", "Target", "Cible", {}),
    ("select_one place", "place", "Place", "Lieu", {"required": "yes"}),
    ("text", "place_other", "Name of the place", "Nom du lieu",
     {"relevant": f"${{place}} = '{OTHER_PLACE}'", "required": "yes"}),
    ("geopoint", "position", "Position (if you are there)", "Position (si vous y êtes)", {}),
    *((("integer", toll, toll.replace("_", " ").capitalize() + " (leave empty if not known)",
        toll.replace("_", " ").capitalize() + " (laisser vide si inconnu)", {"constraint": ". >= 0"}))
      for toll in TOLLS),
    ("text", "description", "What happened", "Ce qui s'est passé", {"appearance": "multiline"}),
    ("image", "photo", "Photo", "Photo", {}),
    ("audio", "recording", "Voice note", "Message vocal", {}),
)  # fmt: skip


def _choices(places: Iterable[Location]) -> list[dict[str, str]]:
    rows = [{"list_name": "event_type", "name": code_of(e.value), _EN: e.value, _FR: e.value} for e in EventType]
    for event_type, subs in SUB_EVENT_TYPES.items():
        for sub in sorted(subs, key=lambda s: s.value):
            rows.append({"list_name": "sub_event_type", "name": code_of(sub.value),
                         _EN: sub.value, _FR: sub.value, "event_type": code_of(event_type.value)})  # fmt: skip
    rows += [{"list_name": "category", "name": c.value, _EN: c.value.replace("_", " "), _FR: c.value.replace("_", " ")}
             for c in IncidentCategory]  # fmt: skip
    rows += [{"list_name": "target", "name": t.value, _EN: t.value.replace("_", " "), _FR: t.value.replace("_", " ")}
             for t in Target]  # fmt: skip
    for place in places:
        assert place.id is not None
        rows.append({"list_name": "place", "name": place_choice(place.id), _EN: place.name,
                     _FR: place.name_fr or place.name})  # fmt: skip
    rows.append({"list_name": "place", "name": OTHER_PLACE, _EN: "Another place", _FR: "Un autre lieu"})
    return rows


def _sheet(book: Workbook, title: str, rows: list[dict[str, str]], columns: list[str]) -> None:
    sheet = book.create_sheet(title)
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(column, "") for column in columns])


def incident_form(tx: Transaction, *, mission: str | None = None, today: date | None = None) -> bytes:
    """The XLSForm of the incident report for the mission, as the bytes of an .xlsx file."""
    found = find_mission(tx, mission)
    places = sorted(
        (p for p in repository.select_records(tx.session, Location, {"mission_id": found.id})
         if isinstance(p, Location) and not p.is_deleted),
        key=lambda p: p.name,
    )  # fmt: skip
    survey: list[dict[str, Any]] = []
    for kind, name, english, french, extra in _QUESTIONS:
        survey.append({"type": kind, "name": name, _EN: english, _FR: french, **extra})
    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    extra_columns = ["required", "relevant", "constraint", "choice_filter", "appearance"]
    _sheet(book, "survey", survey, ["type", "name", _EN, _FR, *extra_columns])
    _sheet(book, "choices", _choices(places), ["list_name", "name", _EN, _FR, "event_type"])
    stamp = (today or tx.today).strftime("%Y%m%d")
    settings = {"form_title": f"{found.name}: incident report", "form_id": FORM_ID, "version": stamp,
                "default_language": "English (en)"}  # fmt: skip
    _sheet(book, "settings", [settings], list(settings))
    out = BytesIO()
    book.save(out)
    return out.getvalue()
