"""How an ACLED event becomes an Incident: the mapping the ACLED and HXL imports share.

Cells map onto Incident fields as docs/imports.md tables them: the event and sub-event types
verbatim (ACLED's spelling, any case), precision codes 1/2/3 as day/week/month and
exact/near/region, the place as text plus a link to the mission's gazetteer when exactly one
Location has that name, the actors, inter codes (numbers, or the words newer files write), and
the toll. ``category`` and ``target`` are derived only where ACLED's coding makes them obvious.

A **problem** refuses the row (and so the whole file): an unknown event or sub-event type, a
date or number that is not one, a precision code other than 1-3, a lone latitude or longitude,
a coordinate outside the mission's country (its shipped admin-1 boundaries, 1 km tolerance).
A **warning** accepts the row and reports it: a coordinate in another region than ``admin1``
names, an ``admin1`` that is no known region, rows of one event that disagree, an event with
more than two actors, an event without an id.

On update (the event is already recorded): the review status is left as the analyst set it
(it is set to the origin's status only on creation), and so are a category or target the
mapping cannot derive and every field ACLED has no column for. An event met again later in the
same file keeps the actors written from its earlier rows. Whether an event was met earlier in
this load is kept in a Bloom filter of fixed size (2 MiB): memory stays constant for any file;
a false positive (about 1 in 1,000 at a million events) only merges in actors stored by an
earlier import of the same event.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

import numpy as np

from bluehelmet.domain.errors import Problem
from bluehelmet.domain.incidents import EventType, Incident, IncidentCategory, ReviewStatus, SubEventType, Target
from bluehelmet.domain.places import Mission
from bluehelmet.geography import Boundaries, normalise
from bluehelmet.services import records
from bluehelmet.services.loading import Resolver

if TYPE_CHECKING:
    from bluehelmet.imports.acled import AcledEvent

__all__ = ["ACLED", "Origin", "convert_event", "inter_code", "load_state", "parse_acled_date"]

_PRECISION = {"time_precision": ("day", "week", "month"), "geo_precision": ("exact", "near", "region")}
# ACLED's actor types, for files that write inter1/inter2/interaction as words (2024 onwards),
# in the singular form _Row.inter reduces them to.
_INTER = {"state force": 1, "rebel group": 2, "political militia": 3, "identity militia": 4, "rioter": 5,
          "protester": 6, "civilian": 7, "external other force": 8}  # fmt: skip
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                        "dec"), start=1)}  # fmt: skip
_ACLED_DATE = re.compile(r"^(\d{1,2})[ -]([A-Za-z]+)[ ,-]+(\d{4})$")
_IED = re.compile(r"\bIEDs?\b|improvised explosive", re.IGNORECASE)
_MISSION_ACTOR = re.compile(r"MINUSMA|United Nations", re.IGNORECASE)
_EVENT_TYPES = {normalise(t.value): t for t in EventType}
_SUB_EVENT_TYPES = {normalise(t.value): t for t in SubEventType}
# Only the sub-event types whose category no analyst would dispute; the rest stay empty.
_CATEGORIES = {
    SubEventType.REMOTE_EXPLOSIVE: IncidentCategory.IED_DETONATED,
    SubEventType.SHELLING_ARTILLERY_MISSILE: IncidentCategory.INDIRECT_FIRE,
    SubEventType.ABDUCTION: IncidentCategory.ABDUCTION,
}


def parse_acled_date(text: str) -> date | None:
    """``2021-01-15``, ``2021-01-15 00:00:00``, ``15 January 2021``, ``15-Jan-2021``, or None.

    Month names are read in English whatever the machine's locale: ACLED writes English.
    """
    text = text.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    match = _ACLED_DATE.match(text)
    month = _MONTHS.get(match.group(2)[:3].lower()) if match else None
    if match is None or month is None:
        return None
    try:
        return date(int(match.group(3)), month, int(match.group(1)))
    except ValueError:
        return None


def inter_code(text: str, column: str) -> int | None:
    """The code of an actor type (``inter1``, ``inter2``) or an interaction written as ACLED's
    number or as words ("State forces-Civilians"); ValueError if it is neither."""
    if not text or text.isdigit():
        return int(text) if text else None
    words = [normalise(part).removesuffix(" only").removesuffix("s") for part in text.split("-")]
    codes = sorted(code for code in (_INTER.get(w) for w in words) if code is not None)
    if len(codes) != len(words) or len(codes) > (2 if column == "interaction" else 1):
        raise ValueError(text)
    if column != "interaction":
        return codes[0]
    return codes[0] * 10 + (codes[1] if len(codes) == 2 else 0)  # "Rebel group only" is 20


@dataclass(frozen=True)
class Origin:
    """Where an import's incidents come from: their provenance (None: the load's source) and
    the review status a new incident gets (None: the default, draft)."""

    provenance: str | None
    review_status: ReviewStatus | None


#: ACLED's data is curated by ACLED's researchers: its events arrive verified.
ACLED = Origin("ACLED", ReviewStatus.VERIFIED)


class _SeenEvents:
    """A Bloom filter of event ids: ``bits`` bits (2**24 by default: 2 MB), four positions
    each from the id's 64-bit string hash (the process's own: the filter lives for one load
    in one process). It may say "met" of an id that was not, never "not met" of one that was."""

    def __init__(self, bits: int = 1 << 24) -> None:
        self._size = bits
        self._bits = np.zeros(bits // 8, dtype=np.uint8)

    def _positions(self, hashes: np.ndarray) -> np.ndarray:
        """The four bit positions of each hash (double hashing over its two 32-bit halves)."""
        low, high = hashes & np.uint64(0xFFFFFFFF), (hashes >> np.uint64(32)) | np.uint64(1)
        steps = np.arange(4, dtype=np.uint64)
        return (low[:, None] + steps[None, :] * high[:, None]) % np.uint64(self._size)

    def add(self, key: str) -> bool:
        """Remember ``key``; whether it was (probably) remembered before (the row path's one
        id at a time: the positions of ``_positions`` in plain integers, no array made)."""
        hashed = hash(key) & 0xFFFFFFFFFFFFFFFF
        low, high = hashed & 0xFFFFFFFF, (hashed >> 32) | 1
        seen = True
        for step in range(4):
            byte, bit = divmod((low + step * high) % self._size, 8)
            held = int(self._bits[byte])
            seen = seen and bool(held & (1 << bit))
            self._bits[byte] = held | (1 << bit)
        return seen

    def add_many(self, keys: Sequence[str]) -> np.ndarray:
        """Remember each of ``keys``; for each, whether it was (probably) remembered before it:
        by an earlier call, or earlier in ``keys`` (the same key twice)."""
        count = len(keys)
        hashes = np.fromiter(map(hash, keys), dtype=np.int64, count=count).view(np.uint64)
        positions = self._positions(hashes)
        byte, bit = positions >> np.uint64(3), (positions & np.uint64(7)).astype(np.uint8)
        seen = ((self._bits[byte] >> bit) & 1).all(axis=1)
        first = np.zeros(count, dtype=bool)
        first[np.unique(hashes, return_index=True)[1]] = True
        np.bitwise_or.at(self._bits, byte.ravel(), (np.uint8(1) << bit).ravel())
        return np.asarray(seen | ~first, dtype=bool)


@dataclass
class _LoadState:
    country: str
    boundaries: Boundaries | None
    seen: _SeenEvents = field(default_factory=_SeenEvents)


# One state per load, dropped with it: the loader makes one Resolver per load.
_STATES: WeakKeyDictionary[Resolver, _LoadState] = WeakKeyDictionary()


def load_state(resolver: Resolver) -> _LoadState:
    state = _STATES.get(resolver)
    if state is None:
        mission = records.get(resolver.tx, Mission, resolver.mission_id) if resolver.mission_id else None
        country = mission.country_iso3 if isinstance(mission, Mission) else ""
        state = _STATES[resolver] = _LoadState(country, Boundaries.load(country) if country else None)
    return state


class _Row:
    """One event being converted: its merged cells, and the problems found so far."""

    def __init__(self, event: AcledEvent, who: str) -> None:
        self.event, self.who = event, who
        self.cells = event.merged_cells()
        self.problems: list[Problem] = []

    def text(self, column: str) -> str:
        return self.cells.get(column, "")

    def refuse(self, column: str, reason: str) -> None:
        self.problems.append(Problem(self.who, self.event.label(column), reason))

    def real(self, column: str) -> float | None:
        text = self.text(column)
        try:
            value = float(text) if text else None
        except ValueError:
            value = math.nan
        if value is not None and not math.isfinite(value):
            self.refuse(column, "is not a number")
            return None
        return value

    def integer(self, column: str) -> int | None:
        value = self.real(column)
        if value is not None and not value.is_integer():
            self.refuse(column, "is not a whole number")
            return None
        return None if value is None else int(value)

    def inter(self, column: str) -> int | None:
        """An actor type or an interaction: ACLED's code, or words ("State forces-Civilians")."""
        try:
            return inter_code(self.text(column), column)
        except ValueError:
            self.refuse(column, "is not an ACLED actor type or interaction code")
            return None

    def timestamp(self) -> int | None:
        text = self.text("timestamp")
        if not text or text.replace(".", "", 1).isdigit():
            return self.integer("timestamp")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            self.refuse("timestamp", "is neither a Unix time nor an ISO date and time")
            return None
        return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def _kinds(row: _Row, values: dict[str, Any]) -> None:
    """Event and sub-event types, precision codes, and the category and target they imply."""
    event_type = _EVENT_TYPES.get(normalise(row.text("event_type")))
    sub_event_type = _SUB_EVENT_TYPES.get(normalise(row.text("sub_event_type")))
    if event_type is None:
        row.refuse("event_type", f"is not an ACLED event type (one of: {', '.join(t.value for t in EventType)})")
    if sub_event_type is None:
        row.refuse("sub_event_type", "is not an ACLED sub-event type (see ACLED's codebook)")
    values["event_type"] = event_type.value if event_type else None
    values["sub_event_type"] = sub_event_type.value if sub_event_type else None
    for column, meanings in _PRECISION.items():
        code = row.text(column) or "1"
        if code in ("1", "2", "3"):
            values[column] = meanings[int(code) - 1]
        else:
            row.refuse(column, "is not an ACLED precision code (1, 2 or 3)")
    category = _CATEGORIES.get(sub_event_type) if sub_event_type else None
    if sub_event_type == SubEventType.DISRUPTED_WEAPONS_USE and _IED.search(row.text("notes")):
        category = IncidentCategory.IED_NEUTRALISED  # an IED found and made safe before it went off
    if category is not None:
        values["category"] = category.value
    civilians = normalise(row.text("civilian_targeting")) == "civilian targeting"
    values["civilian_targeting"] = civilians
    against = f"{row.text('actor2')} {row.text('assoc_actor_2')}"
    target = Target.CIVILIANS if civilians else Target.MISSION if _MISSION_ACTOR.search(against) else None
    if target is not None:
        values["target"] = target.value


