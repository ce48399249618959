"""What each SMS/WhatsApp gateway sends, and how its requests are authenticated.

- **Twilio** posts a form (``From``, ``Body``, ``MessageSid``) and signs it: ``X-Twilio-Signature``
  is the base64 HMAC-SHA1, keyed with the account's auth token, of the URL it posted to followed
  by every form field's name and value in name order. Nothing else authenticates a Twilio message.
- **Africa's Talking** posts a form (``from``, ``text``, ``id``, ``date``) and does not sign;
- **RapidPro / TextIt** post their flow webhook's JSON (``contact.urn``, ``input.text``, or
  ``urn`` and ``text`` at the top) or a form (``from``/``text``) and do not sign either: both
  carry the shared secret in the ``X-Intake-Secret`` header (set as a header of the webhook).

Pure: bytes and headers in, a sender and a text out; ``services.intake`` stores and reads them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from bluehelmet.config import Settings
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.intake import Gateway

__all__ = ["MAX_TEXT", "Inbound", "Unreadable", "authentic", "read_request", "twilio_signature"]

#: The longest text read from one message (a concatenated SMS is at most a few thousand characters).
MAX_TEXT = 4000


class Unreadable(BluehelmetError):
    """A gateway request from which no message can be read (kept, with this reason)."""


@dataclass(frozen=True)
class Inbound:
    """The part of a gateway's request that matters: who sent what, and the gateway's own id."""

    sender: str
    text: str
    gateway_id: str = ""
    sent_at: datetime | None = None


def twilio_signature(token: str, url: str, form: Mapping[str, str]) -> str:
    """Twilio's signature of a form posted to ``url`` (what X-Twilio-Signature must hold)."""
    signed = url + "".join(f"{name}{form[name]}" for name in sorted(form))
    return base64.b64encode(hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


def _form(body: bytes) -> dict[str, str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable("the request is not UTF-8 text") from None
    return dict(parse_qsl(text, keep_blank_values=True))


def authentic(settings: Settings, gateway: Gateway, url: str, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether the request comes from the gateway: Twilio's signature with the auth token, or
    the shared secret for the others. An unset secret or token admits nothing."""
    if gateway == Gateway.TWILIO:
        token = settings.intake_twilio_token
        given = headers.get("x-twilio-signature", "")
        if not token or not given:
            return False
        try:
            form = _form(body)
        except Unreadable:
            return False
        expected = twilio_signature(token, settings.intake_url or url, form)
        return hmac.compare_digest(expected.encode(), given.encode())
    secret = settings.intake_secret
    given = headers.get("x-intake-secret", "")
    return bool(secret) and hmac.compare_digest(secret.encode(), given.encode())


def _json(body: bytes) -> dict[str, object]:
    try:
        data = json.loads(body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Unreadable("the request is not valid JSON") from None
    if not isinstance(data, dict):
        raise Unreadable("the request's JSON is not an object")
    return data


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise Unreadable(f"the request has no {what}")
    return value


def _urn(value: str) -> str:
    """``tel:+223...`` or ``whatsapp:+223...`` as the number alone."""
    return value.split(":", 1)[1] if ":" in value and not value.startswith("+") else value


def _rapidpro(body: bytes, content_type: str) -> Inbound:
    if "json" not in content_type and not body.lstrip().startswith(b"{"):
        form = _form(body)
        return Inbound(_urn(form.get("from", form.get("urn", ""))), form.get("text", ""), form.get("id", ""))
    data = _json(body)
    contact = data.get("contact") if isinstance(data.get("contact"), dict) else {}
    given = data.get("input") if isinstance(data.get("input"), dict) else {}
    assert isinstance(contact, dict) and isinstance(given, dict)
    urn = given.get("urn", contact.get("urn", data.get("urn", data.get("from", ""))))
    text = given.get("text", data.get("text"))
    ident = data.get("id", given.get("uuid", ""))
    return Inbound(_urn(_text(urn, "sender")), _text(text, "text"), str(ident))


def _africas_talking(body: bytes) -> Inbound:
    form = _form(body)
    sent: datetime | None = None
    if form.get("date"):
        try:
            sent = datetime.fromisoformat(form["date"].replace("Z", "+00:00"))
        except ValueError:
            sent = None
        if sent is not None and sent.tzinfo is None:
            sent = sent.replace(tzinfo=UTC)
    return Inbound(form.get("from", ""), _text(form.get("text"), "text"), form.get("id", ""), sent)


def read_request(gateway: Gateway, body: bytes, content_type: str = "") -> Inbound:
    """The message in a gateway's request; Unreadable with the reason when there is none."""
    if gateway == Gateway.TWILIO:
        form = _form(body)
        found = Inbound(form.get("From", ""), _text(form.get("Body"), "Body"), form.get("MessageSid", ""))
    elif gateway == Gateway.AFRICAS_TALKING:
        found = _africas_talking(body)
    else:
        found = _rapidpro(body, content_type)
    sender = _urn(found.sender).strip()
    if not sender:
        raise Unreadable("the request names no sender")
    text = " ".join(found.text.split())
    if not text:
        raise Unreadable("the message is empty")
    if len(text) > MAX_TEXT:
        raise Unreadable(f"the message has {len(text)} characters, more than the {MAX_TEXT} read")
    if any(ord(c) < 32 for c in text):
        raise Unreadable("the message holds control characters")
    return Inbound(sender[:64], text, found.gateway_id[:200], found.sent_at)
