"""Messages from the field: stored verbatim first, then read into a draft incident for review.

``receive`` writes the gateway's request as it came (its bytes' SHA-256 beside it) in a
transaction of its own, so nothing that happens next can lose it; ``process`` then reads it in a
second transaction: the sender (a known contact, and their reliability), the flood brake (past
``intake_sender_limit`` messages read for one sender in an hour, the rest are kept as held), the
text (``services.intake_text``: language, date, places, category), duplicates (same place,
within a day, similar text), and the draft incident. A message that cannot be read is marked
unreadable with the reason; it stays on the Intake page, and nothing else is written.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.attachments import digest
from bluehelmet.domain.errors import BluehelmetError, InvalidRecord, NotFound
from bluehelmet.domain.incidents import GeoPrecision, Incident, ReviewStatus
from bluehelmet.domain.intake import MESSAGE_PROVENANCE, Contact, Gateway, IntakeMessage, MessageStatus
from bluehelmet.domain.places import Location
from bluehelmet.geography.gazetteer import Gazetteer
from bluehelmet.services import records, scope
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.intake_gateways import Unreadable, read_request
from bluehelmet.services.intake_text import Candidate, KnownPlace, read_message, similarity
from bluehelmet.services.loading import find_mission
from bluehelmet.storage import repository

__all__ = [
    "DUPLICATE_SIMILARITY",
    "add_contact",
    "known_places",
    "list_messages",
    "may_read",
    "process",
    "raw_bytes",
    "receive",
    "release",
]

#: How alike two messages' words must be (0-1) for the later one to be flagged a duplicate.
DUPLICATE_SIMILARITY = 0.7
_BASE64 = "base64:"


def _raw_text(body: bytes) -> str:
    """The body as stored: the text itself when it is UTF-8 with no NUL, else ``base64:...``."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:
        return _BASE64 + base64.b64encode(body).decode("ascii")
    return text


def raw_bytes(message: IntakeMessage) -> bytes:
    """The request body exactly as the gateway sent it."""
    if message.raw.startswith(_BASE64):
        return base64.b64decode(message.raw[len(_BASE64) :])
    return message.raw.encode("utf-8")


def receive(
    db: Database,
    gateway: Gateway,
    body: bytes,
    content_type: str = "",
    *,
    mission: str | None = None,
    received_at: datetime | None = None,
) -> IntakeMessage:
    """Store a gateway's request as received, then read it; the message as it then stands."""
    arrived = received_at or datetime.now(UTC)
    with db.transaction(f"gateway:{gateway.value}") as tx:
        mission_id = find_mission(tx, mission).id
        values = {"mission_id": mission_id, "gateway": gateway.value, "received_at": arrived,
                  "raw": _raw_text(body), "raw_digest": digest(body)}  # fmt: skip
        stored = records.create(tx, IntakeMessage, values)
        assert stored.id is not None
        message_id = stored.id
    return process(db, message_id, content_type=content_type)


def known_places(tx: Transaction, mission_id: int) -> list[KnownPlace]:
    """The places a message of the mission may name: the mission's locations (with their
    variants, French name and the gazetteer's spellings of the same place)."""
    gazetteer = Gazetteer.load()
    places = []
    for location in repository.select_records(tx.session, Location, {"mission_id": mission_id}):
        if not isinstance(location, Location) or location.is_deleted:
            continue
        spellings = [location.name, *location.variants, location.name_fr]
        for place in gazetteer.match(location.name):
            spellings += place.spellings
        places.append(KnownPlace(location.id, location.name, tuple(s for s in dict.fromkeys(spellings) if s)))
    return places


def _contact(tx: Transaction, mission_id: int, sender: str) -> Contact | None:
    for found in repository.find(tx.session, Contact, {"mission_id": mission_id, "address": sender}):
        if isinstance(found, Contact) and not found.is_deleted:
            return found
    return None


