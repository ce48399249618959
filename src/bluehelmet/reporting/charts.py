"""The letter's charts and map, drawn offline with matplotlib as SVG (for HTML and PDF) or PNG (for Word).

Every chart is drawn on its own ``matplotlib.figure.Figure`` (no pyplot, no shared state), and
the same chart gives the same bytes: the SVG's ids are salted with the chart's key and no date
or software version is written into either format. Words (title, axis label, series, layers)
are translated through the letter's ``Wording``; numbers on the axes are written in its language.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Sequence
from datetime import date
from io import BytesIO
from typing import Any

import matplotlib
import shapely
from babel.dates import format_date
from babel.numbers import format_decimal
from matplotlib.axes import Axes
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.typing import RcKeyType

from bluehelmet.geography.boundaries import Boundaries
from bluehelmet.reporting.model import Chart, ChartKind, MapPoint, Series, Term
from bluehelmet.reporting.wording import N_, Wording

__all__ = ["FORMATS", "MAP_DISCLAIMER", "MAP_SOURCE", "NO_RECORDS", "PALETTE", "category_label", "draw"]

FORMATS = ("svg", "png")
NO_RECORDS = N_("No records for this period.")
MAP_SOURCE = N_("Boundaries: Natural Earth (admin-1, pre-2016 regions).")
MAP_DISCLAIMER = N_(
    "The boundaries and names shown and the designations used on this map do not imply official endorsement "
    "or acceptance by the United Nations."
)

#: Sober colours, dark to light, that stay apart in greyscale print: UN blue first.
PALETTE = ("#1f5fa8", "#7fb2e5", "#4d4d4d", "#c0792b", "#a6a6a6", "#2e7d5b", "#7b5ea7", "#d9a441")
#: Colour and marker of the map's usual layers; other layers take the palette in order.
_LAYERS = {"incident": ("#b23a2e", "o"), "operation": ("#1f5fa8", "^"), "camp": ("#2e7d5b", "s")}
_INK, _GRID, _LAND, _BORDER = "#222222", "#d9d9d9", "#f2f2f0", "#8c8c8c"

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MONTH = re.compile(r"\d{4}-\d{2}")
_WIDTH_IN = 6.3  # the text width of an A4 page with 2.5 cm margins
_DPI = 200
_RC: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 10,
    "axes.edgecolor": _BORDER,
    "axes.labelcolor": _INK,
    "xtick.color": _INK,
    "ytick.color": _INK,
    "svg.fonttype": "path",  # glyphs as shapes: the SVG looks the same wherever it is opened
}


def draw(chart: Chart, w: Wording, fmt: str = "svg", *, title: bool = True) -> bytes:
    """The chart as SVG or PNG bytes. ``title=False`` leaves the title to a caption around it."""
    if fmt not in FORMATS:
        raise ValueError(f"charts are drawn as {' or '.join(FORMATS)}, not {fmt!r}")
    with matplotlib.rc_context({**_RC, "svg.hashsalt": f"bluehelmet-{chart.key}"}):
        height = 5.2 if chart.kind is ChartKind.MAP else 3.0
        figure = MplFigure(figsize=(_WIDTH_IN, height), dpi=_DPI, layout="constrained")
        ax = figure.add_subplot()
        if title and chart.title:
            ax.set_title(w(chart.title), loc="left", fontweight="bold", color=_INK)
        if chart.kind is ChartKind.MAP:
            _draw_map(ax, chart, w)
        elif not chart.categories or not chart.series:
            _no_records(ax, w)
        else:
            _draw_values(ax, chart, w)
        out = BytesIO()
        if fmt == "svg":
            figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
        else:
            figure.savefig(out, format="png", dpi=_DPI, metadata={"Software": None})
        return out.getvalue()


def _capital(text: str) -> str:
    """A legend's or axis's words start with a capital, as a vocabulary term in a sentence does not."""
    return text[:1].upper() + text[1:]


def _label(series: Series, w: Wording) -> str:
    return _capital(w.term(series.label.value)) if isinstance(series.label, Term) else series.label.value


def category_label(category: str, w: Wording) -> str:
    """A category as the axis shows it: an ISO day or month ("2021-03-14", "2021-03") in the
    language's short form ("14 Mar", "Mar 2021"; "14 mars", "mars 2021"), anything else as given."""
    try:
        if _ISO_DAY.fullmatch(category):
            return format_date(date.fromisoformat(category), "d MMM", locale=w.locale)
        if _ISO_MONTH.fullmatch(category):
            return format_date(date.fromisoformat(f"{category}-01"), "LLL y", locale=w.locale)
    except ValueError:  # shaped like a date, but not one: shown as it is
        pass
    return category


def _no_records(ax: Axes, w: Wording) -> None:
    ax.set_axis_off()
    ax.text(0.5, 0.5, w(NO_RECORDS), ha="center", va="center", color="#666666", style="italic", transform=ax.transAxes)


def _axis_numbers(ax: Axes, w: Wording, values: Sequence[float]) -> None:
    whole = all(float(v).is_integer() for v in values)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=whole))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: format_decimal(v, format="#,##0.#", locale=w.locale)))


