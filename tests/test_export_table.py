"""The table export (plain column values, a function per column) writes exactly what the record
by record export writes: the same cells for every kind of the reference mission and for a few
hundred awkward incidents, the same bytes in every format, on both backends."""

from __future__ import annotations

import csv
import inspect
import itertools
import json
import random
import tracemalloc
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from bluehelmet.domain.catalogue import ENTITIES, entity_name
from bluehelmet.domain.places import Location
from bluehelmet.exports.writers import csv_chunks, geojson_chunks, write
from bluehelmet.services import exporting, loading, records
from bluehelmet.services.database import Database
from bluehelmet.services.exchange import Column
from bluehelmet.services.exporting import ExportRow
from bluehelmet.storage.tables import TABLES
from tests import factories


def old_write(fmt: str, path: Path, columns: list[Column], rows: Iterable[ExportRow]) -> int:
    """The writer as it was before the table export: csv.writer per row, json.dumps per feature."""
    names = [c.name for c in columns]
    with path.open("w", encoding="utf-8-sig" if fmt in ("csv", "hxl") else "utf-8", newline="") as handle:
        count = 0
        if fmt == "geojson":
            handle.write('{"type": "FeatureCollection", "features": [\n')
            for row in rows:
                point = row.latitude is not None and row.longitude is not None
                geometry = {"type": "Point", "coordinates": [row.longitude, row.latitude]} if point else None
                feature = {
                    "type": "Feature",
                    "geometry": geometry,
                    "properties": dict(zip(names, row.values, strict=True)),
                }
                handle.write(("," if count else "") + json.dumps(feature, ensure_ascii=False) + "\n")
                count += 1
            handle.write("]}\n")
            return count
        writer = csv.writer(handle)
        writer.writerow(names)
        if fmt == "hxl":
            from bluehelmet.exports.writers import hxl_tag  # noqa: PLC0415

            writer.writerow([hxl_tag(n) for n in names])
        for row in rows:
            writer.writerow(row.values)
            count += 1
        return count


def _same_files(db: Database, tmp_path: Path, kind: Any, **filters: Any) -> int:
    """Write ``kind`` both ways in every text format and check the bytes; the number of rows."""
    columns, new_rows = exporting.export_rows(db, kind, **filters)
    _, old_rows = exporting.record_rows(db, kind, **filters)
    new, old = list(new_rows), list(old_rows)
    assert new == old
    formats = ["csv", "hxl"] + (["geojson"] if exporting.has_coordinates(records.kind_of(kind)) else [])
    for fmt in formats:
        assert write(fmt, tmp_path / f"new.{fmt}", columns, iter(new)) == len(new)
        old_write(fmt, tmp_path / f"old.{fmt}", columns, iter(old))
        assert (tmp_path / f"new.{fmt}").read_bytes() == (tmp_path / f"old.{fmt}").read_bytes(), fmt
    return len(new)


@pytest.mark.parametrize("cls", ENTITIES, ids=entity_name)
def test_every_kind_of_the_reference_mission_exports_as_record_by_record(
    reference_db: Database, tmp_path: Path, cls: type
) -> None:
    _same_files(reference_db, tmp_path, cls)


def test_the_reference_mission_has_records_to_compare(reference_db: Database) -> None:
    with reference_db.transaction("tester") as tx:
        assert records.count(tx, "Incident") > 100 and records.count(tx, "Location") > 10


TRICKY = [
    "", "=1+1", "+33 6 12", "-3 dead", "@here", "\tindented", "\rreturn", "comma, inside", 'quote " inside',
    "line\nbreak", "accents é ü 北京", "'already quoted", "#12", " spaced ", "semi; colon", "back\\slash", "\x1f",
]  # fmt: skip
#: What a name may hold of the above: names refuse control characters (``domain.text``).
TRICKY_NAMES = [text for text in TRICKY if text.isprintable()]
TYPES = [
    ("Battles", "Armed clash", None),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED", "ied_detonated"),
    ("Violence against civilians", "Attack", "protection_of_civilians"),
    ("Protests", "Peaceful protest", None),
]


POINTS = [(None, None), (16.2716, -0.0443), (14.5, -4.0), (16.1 + 0.2, -4.000000000000001)]