def _flooding(tx: Transaction, message: IntakeMessage, sender: str) -> bool:
    since = message.received_at - timedelta(hours=1)
    read = 0
    for other in repository.find(tx.session, IntakeMessage, {"mission_id": message.mission_id, "sender": sender}):
        assert isinstance(other, IntakeMessage)
        if other.id != message.id and other.status == MessageStatus.DRAFTED and other.received_at >= since:
            read += 1
    return read >= tx.settings.intake_sender_limit


def _duplicate(tx: Transaction, message: IntakeMessage, text: str, place: Candidate | None) -> int | None:
    """The draft incident of an earlier message about the same place, within a day, in words
    alike enough; None if there is none."""
    if place is None or place.location_id is None:
        return None
    window = timedelta(days=1)
    for other in repository.find(tx.session, IntakeMessage, {"mission_id": message.mission_id}):
        assert isinstance(other, IntakeMessage)
        if other.id == message.id or other.incident_id is None or not other.candidates:
            continue
        same_place = other.candidates[0].get("location_id") == place.location_id
        close = abs(other.received_at - message.received_at) <= window
        if same_place and close and similarity(other.text, text) >= DUPLICATE_SIMILARITY:
            return other.duplicate_of_id or other.incident_id
    return None


def _set(tx: Transaction, message: IntakeMessage, changes: dict[str, Any]) -> IntakeMessage:
    assert message.id is not None and message.version is not None
    changed = records.update(tx, IntakeMessage, message.id, changes, message.version)
    assert isinstance(changed, IntakeMessage)
    return changed


def _draft(tx: Transaction, message: IntakeMessage, text: str, contact: Contact | None) -> dict[str, Any]:
    reading = read_message(text, message.received_at, known_places(tx, message.mission_id))
    best = reading.places[0] if reading.places else None
    candidates = [{"name": c.name, "location_id": c.location_id, "confidence": c.confidence, "matched": c.matched}
                  for c in reading.places]  # fmt: skip
    changes: dict[str, Any] = {"language": reading.language, "candidates": candidates}
    if best is None and reading.category is None:
        return {**changes, "status": MessageStatus.UNREADABLE.value,
                "reason": "no place and no kind of incident recognised in the text"}  # fmt: skip
    location = records.get(tx, Location, best.location_id) if best and best.location_id else None
    assert location is None or isinstance(location, Location)
    values: dict[str, Any] = {
        "mission_id": message.mission_id,
        "external_id": f"MSG-{message.id}",
        "event_date": reading.event_date.isoformat(),
        "event_time": reading.event_time.isoformat() if reading.event_time else None,
        "event_type": reading.event_type.value,
        "sub_event_type": reading.sub_event_type.value,
        "category": reading.category.value if reading.category else None,
        "target": reading.target.value if reading.target else None,
        "location_id": location.id if location else None,
        "location_name": location.name if location else "",
        "latitude": location.latitude if location else None,
        "longitude": location.longitude if location else None,
        "geo_precision": (GeoPrecision.EXACT if best and best.confidence == 1.0 else GeoPrecision.NEAR).value,
        "source": f"{message.gateway.value} message from {contact.name if contact else message.sender}",
        "source_reliability": contact.reliability.value if contact and contact.reliability else None,
        "review_status": ReviewStatus.DRAFT.value,
        "notes": text,
        "provenance": f"{MESSAGE_PROVENANCE}{message.id}",
    }
    incident = records.create(tx, Incident, values)
    duplicate = _duplicate(tx, message, text, best)
    reason = "" if best else "no place recognised: locate it in the review"
    if duplicate is not None:
        reason = f"possibly the same as incident #{duplicate}"
    return {**changes, "status": MessageStatus.DRAFTED.value, "incident_id": incident.id,
            "duplicate_of_id": duplicate, "reason": reason}  # fmt: skip


