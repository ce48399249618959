"""HXL-tagged CSV as incidents: ``bluehelmet import hxl FILE``, read with libhxl.

A column is known by its hashtag (attributes in any order, any case), or, when its tag is
unknown or missing, by a header that is an ACLED column name (HDX's ACLED files leave some
columns untagged). Standard tags become ACLED cells and go through the ACLED mapping
(:mod:`bluehelmet.imports.acled_mapping`), so both imports read a cell the same way:

    #event+code -> event_id_cnty      #date+occurred, #date -> event_date
    #event+type -> event_type         #event+type+sub -> sub_event_type
    #group+name+first(+assoc), #group+name+second(+assoc) -> actor1, assoc_actor_1, actor2, ...
    #adm1+name, #adm2+name, #adm3+name, #loc+name -> admin1..3, location
    #geo+lat, #geo+lon -> latitude, longitude     #affected+killed -> fatalities
    #description -> notes             #meta+source -> source

bluehelmet's own HXL export adds ``#x_<column>`` for every other Incident column, and
``#event+category``, ``#loc+name+ref`` (the gazetteer entry), ``#loc+sector`` and
``#meta+provenance``: those are read as bluehelmet's columns and applied over the ACLED mapping,
so an HXL export of incidents imports back as the same incidents. An ``#x_`` tag that names no
Incident column is ignored.

Rows of one event (same ``#event+code``) that are adjacent are merged as in an ACLED file. New
incidents are drafts unless the file says otherwise (``#x_review_status``): an HXL file may come
from anywhere. A file without a hashtag row, or without a date, event type or sub-event type
column, is refused as a whole (FileProblem), never with a traceback.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import hxl

from bluehelmet.domain.errors import Problem
from bluehelmet.domain.incidents import Incident
from bluehelmet.domain.records import Record
from bluehelmet.imports.acled import REQUIRED_COLUMNS, AcledEvent, group_events
from bluehelmet.imports.acled_mapping import Origin, convert_event
from bluehelmet.imports.registry import Importer, register
from bluehelmet.imports.tables import FileProblem
from bluehelmet.services.exchange import columns, restore_formula_text, text_to_values
from bluehelmet.services.loading import Resolver

__all__ = ["ACLED_TAGS", "BLUEHELMET_TAGS", "IMPORTER", "convert_hxl", "hxl_rows", "tag_key"]

#: The malformed hashtags libhxl met while the current file's tag row was read (it skips those
#: columns and only logs them: here they refuse the file instead of silently losing a column).
_MALFORMED: ContextVar[list[str] | None] = ContextVar("malformed_hxl_tags", default=None)
_MALFORMED_MESSAGE = "malformed hashtag specs"


class _MalformedTags(logging.Filter):
    """Keeps libhxl's complaint about malformed tags for the file being read, off the console."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _MALFORMED_MESSAGE not in message:
            return True
        found = _MALFORMED.get()
        if found is not None and record.name == "hxl.model":
            found.extend(t.strip() for t in message.split(":", 1)[-1].split(", "))
        return False


for _logger in ("hxl.model", "hxl.REMOTE_ACCESS"):
    logging.getLogger(_logger).addFilter(_MalformedTags())


def tag_key(tag: str) -> str:
    """A hashtag's comparison key: lower case, attributes sorted (``#event+type+sub`` ==
    ``#Event+Sub+Type``)."""
    name, *attributes = tag.strip().lower().split("+")
    return "+".join([name.strip(), *sorted(a.strip() for a in attributes if a.strip())])


#: Standard HXL tags -> the ACLED column they fill.
ACLED_TAGS: Mapping[str, str] = {
    tag_key(tag): column
    for tag, column in {
        "#event+code": "event_id_cnty", "#date+occurred": "event_date", "#date": "event_date",
        "#event+type": "event_type", "#event+type+sub": "sub_event_type",
        "#group+name+first": "actor1", "#group+name+first+assoc": "assoc_actor_1",
        "#group+name+second": "actor2", "#group+name+second+assoc": "assoc_actor_2",
        "#adm1+name": "admin1", "#adm2+name": "admin2", "#adm3+name": "admin3", "#loc+name": "location",
        "#geo+lat": "latitude", "#geo+lon": "longitude", "#affected+killed": "fatalities",
        "#description": "notes", "#meta+source": "source",
    }.items()
}  # fmt: skip
#: Tags of bluehelmet's HXL export for Incident columns that ACLED has no column for.
BLUEHELMET_TAGS: Mapping[str, str] = {
    "#event+category": "category", "#loc+name+ref": "location", "#loc+sector": "sector",
    "#meta+provenance": "provenance",
}  # fmt: skip
# ACLED's column names, recognised as headers of columns whose tag is unknown or missing.
_ACLED_HEADERS = frozenset(
    [*REQUIRED_COLUMNS, "time_precision", "geo_precision", "actor1", "assoc_actor_1", "inter1", "actor2",
     "assoc_actor_2", "inter2", "interaction", "disorder_type", "civilian_targeting", "admin1", "admin2", "admin3",
     "location", "latitude", "longitude", "source", "source_scale", "notes", "fatalities", "tags", "timestamp"]
)  # fmt: skip
_INCIDENT_COLUMNS = frozenset(c.name for c in columns(Incident))
_NEEDED = {"event_date": "#date+occurred (or #date)", "event_type": "#event+type", "sub_event_type": "#event+type+sub"}
_ORIGIN = Origin(provenance=None, review_status=None)


