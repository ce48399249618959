"""The doors of intake: gateways post messages (Twilio signed, the others with the shared secret;
anything else refused before it is stored), analysts list them and see them on the Intake page in
English and French, merge a duplicate, reject with a reason, and see where each incident came
from; attachments are uploaded and downloaded byte for byte, and only within one's sector."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from bluehelmet.config import Settings
from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.domain.intake import IntakeMessage
from bluehelmet.services import accounts, records
from bluehelmet.services.database import Database
from bluehelmet.services.intake_gateways import twilio_signature
from bluehelmet.web.app import create_app
from tests.intake_mission import build_mission
from tests.test_attachments import JPEG

PASSWORD = "correct horse battery staple 25"
SECRET = "s3cret-of-the-alert-network-0123456789"
TWILIO = "twilio-auth-token-abcdef"
URL = "http://testserver/api/intake/messages?gateway=twilio"


class World:
    def __init__(self, db: Database, client: TestClient, ids: dict[str, int], tokens: dict[str, str]) -> None:
        self.db, self.client, self.ids, self.tokens = db, client, ids, tokens

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def world(db: Database) -> Iterator[World]:
    ids = build_mission(db)
    tokens = {}
    for name, role, sector in (("analyst", "analyst", None), ("north", "sector", "Sector North"),
                               ("centre", "sector", "Sector Centre"), ("viewer", "viewer", None)):  # fmt: skip
        accounts.add_account(db, "tester", name, role, sector=sector, password=PASSWORD)
        tokens[name] = accounts.issue_token(db, "tester", name)
    settings = Settings(database_url=db.settings.database_url, secret_key="k" * 40, intake_secret=SECRET,
                        intake_twilio_token=TWILIO)  # fmt: skip
    with TestClient(create_app(settings, db=db), follow_redirects=False) as client:
        yield World(db, client, ids, tokens)


def _twilio(world: World, text: str, sid: str, *, signature: str | None = None) -> object:
    form = {"MessageSid": sid, "From": "+22370001111", "To": "+22320000000", "Body": text}
    signed = signature if signature is not None else twilio_signature(TWILIO, URL, form)
    headers = {"X-Twilio-Signature": signed, "Content-Type": "application/x-www-form-urlencoded"}
    return world.client.post("/api/intake/messages", params={"gateway": "twilio"}, content=urlencode(form),
                             headers=headers)  # fmt: skip


def _stored(world: World) -> int:
    with world.db.transaction("tester") as tx:
        return records.count(tx, IntakeMessage)


def test_a_signed_twilio_message_becomes_a_draft_and_a_forged_one_is_refused_unstored(world: World) -> None:
    answer = _twilio(world, "Attaque a Kidal ce matin", "SM1")
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    data = answer.json()  # type: ignore[attr-defined]
    assert (data["status"], data["language"], data["candidates"][0]["name"]) == ("drafted", "fr", "Kidal")
    forged = _twilio(world, "Attaque a Kidal ce matin", "SM2", signature=base64.b64encode(b"x" * 20).decode())
    assert forged.status_code == 403  # type: ignore[attr-defined]
    unsigned = world.client.post("/api/intake/messages?gateway=twilio", content=b"From=%2B1&Body=hi",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert unsigned.status_code == 403
    assert _stored(world) == 1


def test_the_other_gateways_carry_the_shared_secret(world: World) -> None:
    form = urlencode({"from": "+22370002222", "text": "IED near Gao this morning", "id": "at-1"})
    headers = {"X-Intake-Secret": SECRET, "Content-Type": "application/x-www-form-urlencoded"}
    good = world.client.post("/api/intake/messages?gateway=africastalking", content=form, headers=headers)
    assert good.status_code == 200 and good.json()["status"] == "drafted"
    wrong = world.client.post("/api/intake/messages?gateway=africastalking", content=form,
                              headers={**headers, "X-Intake-Secret": "guess"})  # fmt: skip
    assert wrong.status_code == 403
    payload = {"contact": {"urn": "tel:+22370003333"}, "input": {"text": "bonjour"}}
    unread = world.client.post("/api/intake/messages?gateway=rapidpro", json=payload,
                               headers={"X-Intake-Secret": SECRET})  # fmt: skip
    assert unread.status_code == 200 and unread.json()["status"] == "unreadable"
    huge = world.client.post("/api/intake/messages?gateway=africastalking", content=b"text=" + b"x" * 2_000_000,
                             headers=headers)  # fmt: skip
    assert huge.status_code == 413  # past the body limit, refused unread
    assert _stored(world) == 2


def test_an_account_sees_the_messages_of_its_sector_only(world: World) -> None:
    _twilio(world, "Attaque a Kidal ce matin", "SM1")
    _twilio(world, "Drone over the camp at Mopti", "SM2")
    everything = world.client.get("/api/intake", headers=world.auth("analyst")).json()["messages"]
    north = world.client.get("/api/intake", headers=world.auth("north")).json()["messages"]
    assert len(everything) == 2
    assert [m["text"] for m in north] == ["Attaque a Kidal ce matin"]
    page = world.client.get("/intake", headers=world.auth("centre"))
    assert "Mopti" in page.text and "Kidal" not in page.text


def test_the_intake_page_in_english_and_french_and_a_merge(world: World) -> None:
    _twilio(world, "Attaque contre le poste de sécurité a Kidal ce matin, tirs nourris", "SM1")
    _twilio(world, "Attaque contre le poste de securite a Kidal ce matin, tirs nourris!!", "SM2")
    english = world.client.get("/intake", headers=world.auth("analyst"))
    french = world.client.get("/intake?lang=fr", headers=world.auth("analyst"))
    assert "possible duplicate of" in english.text and "Places found" in english.text
    assert "doublon possible de" in french.text and "Lieux trouvés" in french.text
    looking = world.client.get("/intake?lang=en", headers=world.auth("viewer"))
    assert "possible duplicate of" in looking.text and "Merge into" not in looking.text  # reads, may not merge
    with world.db.transaction("tester") as tx:
        first, second = sorted(records.list_records(tx, IntakeMessage), key=lambda m: m.id or 0)
        assert isinstance(second, IntakeMessage) and isinstance(first, IntakeMessage)
        draft = records.get(tx, Incident, second.incident_id or 0)
    merged = world.client.post(f"/intake/{second.id}/merge", data={"version": str(draft.version)},
                               headers=world.auth("analyst"))  # fmt: skip
    assert merged.status_code == 303, merged.text
    with world.db.transaction("tester") as tx:
        rejected = records.get(tx, Incident, second.incident_id or 0)
    assert isinstance(rejected, Incident) and rejected.review_status == ReviewStatus.REJECTED
    assert rejected.notes.endswith(f"Rejected: duplicate of #{first.incident_id}")
    after = world.client.get("/intake", headers=world.auth("analyst"))
    assert "Merge into" not in after.text  # nothing left to merge


def test_the_review_queue_shows_the_source_and_keeps_a_rejection_reason(world: World) -> None:
    _twilio(world, "Drone over the camp at Mopti", "SM1")
    listing = world.client.get("/incidents?status=draft", headers=world.auth("analyst"))
    assert 'data-source="message"' in listing.text and "Message" in listing.text
    with world.db.transaction("tester") as tx:
        (draft,) = records.list_records(tx, Incident)
    answer = world.client.post(f"/incidents/{draft.id}/review", headers=world.auth("analyst"),
                               data={"version": str(draft.version), "status": "rejected",
                                     "reason": "a kite, not a drone"})  # fmt: skip
    assert answer.status_code == 303, answer.text
    with world.db.transaction("tester") as tx:
        done = records.get(tx, Incident, draft.id or 0)
    assert isinstance(done, Incident) and done.review_status == ReviewStatus.REJECTED
    assert done.notes.endswith("Rejected: a kite, not a drone")


def test_an_attachment_is_served_byte_for_byte_within_its_sector_only(world: World) -> None:
    _twilio(world, "Attaque a Kidal ce matin", "SM1")
    with world.db.transaction("tester") as tx:
        (draft,) = records.list_records(tx, Incident)
    uploaded = world.client.post(f"/api/attachments/incident/{draft.id}", headers=world.auth("north"),
                                 files={"file": ("photo.jpg", JPEG, "image/jpeg")})  # fmt: skip
    assert uploaded.status_code == 200, uploaded.text
    kept = uploaded.json()
    assert kept["sha256"] == hashlib.sha256(JPEG).hexdigest()
    mine = world.client.get(f"/api/attachments/{kept['id']}", headers=world.auth("north"))
    assert mine.status_code == 200 and mine.content == JPEG
    assert mine.headers["content-type"] == "image/jpeg"
    assert mine.headers["digest"] == "sha-256=" + base64.b64encode(hashlib.sha256(JPEG).digest()).decode()
    page = world.client.get(f"/incidents/{draft.id}", headers=world.auth("north"))
    assert kept["sha256"] in page.text and f'href="/api/attachments/{kept["id"]}"' in page.text
    theirs = world.client.get(f"/api/attachments/{kept['id']}", headers=world.auth("centre"))
    assert theirs.status_code == 404 and "JFIF" not in theirs.text
    script = ("photo.jpg", b"<script>alert(1)</script>", "image/jpeg")
    not_evidence = world.client.post(f"/api/attachments/incident/{draft.id}", headers=world.auth("north"),
                                     files={"file": script})  # fmt: skip
    assert not_evidence.status_code == 422, not_evidence.text
    assert re.search(r"none of the kinds kept as evidence", not_evidence.text)