def _draw_values(ax: Axes, chart: Chart, w: Wording) -> None:
    n = len(chart.categories)
    positions = list(range(n))
    series = [s for s in chart.series if len(s.values) == n]
    if chart.kind is ChartKind.LINES:
        for i, s in enumerate(series):
            ax.plot(positions, s.values, color=PALETTE[i % len(PALETTE)], linewidth=1.6, marker="o",
                    markersize=0 if n > 40 else 3.5, label=_label(s, w))  # fmt: skip
        ax.set_xlim(-0.5, n - 0.5)
    elif chart.kind is ChartKind.STACKED:
        bottom = [0.0] * n
        for i, s in enumerate(series):
            ax.bar(positions, s.values, 0.7, bottom=bottom, color=PALETTE[i % len(PALETTE)], label=_label(s, w),
                   edgecolor="white", linewidth=0.5)  # fmt: skip
            bottom = [b + v for b, v in zip(bottom, s.values, strict=True)]
    else:
        width = 0.8 / max(len(series), 1)
        for i, s in enumerate(series):
            offset = (i - (len(series) - 1) / 2) * width
            ax.bar([p + offset for p in positions], s.values, width, color=PALETTE[i % len(PALETTE)],
                   label=_label(s, w))  # fmt: skip
    step = max(1, math.ceil(n / 12))  # at most 12 labels under the axis, whatever the number of categories
    labels = [category_label(chart.categories[i], w) for i in positions[::step]]
    ax.set_xticks(positions[::step], labels)
    if len(labels) * max(len(label) for label in labels) > 80:  # more than the width holds side by side
        for tick in ax.get_xticklabels():
            tick.set_rotation(40)
            tick.set_horizontalalignment("right")
    values = [v for s in series for v in s.values]
    _axis_numbers(ax, w, values)
    if min(values, default=0.0) >= 0:
        ax.set_ylim(bottom=0)
    if chart.y_label:
        ax.set_ylabel(_capital(w(chart.y_label)))
    ax.grid(axis="y", color=_GRID, linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(length=0, pad=4)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if len(series) > 1:
        # As many columns as the widest label lets fit in the width (about 90 characters at this size).
        widest = max(len(_label(s, w)) for s in series) + 6
        ax.figure.legend(loc="outside lower center", ncols=max(1, min(len(series), 90 // widest)), frameon=False)


def _polygons(geometry: Any) -> list[Any]:
    return [part for part in shapely.get_parts(geometry) if part.geom_type == "Polygon"]


def _draw_map(ax: Axes, chart: Chart, w: Wording) -> None:
    boundaries = Boundaries.load(chart.country_iso3) if chart.country_iso3 else None
    latitudes = [p.latitude for p in chart.points]
    if boundaries is not None:
        for name, geometry in boundaries.outlines():
            for polygon in _polygons(geometry):
                xs, ys = polygon.exterior.xy
                ax.fill(list(xs), list(ys), facecolor=_LAND, edgecolor=_BORDER, linewidth=0.6, zorder=1)
            spot = geometry.point_on_surface()
            if geometry.area < 0.5:  # a district such as Bamako: a dot, its name beside it, not over a neighbour
                ax.plot([spot.x], [spot.y], marker="o", markersize=2, color="#595959", zorder=2)
                ax.annotate(name, (spot.x, spot.y), xytext=(3, -3), textcoords="offset points", ha="left",
                            va="top", fontsize=6.5, color="#595959", style="italic", zorder=2)  # fmt: skip
            else:
                ax.annotate(name, (spot.x, spot.y), ha="center", va="center", fontsize=7.5, color="#595959",
                            style="italic", zorder=2)  # fmt: skip
        _min_x, min_y, _max_x, max_y = shapely.union_all([g for _, g in boundaries.outlines()]).bounds
        latitudes += [min_y, max_y]
    _draw_points(ax, chart.points, w)
    if latitudes:
        middle = (min(latitudes) + max(latitudes)) / 2
        ax.set_aspect(1 / math.cos(math.radians(middle)))  # degrees of longitude shrink away from the equator
    ax.set_axis_off()
    # Under the map, in the space the layout keeps for it: where the lines come from, and the UN's caution.
    notes = [w(MAP_SOURCE)] if boundaries is not None else []
    notes.append(textwrap.fill(w(MAP_DISCLAIMER), 140))
    ax.figure.supxlabel("\n".join(notes), fontsize=5.5, color="#777777", x=0.02, ha="left", linespacing=1.4)
    if not chart.points:
        ax.text(0.02, 0.98, w(NO_RECORDS), ha="left", va="top", color="#666666", style="italic",
                transform=ax.transAxes)  # fmt: skip
        if boundaries is None:
            _no_records(ax, w)


def _draw_points(ax: Axes, points: Sequence[MapPoint], w: Wording) -> None:
    if not points:
        return
    heaviest = max(1, *(p.weight for p in points))
    layers = sorted({p.layer for p in points}, key=lambda layer: (layer not in _LAYERS, layer))
    spare = iter(PALETTE[2:])
    for layer in layers:
        colour, marker = _LAYERS.get(layer) or (next(spare, PALETTE[-1]), "D")
        mine = [p for p in points if p.layer == layer]
        total = sum(p.weight for p in mine)
        label = f"{_capital(w.term(layer))} ({format_decimal(total, locale=w.locale)})"
        # Marker area grows with the weight (the records at the spot), from 14 to 260 square points.
        sizes = [14 + 246 * max(p.weight, 0) / heaviest for p in mine]
        ax.scatter([p.longitude for p in mine], [p.latitude for p in mine], s=sizes, c=colour, marker=marker,
                   alpha=0.75, edgecolors="white", linewidths=0.5, label=label, zorder=3)  # fmt: skip
    legend = ax.legend(loc="upper left", frameon=True, fontsize=7.5, markerscale=0.8)
    legend.get_frame().set_edgecolor(_GRID)
    for handle in legend.legend_handles:
        if handle is not None and hasattr(handle, "set_sizes"):
            handle.set_sizes([40])