def _place(row: _Row, values: dict[str, Any], resolver: Resolver, state: _LoadState) -> None:
    """The place as text, its gazetteer entry when unambiguous, and the coordinate's checks."""
    for column in ("admin1", "admin2", "admin3"):
        values[column] = row.text(column)
    values["location_name"] = row.text("location")
    found = resolver.find("Location", row.text("location")) if row.text("location") else []
    if len(found) == 1:
        values["location_id"] = found[0]
    lat, lon = row.real("latitude"), row.real("longitude")
    if (lat is None) != (lon is None):
        row.refuse("longitude" if lon is None else "latitude", "latitude and longitude go together")
    if lat is None or lon is None:
        return
    values.update(latitude=lat, longitude=lon)
    if state.boundaries is None:
        return  # no boundaries shipped for this country: the mission's bounding box still applies
    region = state.boundaries.admin1_at(lat, lon)
    if region is None:
        row.refuse("latitude", f"({lat}, {lon}) is outside {state.country}, the mission's country")
        return
    admin1 = row.text("admin1")
    named = state.boundaries.canonical_admin1(admin1) if admin1 else None
    if admin1 and named is None:
        resolver.warn(row.event.label("admin1"), admin1, f"is not a region of {state.country} that bluehelmet knows")
    elif named is not None and named != region:
        reason = f"the coordinate lies in {region}, not in {admin1} as admin1 says"
        resolver.warn(row.event.label("latitude"), f"{lat}, {lon}", reason)


