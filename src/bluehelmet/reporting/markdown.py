"""The letter as Markdown: headings, paragraphs in which each figure links to its line of the
annex, the charts as image files beside the text, and the annex itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bluehelmet.reporting import frame
from bluehelmet.reporting.annex import annex_notes, annex_rows
from bluehelmet.reporting.model import Chart, Letter
from bluehelmet.reporting.outline import Heading, Numbered, Para, charts_after, masthead, outline
from bluehelmet.reporting.wording import Wording

__all__ = ["MarkdownLetter", "render_markdown"]

_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>|#"})


def _escape(text: str) -> str:
    """Record text as literal Markdown (no markup, no raw HTML)."""
    return text.translate(_SPECIAL)


@dataclass
class MarkdownLetter:
    """The Markdown text and the chart images it refers to (file name -> PNG bytes)."""

    text: str
    images: dict[str, bytes] = field(default_factory=dict)


def _paragraph(block: Para) -> str:
    out = [f"{block.number}. " if block.number else ""]
    for part in block.parts:
        if isinstance(part, Numbered):
            out.append(f"[{part.text}](#{part.anchor})" if part.number is not None else _escape(part.text))
        else:
            out.append(_escape(part))
    return "".join(out)


def render_markdown(
    letter: Letter,
    w: Wording,
    *,
    image_folder: str = "charts",
    draw: Callable[[Chart, Wording, str], bytes] | None = None,
) -> MarkdownLetter:
    """The letter in Markdown; charts are drawn as PNG by ``draw`` (none when None) and referred
    to as ``image_folder/<chart>.png``."""
    head = masthead(letter, w)
    lines = [
        f"{head.organisation} | {head.organ} | {_escape(head.symbol)}",
        "",
        f"{head.distribution}  ",
        f"{head.date}  ",
        head.original,
        "",
        "# " + _escape(head.title),
        "",
        "_" + _escape(head.draft_note) + "_",
        "",
    ]
    images: dict[str, bytes] = {}
    body = outline(letter, w)
    for block in [*body, None, *charts_after(letter, w)]:
        if block is None:  # the signature closes the letter; a letter's charts follow it
            if head.signature:
                lines.extend([_escape(head.signature), ""])
            continue
        if isinstance(block, Heading):
            label = f"{block.label} " if block.label else ""
            lines.extend(["#" * (block.level + 1) + " " + label + _escape(block.text), ""])
        elif isinstance(block, Para):
            lines.extend([_paragraph(block), ""])
        elif draw is not None:
            name = f"{image_folder}/{block.chart.key}.png"
            images[name] = draw(block.chart, w, "png")
            lines.extend([f"![{_escape(block.caption)}]({name})", ""])
    lines.extend([f"## {_escape(w(frame.ANNEX_TITLE))}", "", _escape(w(frame.ANNEX_INTRO)), ""])
    lines.append(
        f"| {w(frame.FIGURE)} | {w(frame.ANNEX_VALUE)} | {w(frame.ANNEX_COMPUTED)} | {w(frame.ANNEX_COVERAGE)} "
        f"| {w(frame.ANNEX_RECORDS)} |"
    )
    lines.append("|---|---|---|---|---|")
    for row in annex_rows(letter, w):
        lines.append(
            f'| <a id="{row.anchor}"></a>F{row.number} | {row.value} | {_escape(row.method)} | {_escape(row.coverage)} '
            f"| {_escape(row.records)} |"
        )
    notes = annex_notes(letter, w)
    if notes:
        lines.extend(["", f"### {_escape(w(frame.ANNEX_NOTES))}", ""])
        lines.extend(f"- {_escape(note)}" for note in notes)
    return MarkdownLetter("\n".join(lines) + "\n", images)