class _Plan:
    """Which cell of a data row goes where: ACLED cells, and bluehelmet's own columns."""

    def __init__(self, path: Path, hxl_columns: Sequence[Any]) -> None:
        self.acled: dict[int, str] = {}
        self.overlay: dict[int, str] = {}
        self.labels: dict[str, str] = {}  # ACLED column -> the tag the file gives it
        self.tags: dict[str, str] = {}  # bluehelmet column -> the tag the file gives it
        for index, column in enumerate(hxl_columns):
            tag = str(column.display_tag or "")
            key = tag_key(tag) if tag else ""
            header = str(column.header or "").strip().lstrip("\ufeff").lower()
            if key in ACLED_TAGS:
                self._acled(index, ACLED_TAGS[key], tag)
            elif key in BLUEHELMET_TAGS or (key.startswith("#x_") and key[3:] in _INCIDENT_COLUMNS):
                self.overlay[index] = own = BLUEHELMET_TAGS.get(key, key[3:])
                self.tags[own] = tag
            elif header in _ACLED_HEADERS:
                self._acled(index, header, tag or header)
        missing = [tags for column, tags in _NEEDED.items() if column not in self.labels]
        if missing:
            raise FileProblem(path, f"has no column tagged {', '.join(missing)}: an incident needs a date and types")

    def _acled(self, index: int, column: str, label: str) -> None:
        if column not in self.labels:  # the first column of a kind wins; a repeat is ignored
            self.acled[index] = column
            self.labels[column] = label

    def event(self, number: int, cells: Sequence[Any]) -> AcledEvent:
        def text(index: int) -> str:
            value = cells[index] if index < len(cells) else None
            # bluehelmet's export neutralises cells that look like formulas; undo it.
            return "" if value is None else restore_formula_text(str(value).strip())

        acled = {column: text(index) for index, column in self.acled.items()}
        overlay = {column: text(index) for index, column in self.overlay.items()}
        event = AcledEvent(number, acled, labels=self.labels, overlay=overlay)
        for column, value in overlay.items():
            event[self.tags[column]] = value  # so that a problem named by the tag shows the cell
        event.overlay_tags = self.tags
        return event


def hxl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """The events of an HXL-tagged CSV, numbered by their first row as a spreadsheet shows it."""

    def events() -> Iterator[tuple[int, AcledEvent]]:
        malformed: list[str] = []
        watching = _MALFORMED.set(malformed)
        try:
            with hxl.data(str(path), hxl.InputOptions(allow_local=True)) as source:
                hxl_columns = source.columns
                if malformed:
                    tags = ", ".join(dict.fromkeys(malformed))
                    reason = f"has malformed HXL hashtags: {tags} (a tag is '#' and a name, then +attributes: #geo+lat)"
                    raise FileProblem(path, reason)
                plan = _Plan(path, hxl_columns)
                for row in source:
                    values = list(row.values or [])
                    if not any(str(v).strip() for v in values if v is not None):
                        continue
                    number = (row.source_row_number if row.source_row_number is not None else row.row_number) + 1
                    yield number, plan.event(number, values)
        except hxl.input.HXLTagsNotFoundException:
            raise FileProblem(path, "has no HXL hashtag row (a row of tags such as #event+code, #date+occurred "
                              "within its first 25 rows)") from None  # fmt: skip
        except UnicodeDecodeError as error:
            raise FileProblem(path, f"is not UTF-8 text ({error.reason}); save it as 'CSV UTF-8'") from None
        except (hxl.HXLException, OSError, csv.Error, ValueError) as error:
            raise FileProblem(path, f"is not readable HXL ({type(error).__name__}: {error})") from None
        finally:
            _MALFORMED.reset(watching)

    yield from group_events(events())


def convert_hxl(
    cls: type[Record], row: Mapping[str, Any], resolver: Resolver, who: str
) -> tuple[dict[str, Any], list[Problem]]:
    """The Converter of ``bluehelmet import hxl``: the ACLED mapping, then bluehelmet's columns."""
    event = row if isinstance(row, AcledEvent) else AcledEvent(resolver.row, {str(k): str(v) for k, v in row.items()})
    values, problems = convert_event(event, resolver, who, _ORIGIN)
    if event.overlay:
        own, own_problems = text_to_values(cls, event.overlay, resolver.resolve, who)
        values.update(own)
        problems += [Problem(p.record, event.overlay_tags.get(p.field, p.field), p.reason) for p in own_problems]
    return values, problems


IMPORTER = register(Importer("hxl", "Incident", "HXL-tagged CSV of incidents (libhxl)", hxl_rows, convert_hxl))