def _incidents(db: Database, n: int) -> dict[str, Any]:
    """``n`` incidents of every awkward shape in mission A, a few in mission B, some deleted; what
    the export of A must name them by."""
    rng = random.Random(7)
    with db.transaction("tester") as tx:
        a = records.create(tx, "Mission", {"name": "Export A", "country_iso3": "MLI"}).id
        b = records.create(tx, "Mission", {"name": "Export B", "country_iso3": "MLI"}).id

        def place(name: str, mission: int | None = a, **more: Any) -> int:
            values = {"mission_id": mission, "name": name, "latitude": 16.27, "longitude": -0.04, **more}
            return records.create(tx, "Location", values).id or 0

        places = {
            "unique": place("Kidal"), "twin 1": place("Gao"), "twin 2": place("GAO"),  # the same once normalised
            "named by a variant": place("Douentza", variants=["Bourem"]), "variant clash": place("Bourem"),
            "to delete": place("Tessalit"), "like an id": place("#1"), "formula": place("=Ménaka"),
        }  # fmt: skip
        place("Kidal", mission=b)  # another mission's Kidal does not make ours ambiguous
        sector = factories.make(tx, "Sector", mission_id=a, name="Sector North").id
        units = [factories.make(tx, "Unit", mission_id=a).id for _ in range(3)]
        operation = factories.make(tx, "Operation", mission_id=a).id
        deleted = []
        for i in range(n):
            event_type, sub, category = rng.choice(TYPES)
            ours = i % 50 != 0
            latitude, longitude = rng.choice(
                [(None, None), (16.2716, -0.0443), (14.5, -4.0), (16.1 + 0.2, -4.000000000000001)]
            )
            incident = records.create(tx, "Incident", {
                "mission_id": a if ours else b, "external_id": None if i % 7 == 0 else f"S{i}",
                "event_date": date(2020 + i % 3, 1 + i % 12, 1 + i % 28).isoformat(),
                "event_time": rng.choice([None, "06:45:00", "23:59:59.250000"]),
                "event_type": event_type, "sub_event_type": sub, "category": category,
                "location_id": rng.choice([None, *places.values()]) if ours else None,
                "sector_id": rng.choice([None, sector]) if ours else None,
                "operation_id": rng.choice([None, operation]) if ours else None,
                "responding_unit_ids": rng.sample(units, rng.randrange(4)) if ours else [],
                "location_name": rng.choice(TRICKY_NAMES), "notes": rng.choice(TRICKY),
                "perpetrator": rng.choice(TRICKY),
                "source": rng.choice(TRICKY), "latitude": latitude, "longitude": longitude,
                "target": rng.choice([None, "mission", "civilians"]), "inter1": rng.choice([None, 0, 2, 8]),
                "fatalities": rng.randrange(5), "explosives_used": rng.random() < 0.5,
                "civilian_targeting": rng.random() < 0.5, "source_reliability": rng.choice([None, "B"]),
                "attackers_estimated": rng.choice([None, 0, 200]),
            })  # fmt: skip
            if i % 13 == 0:
                deleted.append(incident)
        for incident in deleted:
            records.delete(tx, "Incident", incident.id or 0, records.get(tx, "Incident", incident.id or 0).version or 0)
        gone = {incident.external_id for incident in deleted}  # type: ignore[attr-defined]
    # A location deleted behind the services' back while incidents still name it: written #id.
    with db.engine.begin() as conn:
        table = TABLES[Location]
        conn.execute(
            update(table).where(table.c.id == places["to delete"]).values(deleted_at=datetime(2024, 1, 1, tzinfo=UTC))
        )
    return {"places": places, "deleted": gone}


def test_a_few_hundred_awkward_incidents_export_as_record_by_record(db: Database, tmp_path: Path) -> None:
    made = _incidents(db, 300)
    assert _same_files(db, tmp_path, "Incident", mission="Export A") > 250
    columns, rows = exporting.export_rows(db, "Incident", mission="Export A")
    names = [c.name for c in columns]
    exported = [dict(zip(names, row.values, strict=True)) for row in rows]
    written = {row["location"] for row in exported}
    places = made["places"]
    # A reference's name is neutralised like any text a spreadsheet would run as a formula.
    assert "Kidal" in written and "'=Ménaka" in written
    with db.transaction("test") as tx:  # and an import of the file finds the place again
        resolver = loading.Resolver(tx, loading.find_mission(tx, "Export A").id)
        assert resolver.find("Location", "'=Ménaka") == [places["formula"]]
    assert "Gao" not in written and f"#{places['twin 1']}" in written
    assert f"#{places['variant clash']}" in written and "Douentza" in written
    assert f"#{places['to delete']}" in written and "Tessalit" not in written
    assert not made["deleted"] & {row["external_id"] for row in exported}  # soft-deleted records stay out
    assert any("; " in row["responding_units"] for row in exported)


