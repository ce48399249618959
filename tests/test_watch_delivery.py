"""Delivering alerts, on both backends: e-mail to a local SMTP server started by the test, and
signed webhooks to a local receiver that is down for its first attempts. Every alert arrives
once, in the order raised, after the receiver comes back; the failures are kept meanwhile."""

from __future__ import annotations

import hashlib
import hmac
import json
import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from bluehelmet.config import Settings
from bluehelmet.services import alert_outbox, records, watch
from bluehelmet.services.database import Database
from tests.test_watch_rules import ON
from tests.watch_world import build

SECRET = "a long and random webhook key"


class _Smtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: every message received is kept on the server."""

    def handle(self) -> None:
        self.wfile.write(b"220 test ready\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                body = b""
                while (part := self.rfile.readline()) not in (b".\r\n", b""):
                    body += part[1:] if part.startswith(b"..") else part
                self.server.messages.append(body)  # type: ignore[attr-defined]
                self.wfile.write(b"250 kept\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            elif verb == b"EHLO":
                self.wfile.write(b"250 test\r\n")
            else:
                self.wfile.write(b"250 ok\r\n")


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server: Any = self.server
        server.calls += 1
        if server.calls <= server.down_for:
            self.send_response(503)
            self.end_headers()
            return
        server.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def smtp() -> Iterator[Any]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Smtp)
    server.messages = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def receiver() -> Iterator[Any]:
    server: Any = HTTPServer(("127.0.0.1", 0), _Receiver)
    server.calls, server.down_for, server.received = 0, 2, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_every_alert_is_delivered_once_in_order_after_the_receiver_comes_back(
    db: Database, smtp: Any, receiver: Any
) -> None:
    settings = Settings(database_url=db.settings.database_url, smtp_host="127.0.0.1", smtp_port=smtp.server_address[1],
                        webhook_secret=SECRET, delivery_retry_seconds=10)  # fmt: skip
    live = Database(settings)
    world = build(live)
    hook = f"http://127.0.0.1:{receiver.server_address[1]}/alerts"
    with world.tx() as tx:
        world.rule(tx, "Farrier", "unnotified_convoy", emails=["joc@example.org"], webhooks=[hook], period_days=14)
        for day in ("2021-04-20", "2021-04-22", "2021-04-25"):
            records.create(tx, "ConvoyObservation", {"mission_id": world.mission_id, "armed_group": f"CMA {day}",
                                                     "observed_on": day, "vehicles": 9})  # fmt: skip
    raised = watch.run(live, "tester", ON)
    order = [r.id for r in raised]
    assert len(order) == 3
    t0 = datetime(2030, 1, 1, tzinfo=UTC)

    first = alert_outbox.deliver(live, "tester", t0)
    assert first.delivered == 3 and first.failed == 1  # the mails go; the webhook is down
    assert receiver.received == [] and hook in first.waiting and "503" in first.waiting[hook]
    early = alert_outbox.deliver(live, "tester", t0 + timedelta(seconds=5))  # before its retry is due
    assert early.delivered == early.failed == 0 and receiver.calls == 1
    second = alert_outbox.deliver(live, "tester", t0 + timedelta(seconds=10))
    assert second.failed == 1 and receiver.calls == 2  # down again: the next wait doubles to 20 s
    assert alert_outbox.deliver(live, "tester", t0 + timedelta(seconds=25)).delivered == 0
    back = alert_outbox.deliver(live, "tester", t0 + timedelta(seconds=30))
    assert back.delivered == 3 and back.failed == 0
    assert alert_outbox.deliver(live, "tester", t0 + timedelta(hours=2)).delivered == 0  # nothing twice

    bodies = [json.loads(body) for _, body in receiver.received]
    assert [b["alert"] for b in bodies] == order  # once each, in the order raised
    for headers, body in receiver.received:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Bluehelmet-Signature"] == expected
    assert bodies[0]["rule"] == "Farrier" and bodies[0]["records"][0][0] == "ConvoyObservation"

    mails = [message_from_bytes(m) for m in smtp.messages]
    assert [m["To"] for m in mails] == ["joc@example.org"] * 3
    assert all(m["Subject"] == "[bluehelmet] warning: Farrier" for m in mails)
    assert "without prior notification" in mails[0].get_payload(decode=True).decode()
    with world.tx() as tx:
        kept = alert_outbox.deliveries_of(tx, order)
    webhook = next(d for d in kept[order[0]] if d.channel == "webhook")
    assert webhook.attempts == 3 and webhook.delivered_at is not None and "503" in webhook.last_error
    live.close()


def test_nothing_is_sent_unsigned_nor_without_a_server(db: Database) -> None:
    world = build(db)
    with world.tx() as tx:
        world.rule(tx, "Farrier", "unnotified_convoy", emails=["joc@example.org"], webhooks=["http://127.0.0.1:9/x"])
        records.create(tx, "ConvoyObservation", {"mission_id": world.mission_id, "armed_group": "CMA",
                                                 "observed_on": "2021-04-25", "vehicles": 9})  # fmt: skip
    watch.run(db, "tester", ON)
    report = alert_outbox.deliver(db, "tester")
    assert report.delivered == 0 and report.failed == 2
    assert "BLUEHELMET_SMTP_HOST" in report.waiting["joc@example.org"]
    assert "BLUEHELMET_WEBHOOK_SECRET" in report.waiting["http://127.0.0.1:9/x"]
