"""Loading the reference mission from the YAML and CSV files shipped in ``reference/data``.

Each YAML file is a list of blocks ``{kind: Unit, records: [...]}``; a record is written in the
same columns as the spreadsheets (references by name), and may carry its child records under
the child kind's name (an evaluation's ``evaluation_finding`` list, an item's
``equipment_status_change`` list...), which get their parent filled in. A block
``{kind: Incident, file: incidents.csv}`` loads a spreadsheet in that kind's columns instead.
Everything loads in one transaction; every record matches on its natural key, so loading again
changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from bluehelmet.domain.catalogue import ENTITIES, entity_class, entity_name
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.records import Record, entity_fields, reference_target
from bluehelmet.geography.gazetteer import Gazetteer
from bluehelmet.imports.tables import read_table
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.exchange import structured_to_values
from bluehelmet.services.loading import LoadReport, Resolver, load_into
from bluehelmet.services.watch_defaults import ensure_default_rules

__all__ = ["MISSION_NAME", "ReferenceProblem", "data_files", "load_reference"]

MISSION_NAME = "MINUSMA"
_CHILD_NAMES = {entity_name(c): c for c in ENTITIES}


class ReferenceProblem(BluehelmetError):
    """The shipped reference data does not load: a bug in the data, reported with every problem."""


def data_files() -> list[Path]:
    """The shipped YAML files in load order (their names start with a two-digit number)."""
    folder = Path(str(resources.files("bluehelmet.reference") / "data"))
    return sorted(folder.glob("[0-9][0-9]_*.yaml"))


def _child_kind(parent: type[Record], key: str, value: Any) -> type[Record] | None:
    """The kind of child records listed under ``key``, if it is a list of records of a kind that
    belongs to ``parent`` (``sector: Sector East`` is a reference, not a child list)."""
    child = _CHILD_NAMES.get(key)
    if child is None or not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        return None
    owned = any(
        reference_target(f) == parent.__name__ and f.default is dataclasses.MISSING for f in entity_fields(child)
    )
    return child if owned else None


def _structured(cls: type[Record], row: Mapping[str, Any], resolver: Resolver, who: str) -> Any:
    own = {k: v for k, v in row.items() if _child_kind(cls, k, v) is None}
    return structured_to_values(cls, own, resolver.resolve, who)


def _parent_field(child: type[Record], parent: type[Record]) -> str:
    for f in entity_fields(child):
        if reference_target(f) == parent.__name__ and f.default is dataclasses.MISSING:
            return f.name
    raise ReferenceProblem(f"{child.__name__} cannot be listed under {parent.__name__}")


def _load_block(
    tx: Transaction,
    cls: type[Record],
    rows: list[dict[str, Any]],
    report: LoadReport,
    resolver: Resolver,
    parent: tuple[str, int] | None = None,
) -> None:
    numbered = list(enumerate(rows, start=1))
    written = load_into(tx, cls, iter(numbered), report, resolver, convert=_structured, parent=parent, keep=True)
    if report.problem_count:
        return
    for (_, row), record in zip(numbered, written, strict=True):
        for key, children in row.items():
            child = _child_kind(cls, key, children)
            if child is not None and record.id is not None:
                _load_block(tx, child, children, report, resolver, (_parent_field(child, cls), record.id))


def _gazetteer_rows(tx: Transaction, report: LoadReport, resolver: Resolver) -> None:
    """Every place of the shipped gazetteer as a Location of the mission, with its regions
    and cercles as admin areas and its sector from ``sectors.yaml``."""
    gazetteer = Gazetteer.load()
    folder = Path(str(resources.files("bluehelmet.reference") / "data"))
    sectors = yaml.safe_load((folder / "sectors.yaml").read_text(encoding="utf-8"))
    sector_of = {region: sector for sector, regions in sectors.items() for region in regions}
    source = "GeoNames and the letter's places (public data)"
    regions = sorted({p.admin1 for p in gazetteer if p.admin1})
    written = load_into(
        tx, entity_class("AdminArea"),
        iter([(n, {"level": "admin1", "name": r, "provenance": source}) for n, r in enumerate(regions, 1)]),
        report, resolver, convert=_structured, keep=True,
    )  # fmt: skip
    region_ids = {r: f"#{a.id}" for r, a in zip(regions, written, strict=True)}
    cercles = sorted({(p.admin1, p.admin2) for p in gazetteer if p.admin1 and p.admin2})
    rows = [{"level": "admin2", "name": c, "parent": region_ids[r], "provenance": source} for r, c in cercles]
    written = load_into(
        tx, entity_class("AdminArea"), iter(enumerate(rows, 1)), report, resolver, convert=_structured, keep=True
    )
    cercle_ids = {key: f"#{a.id}" for key, a in zip(cercles, written, strict=True)}
    places: list[dict[str, Any]] = [
        {
            "name": p.name,
            "kind": str(p.kind),
            "variants": list(p.variants),
            "latitude": p.latitude,
            "longitude": p.longitude,
            "admin1": region_ids.get(p.admin1),
            "admin2": cercle_ids.get((p.admin1, p.admin2)),
            "sector": sector_of.get(p.admin1),
            "geonames_id": p.geonames_id,
            "source": f"{p.source}: {p.coordinate_from}" if p.coordinate_from else str(p.source),
            "provenance": source,
        }
        for p in gazetteer
    ]
    load_into(tx, entity_class("Location"), iter(enumerate(places, 1)), report, resolver, convert=_structured)


def _table_rows(name: str) -> Iterator[tuple[int, dict[str, str]]]:
    return read_table(Path(str(resources.files("bluehelmet.reference") / "data" / name)))


def load_reference(db: Database, actor: str) -> LoadReport:
    """Load (or bring up to date) the reference mission; raise with every problem if it fails."""
    report = LoadReport(source="reference mission", kind="(all)")
    with db.transaction(actor) as tx:
        resolver = Resolver(tx, None, report)
        for path in data_files():
            blocks = yaml.safe_load(path.read_text(encoding="utf-8")) or []
            for block in blocks:
                cls = entity_class(block["kind"])
                report.source = path.name
                if "file" in block:  # a block kept as a spreadsheet beside the YAML
                    report.source = block["file"]
                    load_into(tx, cls, _table_rows(block["file"]), report, resolver)
                else:
                    _load_block(tx, cls, block["records"], report, resolver)
                if cls.__name__ == "Sector" and resolver.mission_id is not None:
                    report.source = "gazetteer"
                    _gazetteer_rows(tx, report, resolver)
                if cls.__name__ == "Mission" and resolver.mission_id is None:
                    found = resolver.find("Mission", MISSION_NAME)
                    resolver.mission_id = found[0] if found else None
                if report.problem_count:
                    raise ReferenceProblem(_describe(report))
        if resolver.mission_id is not None:  # the alert rules it starts with (docs/watch.md), by name
            ensure_default_rules(tx, resolver.mission_id)
    return report


def _describe(report: LoadReport) -> str:
    listed = "; ".join(str(p) for p in report.problems[:10])
    return f"the reference data in {report.source} does not load ({report.problem_count} problems): {listed}"