def _stored(resolver: Resolver, external_id: str | None) -> Incident | None:
    if external_id is None or resolver.mission_id is None:
        return None
    found = resolver.stored(Incident, {"mission_id": resolver.mission_id, "external_id": external_id})
    return found if isinstance(found, Incident) and not found.is_deleted else None


def _keep_stored_actors(event: AcledEvent, stored: Incident) -> None:
    """Put the actors already stored for the event before the ones of this row."""
    own, event.actors = event.actors, []
    event.add_actor(stored.actor1, stored.assoc_actor1, str(stored.inter1 or ""))
    event.add_actor(stored.actor2, stored.assoc_actor2, str(stored.inter2 or ""))
    for actor in own:
        event.add_actor(actor.name, "; ".join(actor.assoc), actor.inter)


def convert_event(
    event: AcledEvent, resolver: Resolver, who: str, origin: Origin
) -> tuple[dict[str, Any], list[Problem]]:
    """An event's Incident field values (JSON-like; references as ids) and its problems.

    Warnings are recorded on the resolver, at the event's first row. Needs the resolver of a
    load into a mission (``resolver.mission_id`` set).
    """
    state = load_state(resolver)
    external_id = event.event_id or None
    stored = _stored(resolver, external_id)
    if external_id is not None and state.seen.add(external_id) and stored is not None:
        _keep_stored_actors(event, stored)  # met earlier in this file, not adjacent
    row = _Row(event, who)
    when = parse_acled_date(row.text("event_date"))
    if when is None:
        row.refuse("event_date", "is not a date (write 2021-01-15 or 15 January 2021)")
    values: dict[str, Any] = {"external_id": external_id, "event_date": when.isoformat() if when else None}
    _kinds(row, values)
    _place(row, values, resolver, state)
    if (
        stored is not None
        and "location_id" not in values
        and normalise(stored.location_name) != normalise(row.text("location"))
    ):
        values["location_id"] = None  # the event moved to a place the gazetteer does not know
    for side in ("1", "2"):
        values[f"actor{side}"] = row.text(f"actor{side}")
        values[f"assoc_actor{side}"] = row.text(f"assoc_actor_{side}")
        values[f"inter{side}"] = row.inter(f"inter{side}")
    values.update(
        interaction=row.inter("interaction"), disorder_type=row.text("disorder_type"), source=row.text("source"),
        source_scale=row.text("source_scale"), source_timestamp=row.timestamp(), tags=row.text("tags"),
        notes=row.text("notes"), fatalities=row.integer("fatalities"),
    )  # fmt: skip
    if origin.provenance is not None:
        values["provenance"] = origin.provenance
    if stored is None and origin.review_status is not None:
        values["review_status"] = origin.review_status.value
    for column, value, reason in event.warnings:
        resolver.warn(event.label(column), value, reason)
    if external_id is None:
        resolver.warn(event.label("event_id_cnty"), "", "no event id: the row is added as a new incident each time")
    return values, row.problems