def test_mission_and_date_filters_choose_the_same_rows(db: Database, tmp_path: Path) -> None:
    _incidents(db, 120)
    every = _same_files(db, tmp_path, "Incident", mission="Export A")
    other = _same_files(db, tmp_path, "Incident", mission="Export B")
    one_year = _same_files(db, tmp_path, "Incident", mission="Export A", date_from=date(2021, 1, 1),
                           date_to=date(2021, 12, 31))  # fmt: skip
    since = _same_files(db, tmp_path, "Incident", mission="Export A", date_from=date(2021, 6, 1))
    assert 0 < other < 10 and 0 < one_year < since < every
    columns, rows = exporting.export_rows(db, "Incident", mission="Export A", date_from=date(2021, 1, 1),
                                          date_to=date(2021, 12, 31))  # fmt: skip
    days = [row.values[[c.name for c in columns].index("event_date")] for row in rows]
    assert days and all("2021-01-01" <= day <= "2021-12-31" for day in days)


def test_the_export_is_a_generator_that_holds_a_batch_not_all_rows(db: Database) -> None:
    _incidents(db, 300)
    _, rows = exporting.export_rows(db, "Incident", mission="Export A", batch=20)
    assert inspect.isgenerator(rows)  # nothing is read until the first row is asked for
    next(rows)
    rows.close()

    def peak(rows_read: int | None, keep: bool = False) -> int:
        _, rows = exporting.export_rows(db, "Incident", mission="Export A", batch=20)
        tracemalloc.start()
        try:
            kept = [row for row in itertools.islice(rows, rows_read) if keep]
            assert kept or not keep
            rows.close()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak(None)  # warm the statement caches first
    first_batches, streamed, kept = peak(40), peak(None), peak(None, keep=True)
    # Reading all the rows one by one takes about what reading the first two batches takes.
    assert streamed - first_batches < (kept - first_batches) / 3, (first_batches, streamed, kept)


def test_an_export_of_a_kind_without_dates_refuses_from_and_to(db: Database) -> None:
    with pytest.raises(Exception, match="no date to filter"):
        exporting.export_rows(db, "Sector", date_from=date(2021, 1, 1))


CELLS = st.text(alphabet=st.sampled_from("ab,\"\r\n \té;='\\\x1f"), max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(CELLS, min_size=3, max_size=3), max_size=5), st.booleans())
def test_csv_chunks_write_what_csv_writer_writes(table: list[list[str]], hxl: bool) -> None:
    import io  # noqa: PLC0415

    expected = io.StringIO()
    writer = csv.writer(expected)
    writer.writerow(["a", "b", "c"])
    if hxl:
        writer.writerow(["#x_a", "#x_b", "#x_c"])
    writer.writerows(table)
    rows = [ExportRow(cells, None, None) for cells in table]
    assert "".join(csv_chunks(["a", "b", "c"], rows, hxl)) == expected.getvalue()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(
                st.text(max_size=5) | st.text(st.sampled_from('a"\\\x01\n%é\u00a0\u2028{}'), max_size=5),
                min_size=2,
                max_size=2,
            ),
            st.one_of(st.none(), st.floats(allow_nan=True), st.integers()),
            st.one_of(st.none(), st.floats(allow_nan=True), st.integers()),
        ),
        max_size=4,
    )
)
def test_geojson_chunks_write_what_json_dumps_writes(features: list[tuple[list[str], Any, Any]]) -> None:
    rows = [ExportRow(cells, lat, lon) for cells, lat, lon in features]
    expected = '{"type": "FeatureCollection", "features": [\n'
    for i, row in enumerate(rows):
        point = row.latitude is not None and row.longitude is not None
        geometry = {"type": "Point", "coordinates": [row.longitude, row.latitude]} if point else None
        feature = {
            "type": "Feature",
            "geometry": geometry,
            "properties": dict(zip(["a", 'é"'], row.values, strict=True)),
        }
        expected += ("," if i else "") + json.dumps(feature, ensure_ascii=False) + "\n"
    assert "".join(geojson_chunks(["a", 'é"'], rows)) == expected + "]}\n"
