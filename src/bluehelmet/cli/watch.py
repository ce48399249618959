"""`bluehelmet watch`: evaluate the alert rules, send the outbox, list rules and alerts."""

from __future__ import annotations

from datetime import datetime

import click

from bluehelmet.cli.door import DAY, Door, emit, json_option, mission_option, pass_door
from bluehelmet.cli.output import day, table
from bluehelmet.services import alert_outbox, watch

__all__ = ["COMMANDS", "watch_group"]


@click.group("watch")
def watch_group() -> None:
    """Alerts: evaluate the rules now, send alerts by e-mail and webhook, list rules and alerts."""


@watch_group.command("run")
@click.option("--on", "on", type=DAY, help="The day the rules look from (default: today, UTC).")
@click.option("--deliver/--no-deliver", default=True, show_default=True,
              help="Send the outbox afterwards (e-mail, webhooks).")  # fmt: skip
@mission_option
@json_option
@pass_door
def run(door: Door, /, on: datetime | None, deliver: bool, mission: str | None, as_json: bool) -> None:
    """Evaluate every enabled rule and raise an alert for each cause not raised before (run it
    again with nothing changed and it raises none). Prints the alerts newly raised."""
    raised = watch.run(door.db, door.actor, day(on), mission=mission)
    sent = alert_outbox.deliver(door.db, door.actor) if deliver else None
    lines = [f"{len(raised)} new alert(s)"]
    lines += [f"  [{r.severity}] {r.rule}: {r.message}" for r in raised]
    if sent is not None and (sent.delivered or sent.failed or sent.waiting):
        lines.append(f"deliveries: {sent.delivered} sent, {sent.failed} failed, {len(sent.waiting)} waiting")
    emit({"alerts": [r.value() for r in raised]}, as_json, "\n".join(lines))


@watch_group.command("deliver")
@json_option
@pass_door
def deliver(door: Door, /, as_json: bool) -> None:
    """Send the alerts waiting in the outbox that are due (in order per destination; a failed
    destination is retried later, with a wait that doubles each time up to an hour)."""
    report = alert_outbox.deliver(door.db, door.actor)
    data = {"delivered": report.delivered, "failed": report.failed, "waiting": report.waiting}
    text = f"{report.delivered} sent, {report.failed} failed"
    text += "".join(f"\n  waiting: {t}: {e}" for t, e in sorted(report.waiting.items()))
    emit(data, as_json, text)


@watch_group.command("rules")
@mission_option
@json_option
@pass_door
def rules(door: Door, /, mission: str | None, as_json: bool) -> None:
    """The mission's alert rules: name, kind, severity, whether enabled."""
    with door.transaction() as tx:
        found = watch.list_rules(tx, mission)
    data = [
        {"id": r.id, "name": r.name, "kind": str(r.kind), "severity": str(r.severity), "enabled": r.enabled}
        for r in found
    ]
    rows = [(r.id, r.name, str(r.kind), str(r.severity), "yes" if r.enabled else "no") for r in found]
    emit({"rules": data}, as_json, table(rows, ["id", "rule", "kind", "severity", "enabled"]))


COMMANDS = (watch_group,)
