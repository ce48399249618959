"""The letter as Markdown: headings, paragraphs in which each figure links to its line of the
annex, the charts as image files beside the text, and the annex itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bluehelmet.reporting import frame
from bluehelmet.reporting.annex import annex_rows
from bluehelmet.reporting.model import Chart, Day, Letter, Section
from bluehelmet.reporting.wording import FigurePart, Wording

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


def _paragraph(parts: list[str | FigurePart], numbers: dict[str, int]) -> str:
    out = []
    for part in parts:
        if isinstance(part, FigurePart):
            out.append(f"[{part.text}](#figure-{numbers[part.figure.key]})")
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
    numbers = letter.figure_number()
    lines = [
        f"{w(frame.ORGANISATION)} | {w(frame.ORGAN)}",
        "",
        f"{w(frame.DISTRIBUTION)}  ",
        f"{w.day(Day(letter.generated_on))}  ",
        w(frame.ORIGINAL),
        "",
        "# "
        + _escape(
            w(frame.TITLE).format(
                mission=letter.mission, date_from=w.day(Day(letter.date_from)), date_to=w.day(Day(letter.date_to))
            )
        ),
        "",
        "_" + _escape(w(frame.DRAFT_NOTE).format(generated_on=w.day(Day(letter.generated_on)))) + "_",
        "",
    ]
    images: dict[str, bytes] = {}

    def visit(section: Section, depth: int) -> None:
        lines.extend(["#" * depth + " " + _escape(w(section.title)), ""])
        for paragraph in section.paragraphs:
            lines.extend([" ".join(_paragraph(w.parts(s), numbers) for s in paragraph.sentences), ""])
        for chart in section.charts:
            if draw is None:
                continue
            name = f"{image_folder}/{chart.key}.png"
            images[name] = draw(chart, w, "png")
            lines.extend([f"![{_escape(w(chart.title))}]({name})", ""])
        for sub in section.subsections:
            visit(sub, depth + 1)

    for section in letter.sections:
        visit(section, 2)
    lines.extend([f"## {_escape(w(frame.ANNEX_TITLE))}", "", _escape(w(frame.ANNEX_INTRO)), ""])
    lines.append(
        f"| {w(frame.FIGURE)} | {w(frame.ANNEX_VALUE)} | {w(frame.ANNEX_COMPUTED)} | {w(frame.ANNEX_RECORDS)} |"
    )
    lines.append("|---|---|---|---|")
    for row in annex_rows(letter, w):
        lines.append(
            f'| <a id="{row.anchor}"></a>F{row.number} | {row.value} | {_escape(row.method)} | {_escape(row.records)} |'
        )
    return MarkdownLetter("\n".join(lines) + "\n", images)
