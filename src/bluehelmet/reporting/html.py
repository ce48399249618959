"""The letter as one self-contained HTML document: styles inline, charts inline as SVG, no outside URL.

Every figure in the text is a link to its row in the annex (``#figure-N``), whose title says how
it was computed; the annex lists its value, method and the ids of the records it counts. With
``for_print`` the same document carries the page rules WeasyPrint needs for the PDF (A4, running
header, page numbers).
"""

from __future__ import annotations

import base64
import re
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from bluehelmet.reporting import frame
from bluehelmet.reporting.annex import annex_notes, annex_rows
from bluehelmet.reporting.charts import draw
from bluehelmet.reporting.model import Chart, Letter
from bluehelmet.reporting.outline import ChartBlock, Heading, Numbered, Para, charts_after, masthead, outline
from bluehelmet.reporting.wording import Wording

__all__ = ["css_string", "inline_svg", "render_html", "segments"]

_PROLOGUE = re.compile(r"\A\s*(<\?xml[^>]*\?>)?\s*(<!DOCTYPE[^>]*>)?\s*", re.DOTALL)
_SVG_ID = re.compile(r'(\bid="|xlink:href="#|\bhref="#|url\(#)([^")]+)')
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)  # matplotlib's RDF block: noise in a page


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bluehelmet.reporting", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.tests.update(
        heading=lambda b: isinstance(b, Heading),
        para=lambda b: isinstance(b, Para),
        chart=lambda b: isinstance(b, ChartBlock),
    )
    return env


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that nothing in it can end (not even ``</style>``)."""
    return '"' + "".join(c if c.isalnum() or c in " .,:" else f"\\{ord(c):x} " for c in text) + '"'


def inline_svg(chart: Chart, w: Wording) -> Markup:
    """The chart's SVG, ready to sit inside HTML (matplotlib escapes every text it writes in it)."""
    svg = draw(chart, w, "svg", title=False).decode("utf-8")
    svg = _METADATA.sub("", _PROLOGUE.sub("", svg, count=1), count=1)
    # Ids made unique in the page: every chart defines the same glyphs ("DejaVuSans-48") and parts.
    prefix = "chart-" + re.sub(r"[^A-Za-z0-9_-]", "_", chart.key) + "-"
    svg = _SVG_ID.sub(lambda m: f"{m[1]}{prefix}{m[2]}", svg)
    return Markup(svg)  # noqa: S704 - our own drawing, its texts escaped by matplotlib


def _svg_image(chart: Chart, w: Wording) -> Markup:
    data = base64.b64encode(draw(chart, w, "svg", title=False)).decode("ascii")
    return Markup(f'<img src="data:image/svg+xml;base64,{data}" alt="">')  # noqa: S704 - base64 only


def segments(block: Para, *, for_print: bool = False) -> list[tuple[str, Numbered | None]]:
    """A paragraph's text as runs, each with the figure it links to (or None).

    For print, the space before a linked figure goes inside its link: WeasyPrint (70) can break
    a line at its first word instead of its last when a line ends just after an inline box that
    follows a space (the family of Kozea/WeasyPrint#1614); with the space inside, it breaks right.
    """
    out: list[tuple[str, Numbered | None]] = []
    for part in block.parts:
        if isinstance(part, Numbered) and part.number is not None:
            text = part.text
            if for_print and out and out[-1][1] is None and out[-1][0].endswith(" "):
                out[-1] = (out[-1][0][:-1], None)
                text = " " + text
            out.append((text, part))
        else:
            out.append((part.text if isinstance(part, Numbered) else part, None))
    return out


def render_html(letter: Letter, w: Wording, *, for_print: bool = False) -> str:
    """The whole letter in ``w``'s language, with its annex."""
    head = masthead(letter, w)
    blocks = outline(letter, w)
    after = charts_after(letter, w)
    # For print, each chart is an image of its SVG: WeasyPrint draws it with its SVG renderer, where
    # inline SVG would have its presentation styles read (and warned about) as the page's CSS.
    draw_chart = _svg_image if for_print else inline_svg
    charts = {b.chart.key: draw_chart(b.chart, w) for b in [*blocks, *after] if isinstance(b, ChartBlock)}
    return (
        _environment()
        .get_template("letter.html.j2")
        .render(
            lang=w.language,
            head=head,
            created=letter.generated_on.isoformat(),
            running=Markup(css_string(head.running)),  # noqa: S704 - quoted and escaped by css_string
            blocks=blocks,
            after=after,
            charts=charts,
            rows=annex_rows(letter, w),
            annex={
                "title": w(frame.ANNEX_TITLE),
                "intro": w(frame.ANNEX_INTRO),
                "figure": w(frame.FIGURE),
                "value": w(frame.ANNEX_VALUE),
                "computed": w(frame.ANNEX_COMPUTED),
                "records": w(frame.ANNEX_RECORDS),
                "coverage": w(frame.ANNEX_COVERAGE),
                "notes": w(frame.ANNEX_NOTES),
            },
            notes=annex_notes(letter, w),
            for_print=for_print,
            segments=lambda block: segments(block, for_print=for_print),
        )
    )
