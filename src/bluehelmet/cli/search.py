"""`bluehelmet search`: full-text search across the kinds of record."""

from __future__ import annotations

import click

from bluehelmet.cli.door import Door, emit, json_option, mission_option, pass_door
from bluehelmet.domain.access import Principal, Role
from bluehelmet.services import search as searching

__all__ = ["COMMANDS", "search"]


@click.command("search")
@click.argument("text", nargs=-1, required=True)
@click.option("--kind", "kinds", multiple=True, metavar="KIND",
              help="Search only this kind of record, e.g. incident, operation, caveat (repeatable).")  # fmt: skip
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True,
              help="Records shown of each kind.")  # fmt: skip
@mission_option
@json_option
@pass_door
def search(
    door: Door, /, text: tuple[str, ...], kinds: tuple[str, ...], limit: int, mission: str | None, as_json: bool
) -> None:
    """Search the records' text: incidents, operations and activities, caveats, evaluation
    findings, improvement actions, movement restrictions, convoys, the transition, projects,
    intake messages, alerts and drafts of the letter.

    Every word must begin a word of the record, in any case and with or without accents
    ("menaka" finds "Ménaka"). Shows the best records of each kind, with how many match in all."""
    # The command line reads the whole mission, as every command does.
    found = searching.search(door.db, Principal(door.actor, Role.ADMIN), " ".join(text), kinds=kinds,
                             mission=mission, limit=limit)  # fmt: skip
    emit(found.as_json(), as_json, _text(found))


def _text(found: searching.Results) -> str:
    if not found.words:
        return "no word to search for (letters or digits)"
    if not found.hits:
        return f"nothing holds {' '.join(found.words)!r}"
    lines = []
    for kind, hits in found.by_kind():
        lines.append(f"{kind} ({found.counts[kind]:,} found)")
        for hit in hits:
            lines.append(f"  #{hit.id} {hit.title}")
            lines.append(f"      {hit.excerpt.marked()}")
    return "\n".join(lines)


COMMANDS = (search,)
