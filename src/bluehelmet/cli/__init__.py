"""The command line: one short function per command, each a call into the services.

Commands are imported only when they run (``cli.lazy``): this module names each with where
it lives and its one-line summary (``tests/test_cli_startup.py`` keeps the summaries true).
"""

from __future__ import annotations

import click

from bluehelmet.cli.lazy import LazyGroup, Summary, print_version

__all__ = ["COMMANDS", "cli", "main"]

#: Every command of ``bluehelmet``: where it lives and what it does in one line.
COMMANDS: dict[str, Summary] = {
    "about": (
        "bluehelmet.cli.reference:about",
        "About the data: the public sources bluehelmet ships, their terms and credits (with --storage: the "
        "database's size by table).",
    ),
    "audit": (
        "bluehelmet.cli.records:audit",
        "The history of one record: who changed what, when, oldest first.",
    ),
    "backup": (
        "bluehelmet.cli.backup:backup_command",
        "Write the whole mission record to FILE: every record, the audit history and the accounts.",
    ),
    "check": (
        "bluehelmet.cli.check:check",
        "Data quality: per kind of record, the values missing that a figure needs (units without "
        "strength, incidents without casualty figures, rotations without actual dates, places without "
        "coordinates, equipment without a serviceability report...), with counts, the figures each gap "
        "weakens and the records; and every number typed into quoted text that a field of the same record"
        " holds or contradicts.",
    ),
    "coverage": (
        "bluehelmet.cli.plan:coverage_group",
        "Coverage of the mission area: casualty evacuation against the 10-1-2 targets.",
    ),
    "demo": (
        "bluehelmet.cli.reference:demo",
        "Load the reference mission (MINUSMA, January-May 2021, rebuilt from S/2021/520).",
    ),
    "export": (
        "bluehelmet.cli.exchange:export_command",
        "Export the live records of KIND to a file, streamed (any size).",
    ),
    "watch": (
        "bluehelmet.cli.watch:watch_group",
        "Alerts: evaluate the rules now, send alerts by e-mail and webhook, list rules and alerts.",
    ),
    "forecast": (
        "bluehelmet.cli.forecast:forecast_group",
        "Early warning: the expected count per admin-2 area for each of the next 1-4 weeks, with an"
        " 80% interval, from the mission's own history (see docs/watch.md). Shown only when the "
        "backtest finds skill over the best naive baseline; otherwise it says so.",
    ),
    "form": (
        "bluehelmet.cli.form:form_group",
        "Forms for phones (ODK Collect, KoboToolbox) made from the mission's record.",
    ),
    "intake": (
        "bluehelmet.cli.intake:intake_group",
        "Messages from SMS/WhatsApp gateways and the people who send them.",
    ),
    "node": (
        "bluehelmet.cli.node:node",
        "Sector nodes that work offline and sync with the mission's server.",
    ),
    "sync": (
        "bluehelmet.cli.sync:sync",
        "Push this node's changes to its server and pull the server's (resumes where a cut one stopped).",
    ),
    "conflict": (
        "bluehelmet.cli.sync:conflict",
        "Changes that arrived based on a state no longer current, kept for a person to resolve.",
    ),
    "import": (
        "bluehelmet.cli.exchange:import_command",
        "Import PATH as records of KIND, all or nothing.",
    ),
    "init": (
        "bluehelmet.cli.records:init",
        "Create the database schema, or bring it up to date (safe to run again).",
    ),
    "kinds": (
        "bluehelmet.cli.records:kinds",
        "The kinds of record the mission keeps, and their fields.",
    ),
    "plan": (
        "bluehelmet.cli.plan:plan_group",
        "Decision support: rotation plans, tasking under caveats, and what each caveat costs.",
    ),
    "record": (
        "bluehelmet.cli.records:record",
        "Add, change, delete, restore, show and list records of any kind.",
    ),
    "report": (
        "bluehelmet.cli.groups:report_group",
        "Reports generated from the records.",
    ),
    "restore": (
        "bluehelmet.cli.backup:restore_command",
        "Restore FILE (made by `bluehelmet backup`) into an empty database, all or nothing.",
    ),
    "rollup": (
        "bluehelmet.cli.maintenance:rollup_group",
        "The incident rollups (counts by day, week, month, place and perpetrator that the analysis "
        "reads): rebuild them, check them.",
    ),
    "search": (
        "bluehelmet.cli.search:search",
        "Search the records' text: incidents, operations and activities, caveats, evaluation findings, "
        "improvement actions, movement restrictions, convoys, the transition, projects, intake messages, "
        "alerts and drafts of the letter.",
    ),
    "serve": (
        "bluehelmet.cli.web:serve",
        "Serve the web application and the REST API (several workers: on PostgreSQL).",
    ),
    "stats": (
        "bluehelmet.cli.groups:stats_group",
        "The mission's analysis: incidents, rates, comparisons, IEDs, hotspots, equipment, performance, "
        "caveats, rotations, convoys, capabilities, transition, and the missions compared.",
    ),
    "synth": (
        "bluehelmet.cli.synth:synth_command",
        "Write a synthetic mission to OUT: ACLED-layout incidents over Mali's regions and places, and the"
        " mission's sectors, places, units, equipment, evaluations and rotations in the template columns."
        " Import them in the order listed (`bluehelmet import KIND FILE`).",
    ),
    "template": (
        "bluehelmet.cli.exchange:template_command",
        "Write a blank spreadsheet for KIND: the columns, and what each one holds.",
    ),
    "user": (
        "bluehelmet.cli.web:user",
        "Accounts of the web application and the REST API.",
    ),
}


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
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
    import getpass  # noqa: PLC0415 - a command runs: now the door is opened

    from bluehelmet.cli.door import Door, settings_for  # noqa: PLC0415

    settings = settings_for(ctx)
    door = Door(settings, actor or settings.actor or getpass.getuser())
    ctx.obj = door
    ctx.call_on_close(door.close)


def main() -> None:
    cli(prog_name="bluehelmet")
