"""`bluehelmet report draft`: draft the letter in prose whose figures stay computed.

Contract (scripts depend on it): ``report draft show NAME --json`` prints
``{"paragraphs": [{"id": ID, "text": TEXT}, ...]}`` in the letter's order (other keys beside),
TEXT with its figures as ``{{KEY}}`` tokens; ``report draft set NAME ID --file F`` replaces that
paragraph's prose.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from bluehelmet.cli.door import DAY, Door, emit, fail, json_option, mission_option, pass_door
from bluehelmet.reporting import drafts
from bluehelmet.reporting.draft_checks import check
from bluehelmet.reporting.render import Format
from bluehelmet.reporting.wording import LANGUAGES

__all__ = ["draft_group"]

_lang = click.option(
    "--lang", "language", type=click.Choice(sorted(LANGUAGES)), help="Which language (default: the draft's first)."
)


@click.group("draft")
def draft_group() -> None:
    """Drafts of the letter: the generated letter rewritten in free prose, with {{KEY}} figure
    tokens that a refresh recomputes from the records."""


@draft_group.command("create")
@click.argument("name")
@click.option("--from", "date_from", type=DAY, required=True, help="First day of the period (inclusive).")
@click.option("--to", "date_to", type=DAY, required=True, help="Last day of the period (inclusive).")
@click.option(
    "--lang",
    "languages",
    type=click.Choice(sorted(LANGUAGES)),
    multiple=True,
    help="A language of the draft; give it twice for a paired English and French draft (default: en).",
)
@click.option("--symbol", default="", help="The document symbol, e.g. S/2021/520.")
@click.option("--date", "letter_date", type=DAY, help="The date of the letter.")
@mission_option
@json_option
@pass_door
def create(
    door: Door,
    name: str,
    date_from: datetime,
    date_to: datetime,
    languages: tuple[str, ...],
    symbol: str,
    letter_date: datetime | None,
    mission: str | None,
    as_json: bool,
) -> None:
    """Start a draft NAME from the letter generated for the period."""
    view = drafts.create(
        door.db,
        name,
        date_from.date(),
        date_to.date(),
        languages=languages or ("en",),
        symbol=symbol,
        letter_date=letter_date.date() if letter_date else None,
        mission=mission,
        actor=door.actor,
    )
    emit(
        view.as_json(),
        as_json,
        f"draft '{name}' created: {len(view.paragraphs)} paragraphs, {len(view.figures)} figures",
    )


@draft_group.command("list")
@mission_option
@json_option
@pass_door
def list_(door: Door, mission: str | None, as_json: bool) -> None:
    """The drafts of the mission."""
    found = drafts.list_drafts(door.db, mission=mission)
    rows = [{"name": d.name, "from": str(d.date_from), "to": str(d.date_to), "languages": d.languages} for d in found]
    text = "\n".join(f"{d.name}\t{d.date_from}..{d.date_to}\t{','.join(d.languages)}" for d in found)
    emit(rows, as_json, text or "no drafts")


@draft_group.command("show")
@click.argument("name")
@_lang
@mission_option
@json_option
@pass_door
def show(door: Door, name: str, language: str | None, mission: str | None, as_json: bool) -> None:
    """The draft's paragraphs (id, then prose with {{KEY}} tokens) and its figure keys."""
    view = drafts.show(door.db, name, language=language, mission=mission)
    lines = []
    for p in view.paragraphs:
        mark = " (edited)" if p.edited(view.language) else ""
        lines += [f"[{p.id}]{mark}", p.text.get(view.language, ""), ""]
    lines.append("figures: " + ", ".join(f"{k}={v:g}" for k, v in view.figures.items()))
    if view.changed:
        lines.append("changed at the last refresh: " + ", ".join(_change(c) for c in view.changed))
    emit(view.as_json(), as_json, "\n".join(lines))


def _change(c: drafts.Change) -> str:
    def shown(v: float | None) -> str:
        return "none" if v is None else f"{v:g}"

    return f"{c.key} {shown(c.before)} -> {shown(c.after)}"


@draft_group.command("set")
@click.argument("name")
@click.argument("paragraph")
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True,
              help="The paragraph's new prose (UTF-8 text; figures as {{KEY}}).")  # fmt: skip
@_lang
@mission_option
@json_option
@pass_door
def set_(
    door: Door, name: str, paragraph: str, file: Path, language: str | None, mission: str | None, as_json: bool
) -> None:
    """Replace paragraph PARAGRAPH's prose with the text of --file."""
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        fail(f"{file} is not UTF-8 text (byte {error.start}): save it as UTF-8")
    view = drafts.set_paragraph(door.db, name, paragraph, text, language=language, mission=mission, actor=door.actor)
    emit(view.as_json(), as_json, f"paragraph {paragraph} of draft '{name}' set ({view.language})")


@draft_group.command("refresh")
@click.argument("name")
@mission_option
@json_option
@pass_door
def refresh(door: Door, name: str, mission: str | None, as_json: bool) -> None:
    """Recompute every figure from the records, keep the prose, list the figures that moved."""
    view = drafts.refresh(door.db, name, mission=mission, actor=door.actor)
    moved = ", ".join(_change(c) for c in view.changed) or "none"
    emit(view.as_json(), as_json, f"draft '{name}' refreshed; figures changed: {moved}")


@draft_group.command("check")
@click.argument("name")
@mission_option
@json_option
@pass_door
def check_(door: Door, name: str, mission: str | None, as_json: bool) -> None:
    """What to look at before sending; exits 1 when something blocks the export."""
    found = check(door.db, name, mission=mission)
    blocking = [f for f in found if f.blocking]
    data = {"findings": [f.as_json() for f in found], "blocking": len(blocking)}
    text = "\n".join(("BLOCKS EXPORT: " if f.blocking else "") + f.message for f in found) or "nothing to look at"
    emit(data, as_json, text)
    if blocking:
        raise SystemExit(1)


@draft_group.command("export")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice([f.value for f in Format]), default="md", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@_lang
@mission_option
@json_option
@pass_door
def export(
    door: Door, name: str, fmt: str, out: Path, language: str | None, mission: str | None, as_json: bool
) -> None:
    """Write the draft with its figures filled in, its annex and its evidence file (beside OUT)."""
    files = drafts.export(door.db, name, fmt, language=language, mission=mission, stem=out.stem)
    typed = drafts.show(door.db, name, language=language, mission=mission).typed()
    for t in typed if not as_json else []:
        click.echo(f"note: paragraph {t.paragraph}: '{t.text}' is typed, not computed", err=True)
    written = []
    for relative, content in files.items():
        target = out if relative == f"{out.stem}.{fmt}" else out.parent / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(str(target))
    data = {"files": written, "format": fmt, "typed": [{"paragraph": t.paragraph, "text": t.text} for t in typed]}
    emit(data, as_json, f"wrote {written[0]} and its evidence {written[-1]}")


@draft_group.command("delete")
@click.argument("name")
@mission_option
@json_option
@pass_door
def delete(door: Door, name: str, mission: str | None, as_json: bool) -> None:
    """Delete the draft (a soft delete: it stays in the database with its audit history)."""
    drafts.delete(door.db, name, mission=mission, actor=door.actor)
    emit({"deleted": name}, as_json, f"draft '{name}' deleted")
