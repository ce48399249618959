"""The credit the geography data's licences require, for the "About the data" page and exports."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

__all__ = ["SOURCES", "DataSource", "attribution_markdown"]


@dataclass(frozen=True, kw_only=True)
class DataSource:
    """A source of shipped data: who made it, the terms it comes under, where it is published."""

    name: str
    terms: str
    url: str


SOURCES: tuple[DataSource, ...] = (
    DataSource(name="GeoNames", terms="CC BY 4.0", url="https://www.geonames.org/"),
    DataSource(name="Natural Earth", terms="public domain", url="https://www.naturalearthdata.com/"),
    DataSource(name="Geo-PKO", terms="citation requested", url="https://github.com/geopko/Geo-PKO-Shiny-Dashboard"),
)
"""Every source of the shipped geography data; ``attribution_markdown`` credits each."""


def attribution_markdown() -> str:
    """The full attribution text (Markdown) shipped as ``data/ATTRIBUTION.md``.

    Contract: names every source of ``SOURCES`` with its terms (a test keeps it so); a door
    showing or exporting geography data shows this text or links to a page that does.
    """
    return (resources.files("bluehelmet.geography") / "data" / "ATTRIBUTION.md").read_text(encoding="utf-8")
