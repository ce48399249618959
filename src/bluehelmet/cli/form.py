"""``bluehelmet form incident --out FILE.xlsx``: the incident report as an XLSForm for phones."""

from __future__ import annotations

from pathlib import Path

import click

from bluehelmet.cli.door import Door, emit, json_option, mission_option, pass_door
from bluehelmet.services.odk_form import incident_form

__all__ = ["COMMANDS", "form_group"]


@click.group("form")
def form_group() -> None:
    """Forms for phones (ODK Collect, KoboToolbox) made from the mission's record."""


@form_group.command("incident")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the XLSForm (.xlsx).")  # fmt: skip
@mission_option
@json_option
@pass_door
def incident_command(door: Door, out: Path, mission: str | None, as_json: bool) -> None:
    """Write the incident report as an XLSForm, with the mission's vocabularies and places:
    upload it to ODK Central or KoboToolbox, then `bluehelmet import odk EXPORT` brings the
    submissions in as drafts."""
    with door.transaction() as tx:
        content = incident_form(tx, mission=mission)
    out.write_bytes(content)
    emit({"form": str(out), "bytes": len(content)}, as_json, f"{out}: the incident report as an XLSForm")


COMMANDS = (form_group,)
