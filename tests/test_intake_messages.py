"""Reports by message: the corpus of field messages written for the mission (tests/data/intake/),
each sent in turn in the three gateways' formats, becomes drafts with the right place, category
and language; duplicates are flagged; messages that say nothing usable stay unread with the
reason; every message is kept verbatim whatever happens to it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from click.testing import CliRunner

from bluehelmet.cli import cli
from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.domain.intake import Gateway, IntakeMessage, MessageStatus
from bluehelmet.services import intake, records
from bluehelmet.services.database import Database
from bluehelmet.services.intake_text import language_of, when_of
from tests.intake_mission import build_mission

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "intake" / "messages.yaml").read_text(encoding="utf-8"))
MESSAGES: list[dict[str, Any]] = CORPUS["messages"]
START = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
GATEWAYS = (Gateway.TWILIO, Gateway.AFRICAS_TALKING, Gateway.RAPIDPRO)


def request_body(gateway: Gateway, sender: str, text: str, ident: str) -> tuple[bytes, str]:
    """What each gateway posts for one message (their documented field names)."""
    if gateway == Gateway.TWILIO:
        form = {"MessageSid": ident, "From": sender, "To": "+22320000000", "Body": text, "NumMedia": "0"}
        return urlencode(form).encode(), "application/x-www-form-urlencoded"
    if gateway == Gateway.AFRICAS_TALKING:
        form = {"from": sender, "to": "20880", "text": text, "id": ident, "date": "2026-03-10T08:00:00Z"}
        return urlencode(form).encode(), "application/x-www-form-urlencoded"
    payload = {"contact": {"uuid": ident, "name": "", "urn": f"tel:{sender}"}, "flow": {"name": "alerte"},
               "input": {"text": text, "urn": f"tel:{sender}"}}  # fmt: skip
    return json.dumps(payload, ensure_ascii=False).encode(), "application/json"


def test_the_corpus_is_large_and_varied() -> None:
    assert len(MESSAGES) >= 50
    assert {m["lang"] for m in MESSAGES} == {"fr", "en"}
    assert sum(m["place"] is None for m in MESSAGES) >= 5
    assert sum("also" in m for m in MESSAGES) >= 5
    assert sum(bool(m.get("duplicate")) for m in MESSAGES) >= 4


@pytest.fixture
def received(db: Database) -> tuple[Database, dict[str, int], list[IntakeMessage]]:
    ids = build_mission(db)
    done = []
    for number, message in enumerate(MESSAGES):
        gateway = GATEWAYS[number % 3]
        body, content_type = request_body(gateway, f"+2237000{number:04d}", message["text"], f"m{number}")
        at = START + timedelta(minutes=number)
        done.append(intake.receive(db, gateway, body, content_type, received_at=at))
    return db, ids, done


def test_every_message_of_the_corpus_becomes_what_it_says(
    received: tuple[Database, dict[str, int], list[IntakeMessage]],
) -> None:
    db, ids, done = received
    wrong = []
    with db.transaction("tester") as tx:
        for expected, message in zip(MESSAGES, done, strict=True):
            names = [c["name"] for c in message.candidates]
            place_ok = (names[:1] == [expected["place"]]) if expected["place"] else names == []
            also_ok = "also" not in expected or expected["also"] in names
            incident = records.get(tx, Incident, message.incident_id) if message.incident_id else None
            category = incident.category.value if isinstance(incident, Incident) and incident.category else None
            says_something = expected["place"] is not None or expected["category"] is not None
            status_ok = message.status == (MessageStatus.DRAFTED if says_something else MessageStatus.UNREADABLE)
            if not (place_ok and also_ok and status_ok and category == expected["category"]
                    and message.language == expected["lang"]):  # fmt: skip
                wrong.append((expected["text"], names, category, message.status, message.language))
            if isinstance(incident, Incident) and expected["place"]:
                assert incident.location_id == ids[expected["place"]]
                assert incident.review_status == ReviewStatus.DRAFT
                assert incident.notes == " ".join(expected["text"].split())
    assert wrong == []


def test_duplicates_are_flagged_and_nothing_else_is(
    received: tuple[Database, dict[str, int], list[IntakeMessage]],
) -> None:
    _, _, done = received
    flagged = [m.text for m in done if m.duplicate_of_id is not None]
    expected = [" ".join(m["text"].split()) for m in MESSAGES if m.get("duplicate")]
    assert flagged == expected
    first_kidal = done[0]
    repeat = done[MESSAGES.index(next(m for m in MESSAGES if m.get("duplicate")))]
    assert repeat.duplicate_of_id == first_kidal.incident_id
    assert f"#{first_kidal.incident_id}" in repeat.reason


def test_an_unreadable_message_is_kept_verbatim_with_its_reason(db: Database) -> None:
    build_mission(db)
    hostile = b"\xff\xfe not utf-8 \x00 at all"
    kept = intake.receive(db, Gateway.AFRICAS_TALKING, hostile, "application/x-www-form-urlencoded")
    assert kept.status == MessageStatus.UNREADABLE
    assert kept.reason == "the request is not UTF-8 text"
    assert intake.raw_bytes(kept) == hostile
    nested = ("[" * 5000 + "]" * 5000).encode()
    deep = intake.receive(db, Gateway.RAPIDPRO, nested, "application/json")
    assert deep.status == MessageStatus.UNREADABLE and "JSON" in deep.reason
    not_a_number = intake.receive(db, Gateway.RAPIDPRO, b'{"urn": "tel:+1", "text": NaN}', "application/json")
    assert (not_a_number.status, not_a_number.reason) == (MessageStatus.UNREADABLE, "the request is not valid JSON")
    empty = intake.receive(db, Gateway.TWILIO, b"From=%2B22370000001&Body=+++", "application/x-www-form-urlencoded")
    assert (empty.status, empty.reason) == (MessageStatus.UNREADABLE, "the message is empty")
    with db.transaction("tester") as tx:
        listed = intake.list_messages(tx, None, status=MessageStatus.UNREADABLE)
    assert [m.id for m in listed] == [empty.id, not_a_number.id, deep.id, kept.id]


def test_a_flood_from_one_sender_is_held_not_lost(db: Database) -> None:
    build_mission(db)
    limited = db.settings.model_copy(update={"intake_sender_limit": 3})
    flood = Database.__new__(Database)
    flood.__dict__.update(db.__dict__)
    flood.settings = limited
    statuses = []
    for number in range(5):
        body, kind = request_body(Gateway.TWILIO, "+22370009999", f"Attaque a Gao numero {number}", f"f{number}")
        statuses.append(
            intake.receive(flood, Gateway.TWILIO, body, kind, received_at=START + timedelta(minutes=number))
        )
    assert [m.status for m in statuses] == [MessageStatus.DRAFTED] * 3 + [MessageStatus.HELD] * 2
    assert "more than 3 messages" in statuses[3].reason
    released = intake.release(flood, None, statuses[4].id or 0)
    assert released.status == MessageStatus.DRAFTED and released.incident_id is not None


def test_a_known_sender_gives_the_draft_its_reliability(db: Database) -> None:
    build_mission(db)
    with db.transaction("tester") as tx:
        intake.add_contact(tx, "Relais Ber", "+22376543210", reliability="B", network="alerte précoce")
    body, kind = request_body(Gateway.AFRICAS_TALKING, "+22376543210", "Tirs a Ber ce matin", "k1")
    message = intake.receive(db, Gateway.AFRICAS_TALKING, body, kind, received_at=START)
    with db.transaction("tester") as tx:
        incident = records.get(tx, Incident, message.incident_id or 0)
    assert isinstance(incident, Incident)
    assert incident.source_reliability is not None and incident.source_reliability.value == "B"
    assert incident.source == "africastalking message from Relais Ber"
    assert message.contact_id is not None


@pytest.mark.parametrize(
    ("text", "day", "at"),
    [
        ("attaque hier a Gao 14h30", "2026-03-09", "14:30:00"),
        ("attack at Gao yesterday at 2 pm", "2026-03-09", "14:00:00"),
        ("Enlèvement à Ménaka le 08/03", "2026-03-08", None),
        ("tirs a Kidal", "2026-03-10", None),
        ("le 31/02 a Kidal", "2026-03-10", None),  # no such day: the arrival
    ],
)
def test_the_date_and_time_come_from_the_text_or_the_arrival(text: str, day: str, at: str | None) -> None:
    found_day, found_time, _ = when_of(text, START)
    assert found_day.isoformat() == day
    assert (found_time.isoformat() if found_time else None) == at


def test_the_language_is_told_apart() -> None:
    assert language_of("Des hommes armés ont attaqué le village hier") == "fr"
    assert language_of("Armed men attacked the village yesterday") == "en"
    assert language_of("12345") == ""


def test_the_command_line_records_a_contact_and_lists_the_messages(db: Database) -> None:
    build_mission(db)
    runner = CliRunner()
    added = runner.invoke(cli, ["--db", db.url, "intake", "contact", "Relais Kidal", "+22376000001", "--reliability",
                                "C", "--network", "alerte précoce"])  # fmt: skip
    assert added.exit_code == 0, added.output
    again = runner.invoke(cli, ["--db", db.url, "intake", "contact", "Autre", "+22376000001"])
    assert again.exit_code == 1 and "already a contact with the address +22376000001" in again.output
    body, kind = request_body(Gateway.AFRICAS_TALKING, "+22376000001", "Attaque a Kidal ce matin", "c1")
    intake.receive(db, Gateway.AFRICAS_TALKING, body, kind, received_at=START)
    intake.receive(db, Gateway.RAPIDPRO, b"{}", "application/json", received_at=START + timedelta(minutes=1))
    listed = runner.invoke(cli, ["--db", db.url, "intake", "messages", "--json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert [(r["status"], r["reason"]) for r in rows] == [
        ("unreadable", "the request has no text"),
        ("drafted", ""),
    ]
    text = runner.invoke(cli, ["--db", db.url, "intake", "messages", "--status", "unreadable"])
    assert "unreadable (the request has no text)" in text.output