def process(db: Database, message_id: int, *, content_type: str = "", release_held: bool = False) -> IntakeMessage:
    """Read stored message #``message_id`` (received or held) into a draft, or mark why not."""
    with db.transaction("intake") as tx:
        message = records.get(tx, IntakeMessage, message_id)
        assert isinstance(message, IntakeMessage)
        if message.status not in (MessageStatus.RECEIVED, MessageStatus.HELD):
            return message
        try:
            inbound = read_request(message.gateway, raw_bytes(message), content_type or _guess_type(message))
        except Unreadable as error:
            return _set(tx, message, {"status": MessageStatus.UNREADABLE.value, "reason": str(error)})
        contact = _contact(tx, message.mission_id, inbound.sender)
        message = _set(tx, message, {"sender": inbound.sender, "text": inbound.text, "gateway_id": inbound.gateway_id,
                                     "contact_id": contact.id if contact else None})  # fmt: skip
        if not release_held and _flooding(tx, message, inbound.sender):
            reason = f"more than {tx.settings.intake_sender_limit} messages from this sender in an hour"
            return _set(tx, message, {"status": MessageStatus.HELD.value, "reason": reason})
        try:
            changes = _draft(tx, message, inbound.text, contact)  # refused by the rules before writing
        except InvalidRecord as error:
            changes = {"status": MessageStatus.UNREADABLE.value, "reason": f"the draft was refused: {error}"[:500]}
        return _set(tx, message, changes)


def _guess_type(message: IntakeMessage) -> str:
    return "application/json" if message.raw.lstrip().startswith("{") else "application/x-www-form-urlencoded"


def release(db: Database, principal: Principal | None, message_id: int) -> IntakeMessage:
    """Read a held message now (a person judged the flood genuine)."""
    if principal is not None and principal.scoped:
        raise NotFound("IntakeMessage", message_id)
    if principal is not None and principal.limited:
        with db.transaction(principal.name) as tx:
            scope.readable(tx, principal, IntakeMessage, message_id)  # another mission's: not found
    return process(db, message_id, release_held=True)


def list_messages(
    tx: Transaction, principal: Principal | None, *, status: MessageStatus | None = None, mission: str | None = None
) -> list[IntakeMessage]:
    """The messages of the mission, newest first, that ``principal`` may see: all of them for
    an account of the whole mission; for a sector account, those whose draft lies in its sector."""
    if principal is None:
        mission_id = find_mission(tx, mission).id
    else:  # a sector account: its own mission, whatever is asked; the pages: the first of several
        mission_id = scope.scope_of(tx, principal, mission, first=True).mission_id
    wanted: dict[str, Any] = {"mission_id": mission_id}
    if status is not None:
        wanted["status"] = status.value
    found = [m for m in repository.find(tx.session, IntakeMessage, wanted) if isinstance(m, IntakeMessage)]
    if principal is not None and principal.scoped:
        found = [m for m in found if may_read(tx, principal, m)]
    return sorted(found, key=lambda m: (m.received_at, m.id or 0), reverse=True)


def may_read(tx: Transaction, principal: Principal, message: IntakeMessage) -> bool:
    """Whether ``principal`` may see ``message``: an account of the whole mission, any; a
    sector account, one whose draft lies in its sector."""
    if not principal.scoped:
        return True
    return message.incident_id is not None and _readable(tx, principal, message.incident_id)


def _readable(tx: Transaction, principal: Principal, incident_id: int) -> bool:
    try:
        incident = records.get(tx, Incident, incident_id)
    except NotFound:
        return False
    return allowed(tx, principal, Action.READ, incident)


def add_contact(
    tx: Transaction, name: str, address: str, *, reliability: str | None = None, network: str = "",
    mission: str | None = None,
) -> Contact:  # fmt: skip
    """Record a known sender of the mission (one per address)."""
    mission_id = find_mission(tx, mission).id
    assert mission_id is not None
    if _contact(tx, mission_id, address) is not None:
        raise BluehelmetError(f"there is already a contact with the address {address}")
    values = {"mission_id": mission_id, "name": name, "address": address, "reliability": reliability,
              "network": network}  # fmt: skip
    created = records.create(tx, Contact, values)
    assert isinstance(created, Contact)
    return created
