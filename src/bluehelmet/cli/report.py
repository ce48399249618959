"""`bluehelmet report letter`: the letter to the Security Council, drafted from the records."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from bluehelmet.cli.door import DAY, Door, emit, json_option, mission_option, pass_door
from bluehelmet.reporting.annex import untranslated
from bluehelmet.reporting.build import STYLES, build_letter
from bluehelmet.reporting.render import Format, render
from bluehelmet.reporting.wording import LANGUAGES, Wording

__all__ = ["report_group"]


@click.group("report")
def report_group() -> None:
    """Reports generated from the records."""


@report_group.command("letter")
@click.option("--from", "date_from", type=DAY, required=True, help="First day of the period (inclusive).")
@click.option("--to", "date_to", type=DAY, required=True, help="Last day of the period (inclusive).")
@click.option("--lang", "language", type=click.Choice(sorted(LANGUAGES)), default="en", show_default=True)
@click.option("--format", "fmt", type=click.Choice([f.value for f in Format]), default="md", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
@click.option(
    "--style",
    type=click.Choice(STYLES),
    default="letter",
    show_default=True,
    help="A letter from the Secretary-General (opening, closing, unnumbered paragraphs) or a report (numbered).",
)
@click.option("--symbol", default="", help='The document symbol, e.g. S/2021/520 (default: the placeholder "S/…").')
@click.option(
    "--date", "dated", type=DAY, default=None, help="The date the letter bears (default: the day after --to)."
)
@click.option(
    "--name-units",
    is_flag=True,
    help="Name the sub-units whose shortcomings the letter reports (by default they are not named).",
)
@click.option(
    "--include-drafts",
    is_flag=True,
    help="Count the incidents still pending review (by default only verified incidents are counted).",
)
@click.option(
    "--check",
    "check",
    is_flag=True,
    help="Write nothing: list the record text the letter in --lang would leave out for want of a translation.",
)
@mission_option
@json_option
@pass_door
def letter(
    door: Door,
    date_from: datetime,
    date_to: datetime,
    language: str,
    fmt: str,
    out: Path | None,
    style: str,
    symbol: str,
    dated: datetime | None,
    name_units: bool,
    include_drafts: bool,
    check: bool,
    mission: str | None,
    as_json: bool,
) -> None:
    """Draft the letter for a period: every figure computed from the records, with an annex
    saying how and which records it counts. Markdown writes its charts to OUT-charts/ beside it."""
    built = build_letter(
        door.db,
        date_from.date(),
        date_to.date(),
        mission=mission,
        style=style,
        symbol=symbol,
        dated=dated.date() if dated else None,
        name_units=name_units,
        include_drafts=include_drafts,
    )
    if check:
        missing = untranslated(built, Wording(language))
        lines = [f"{key}: {text}" for key, text in missing]
        emit(
            {"language": language, "untranslated": [{"paragraph": k, "text": t} for k, t in missing]},
            as_json,
            "\n".join(lines) if lines else f"every record text the letter quotes has a value in {language}",
        )
        return
    if out is None:
        raise click.UsageError("Missing option '--out'.")
    files = render(built, fmt, language, name=out.stem)
    written = []
    for relative, content in files.items():
        target = out if relative == f"{out.stem}.{fmt}" else out.parent / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(str(target))
    listed = len(built.attachments)
    attached = str(out.parent / f"{out.stem}-attachments.csv") if listed else None
    charts = len(written) - 2 - (1 if listed else 0)
    summary = {
        "files": written,
        "figures": len(built.figures),
        "language": language,
        "format": fmt,
        "attachments": listed,
        "attachments_file": attached,
    }
    emit(
        summary,
        as_json,
        f"wrote {written[0]} ({len(built.figures)} figures, {language}) and its evidence {written[-1]}"
        + (f", with {charts} chart images" if charts else "")
        + (
            f"; {listed} attachment{'s' if listed != 1 else ''} of the records it counts, listed in {attached}"
            if listed
            else "; no record it counts holds an attachment"
        ),
    )
