"""What arrives from the field, on the command line: `import odk`, the contacts of the alert
networks, and the messages received (`bluehelmet intake ...`)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bluehelmet.cli.door import Door, emit, json_option, mission_option, pass_door
from bluehelmet.domain.incidents import SourceReliability
from bluehelmet.domain.intake import MessageStatus
from bluehelmet.imports.odk import read_export
from bluehelmet.services import intake, odk

__all__ = ["COMMANDS", "import_odk", "intake_group"]


def import_odk(door: Door, path: Path, mission: str | None, as_json: bool) -> None:
    """`bluehelmet import odk FILE`: the submissions of an ODK Central or KoboToolbox export."""
    submissions = read_export(path)
    try:
        report = odk.import_submissions(door.db, door.actor, submissions, source=f"odk import: {path.name}",
                                        mission=mission)  # fmt: skip
    except odk.OdkRefused as error:
        emit({"problems": error.problems}, as_json, str(error))
        sys.exit(1)
    text = (f"{path.name}: {report.submissions} submissions: {report.created} new drafts, "
            f"{report.already_imported} already imported, {report.attachments} files attached")  # fmt: skip
    emit(report.as_dict(), as_json, text)


@click.group("intake")
def intake_group() -> None:
    """Messages from SMS/WhatsApp gateways and the people who send them."""


@intake_group.command("contact")
@click.argument("name")
@click.argument("address")
@click.option("--reliability", type=click.Choice([r.value for r in SourceReliability]),
              help="How reliable their reports are (A reliable ... F cannot be judged).")  # fmt: skip
@click.option("--network", default="", help="The alert network they belong to.")
@mission_option
@json_option
@pass_door
def contact_command(
    door: Door, name: str, address: str, reliability: str | None, network: str, mission: str | None, as_json: bool
) -> None:
    """Record a known sender NAME at ADDRESS (the number as gateways send it, e.g. +22370000000)."""
    with door.transaction() as tx:
        made = intake.add_contact(tx, name, address, reliability=reliability, network=network, mission=mission)
    emit({"id": made.id, "name": made.name, "address": made.address}, as_json, f"contact #{made.id}: {made.name}")


@intake_group.command("messages")
@click.option("--status", type=click.Choice([s.value for s in MessageStatus]), help="Only messages in this state.")
@mission_option
@json_option
@pass_door
def messages_command(door: Door, status: str | None, mission: str | None, as_json: bool) -> None:
    """The messages received, newest first, with what became of each."""
    with door.transaction() as tx:
        found = intake.list_messages(tx, None, status=MessageStatus(status) if status else None, mission=mission)
    rows = [{"id": m.id, "received_at": m.received_at.isoformat(), "sender": m.sender, "status": m.status.value,
             "incident_id": m.incident_id, "reason": m.reason, "text": m.text} for m in found]  # fmt: skip
    lines = [f"#{m.id} {m.received_at:%Y-%m-%d %H:%M} {m.sender} {m.status.value}"
             + (f" -> incident #{m.incident_id}" if m.incident_id else "")
             + (f" ({m.reason})" if m.reason else "") for m in found]  # fmt: skip
    emit(rows, as_json, "\n".join(lines) or "no messages")


@intake_group.command("release")
@click.argument("message_id", type=int)
@json_option
@pass_door
def release_command(door: Door, message_id: int, as_json: bool) -> None:
    """Read held message MESSAGE_ID now (a flood judged genuine)."""
    done = intake.release(door.db, None, message_id)
    emit({"id": done.id, "status": done.status.value, "incident_id": done.incident_id}, as_json,
         f"#{done.id}: {done.status.value}")  # fmt: skip


COMMANDS = (intake_group,)
