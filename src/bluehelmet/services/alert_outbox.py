"""Delivering alerts beyond the application: e-mail (SMTP) and webhooks signed with HMAC-SHA256.

A delivery is written to the outbox in the transaction that raises its alert, so an alert is
never raised without its deliveries nor delivered without being stored. ``deliver`` sends what
is due, destination by destination, in the order the alerts were raised: the oldest pending
delivery of a destination goes first, and while it fails (the receiver down, the server
refusing) nothing after it is sent there; it is retried after ``delivery_retry_seconds``,
doubled after each failure up to an hour. A delivery is marked sent once the receiver accepted
it; a receiver that accepted it but whose answer was lost gets it again with the same
``X-Bluehelmet-Delivery`` id, by which it can tell a repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from bluehelmet.config import Settings
from bluehelmet.domain.alerts import Alert, AlertRule
from bluehelmet.services.database import Database, Transaction
from bluehelmet.storage import outbox

__all__ = [
    "MAX_WAIT",
    "Delivery",
    "DeliveryFailed",
    "DeliveryReport",
    "backoff",
    "deliver",
    "deliveries_of",
    "enqueue",
    "send_email",
    "send_webhook",
    "signature",
]

#: The longest wait between two attempts at one delivery.
MAX_WAIT = timedelta(hours=1)
_TIMEOUT = 10.0


class DeliveryFailed(Exception):
    """A destination did not take a delivery (the reason is kept in the outbox)."""


@dataclass(frozen=True)
class Delivery:
    """One delivery of an alert as the Alerts page shows it."""

    alert_id: int
    channel: str
    target: str
    attempts: int
    delivered_at: datetime | None
    last_error: str
    next_attempt_at: datetime

    @property
    def failing(self) -> bool:
        return self.delivered_at is None and bool(self.last_error)


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    #: Destinations left waiting (a failure, or a retry not yet due), with their last error.
    waiting: dict[str, str] = field(default_factory=dict)


def _payload(rule: AlertRule, alert: Alert) -> dict[str, Any]:
    return {
        "alert": alert.id,
        "rule": rule.name,
        "kind": str(alert.kind),
        "severity": str(alert.severity),
        "records": alert.records,
        "message": alert.message,
        "raised_on": alert.raised_on.isoformat(),
    }


def enqueue(tx: Transaction, rule: AlertRule, alert: Alert) -> None:
    """Write the deliveries of a new alert, one per e-mail address and webhook of its rule."""
    assert alert.id is not None
    payload = _payload(rule, alert)
    now = tx.now()
    for address in rule.emails:
        outbox.add(tx.session, alert.id, "email", address, payload, now)
    for url in rule.webhooks:
        outbox.add(tx.session, alert.id, "webhook", url, payload, now)


def backoff(settings: Settings, attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure in a row."""
    wait: timedelta = timedelta(seconds=settings.delivery_retry_seconds) * int(2 ** max(attempts - 1, 0))
    return min(wait, MAX_WAIT)


def signature(secret: str, body: bytes) -> str:
    """The value of the X-Bluehelmet-Signature header for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_email(settings: Settings, address: str, payload: dict[str, Any], delivery_id: int) -> None:
    if not settings.smtp_host:
        raise DeliveryFailed("no SMTP server set (BLUEHELMET_SMTP_HOST)")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = address
    message["Subject"] = f"[bluehelmet] {payload['severity']}: {payload['rule']}"
    message["X-Bluehelmet-Delivery"] = str(delivery_id)
    records = ", ".join(f"{k} #{i}" for k, i in payload["records"])
    message.set_content(f"{payload['message']}\n\nRaised on {payload['raised_on']}. Records: {records}\n")
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=_TIMEOUT) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryFailed(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {error}") from None


def send_webhook(settings: Settings, url: str, payload: dict[str, Any], delivery_id: int) -> None:
    if not settings.webhook_secret:
        raise DeliveryFailed("no webhook secret set (BLUEHELMET_WEBHOOK_SECRET): webhooks are never sent unsigned")
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - the rule's address was checked to be http(s)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Bluehelmet-Signature": signature(settings.webhook_secret, body),
            "X-Bluehelmet-Delivery": str(delivery_id),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as answer:  # noqa: S310
            status = answer.status
    except urllib.error.HTTPError as error:
        raise DeliveryFailed(f"{url} answered {error.code}") from None
    except (OSError, ValueError) as error:
        raise DeliveryFailed(f"{url}: {getattr(error, 'reason', error)}") from None
    if not 200 <= status < 300:
        raise DeliveryFailed(f"{url} answered {status}")


Sender = Callable[[Settings, str, dict[str, Any], int], None]
_SENDERS: dict[str, Sender] = {"email": send_email, "webhook": send_webhook}


def deliver(db: Database, actor: str, now: datetime | None = None) -> DeliveryReport:
    """Send every delivery that is due, in order per destination (see the module's contract)."""
    report = DeliveryReport()
    with db.transaction(actor) as tx:
        targets = outbox.destinations(tx.session)
        now = now or tx.now()
    for channel, target in targets:
        while True:
            with db.transaction(actor) as tx:
                row = outbox.first_pending(tx.session, channel, target)
            if row is None:
                break
            if row["next_attempt_at"] > now:
                report.waiting[target] = row["last_error"] or "waiting"
                break
            try:
                _SENDERS[channel](db.settings, target, row["payload"], row["id"])
            except DeliveryFailed as error:
                with db.transaction(actor) as tx:
                    outbox.mark_failed(
                        tx.session, row["id"], str(error), now + backoff(db.settings, row["attempts"] + 1)
                    )
                report.failed += 1
                report.waiting[target] = str(error)
                break
            with db.transaction(actor) as tx:
                outbox.mark_delivered(tx.session, row["id"], now)
            report.delivered += 1
    return report


def deliveries_of(tx: Transaction, alert_ids: Iterable[int]) -> dict[int, list[Delivery]]:
    """The deliveries of these alerts, by alert, in order."""
    out: dict[int, list[Delivery]] = {}
    for row in outbox.for_alerts(tx.session, alert_ids):
        out.setdefault(row["alert_id"], []).append(
            Delivery(
                row["alert_id"],
                row["channel"],
                row["target"],
                row["attempts"],
                row["delivered_at"],
                row["last_error"],
                row["next_attempt_at"],
            )
        )
    return out
