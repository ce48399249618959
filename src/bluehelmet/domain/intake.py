"""What arrives from outside: messages from SMS and WhatsApp gateways, the people who send them,
and where each incident awaiting review came from.

A message is stored verbatim (``raw``: the gateway's request body as received) before anything
reads it, so that a message that cannot be parsed, or arrives in a flood, is never lost: it stays
on the Intake page with its status and the reason. Reading it (``domain.intake_text``) gives a
draft incident for review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from bluehelmet.domain.incidents import SourceReliability
from bluehelmet.domain.records import Record, ref

__all__ = [
    "MESSAGE_PROVENANCE",
    "ODK_PROVENANCE",
    "Contact",
    "Gateway",
    "IncidentSource",
    "IntakeMessage",
    "MessageStatus",
    "source_of",
]


class Gateway(StrEnum):
    """The SMS and WhatsApp gateways whose requests ``POST /api/intake/messages`` reads."""

    RAPIDPRO = "rapidpro"  # RapidPro and TextIt (same webhook)
    TWILIO = "twilio"
    AFRICAS_TALKING = "africastalking"


class MessageStatus(StrEnum):
    """Where a message stands: read into a draft, kept unread (with the reason), or held back."""

    RECEIVED = "received"  # stored, not yet read
    DRAFTED = "drafted"  # read: a draft incident awaits review
    UNREADABLE = "unreadable"  # kept, with the reason it could not become a draft
    HELD = "held"  # one of a flood from one sender: kept, not read until released


class IncidentSource(StrEnum):
    """How an incident reached the record, as the review queue shows it."""

    WEB = "web"  # typed in the incident form or through the API
    IMPORT = "import"  # a file import (bluehelmet's columns, ACLED, HXL)
    ODK = "odk"  # a form submitted from a phone (ODK Collect, KoboToolbox)
    MESSAGE = "message"  # an SMS or WhatsApp message through a gateway
    NODE = "node"  # pushed by a sector node


#: The provenance an ODK submission's draft carries, before its instance id.
ODK_PROVENANCE = "odk submission "
#: The provenance a message's draft carries, before the message's id.
MESSAGE_PROVENANCE = "intake message #"
_PREFIXES = (
    (ODK_PROVENANCE, IncidentSource.ODK),
    (MESSAGE_PROVENANCE, IncidentSource.MESSAGE),
    ("node ", IncidentSource.NODE),
)


def source_of(provenance: str) -> IncidentSource:
    """Where an incident came from, read from its provenance: the intake doors write their own
    prefix (``odk submission``, ``intake message #``, ``node``), a file import writes ``... import:``
    (``services.loading``); anything else was typed in."""
    for prefix, source in _PREFIXES:
        if provenance.startswith(prefix):
            return source
    if " import: " in provenance or provenance.startswith("import"):
        return IncidentSource.IMPORT
    return IncidentSource.WEB


@dataclass(kw_only=True)
class Contact(Record):
    """A known sender: a member of a community alert network, by phone number, with the reliability
    the mission grades their reports with (A reliable ... F cannot be judged). One per address in a
    mission (``services.intake.add_contact`` checks it)."""

    mission_id: int = ref("Mission")
    name: str
    address: str  # the number or WhatsApp address as gateways send it, e.g. +22370000000
    reliability: SourceReliability | None = None
    network: str = ""
    notes: str = ""


@dataclass(kw_only=True)
class IntakeMessage(Record):
    """One message as a gateway delivered it, and what became of it.

    ``raw`` is the request body exactly as received (decoded as UTF-8 with replacement only
    for display; ``raw_digest`` is the SHA-256 of the bytes). ``candidates`` lists the places
    the text may name, each ``{"name", "location_id", "confidence"}``, best first.
    """

    label_field: ClassVar[str] = "sender"

    mission_id: int = ref("Mission")
    gateway: Gateway
    gateway_id: str = ""
    sender: str = ""
    received_at: datetime
    raw: str
    raw_digest: str
    text: str = ""
    status: MessageStatus = MessageStatus.RECEIVED
    reason: str = ""
    language: str = ""
    contact_id: int | None = None  # a Contact (kept apart from the records of the catalogue)
    incident_id: int | None = ref("Incident", optional=True)
    duplicate_of_id: int | None = ref("Incident", optional=True)
    candidates: list[dict[str, Any]] = field(default_factory=list)
