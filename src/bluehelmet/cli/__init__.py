"""The command line: one short function per command, each a call into the services."""

from __future__ import annotations

import getpass

import click

from bluehelmet.cli import (
    backup,
    check,
    exchange,
    maintenance,
    node,
    plan,
    records,
    reference,
    report,
    report_draft,
    stats,
    stats_mission,
    stats_readiness,
    sync,
    synth,
    web,
)
from bluehelmet.cli.door import Door, Guarded, print_version, settings_for

__all__ = ["cli", "main"]


@click.group(cls=Guarded, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    metavar="URL",
    is_eager=True,
    help="Database URL (default: BLUEHELMET_DATABASE_URL, else sqlite:///bluehelmet.db).",
)
@click.option("--actor", metavar="NAME", help="Who is acting, for the audit history (default: your login).")
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=print_version,
    help="Show the version and exit.",
)
@click.pass_context
def cli(ctx: click.Context, db: str | None, actor: str | None) -> None:
    """bluehelmet: the record, analysis and reports of a peacekeeping mission."""
    settings = settings_for(ctx)
    door = Door(settings, actor or settings.actor or getpass.getuser())
    ctx.obj = door
    ctx.call_on_close(door.close)


for _command in (
    records.init,
    records.audit,
    records.kinds,
    records.record,
    reference.demo,
    stats.stats_group,
    report.report_group,
    reference.about,
    *exchange.COMMANDS,
    *maintenance.COMMANDS,
    *web.COMMANDS,
    *plan.COMMANDS,
    *synth.COMMANDS,
    *backup.COMMANDS,
    *check.COMMANDS,
    *node.COMMANDS,
    *sync.COMMANDS,
):
    cli.add_command(_command)


for _command in (*stats_mission.COMMANDS, *stats_readiness.COMMANDS):
    stats.stats_group.add_command(_command)
report.report_group.add_command(report_draft.draft_group)


def main() -> None:
    cli(prog_name="bluehelmet")
