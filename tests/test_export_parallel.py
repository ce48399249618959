"""An export written in parts by several processes is the file one process writes, byte for
byte, read from one state of the record: on PostgreSQL the parts share a snapshot; on SQLite a
change between the parts' starts is seen, and the file is written again in one process."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

# The export command's module, whose help names PARALLEL_FROM when it is first imported: imported
# here, before any test sets that threshold to 0, so the help (and docs/cli.md's check) keeps it.
import bluehelmet.cli.exchange  # noqa: F401
from bluehelmet.cli import cli
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.exports import parallel
from bluehelmet.exports.writers import write
from bluehelmet.services import exporting
from bluehelmet.services.database import Database
from bluehelmet.services.records import kind_of as records_kind
from bluehelmet.storage import export_queries
from tests import factories
from tests.test_export_table import _incidents


class _Counting(parallel._Child):
    started = 0

    def __init__(self, job: dict[str, Any], outputs: Any) -> None:
        type(self).started += 1
        super().__init__(job, outputs)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A folder for the files (the SQLite database lies in tmp_path)."""
    (tmp_path / "out").mkdir()
    return tmp_path / "out"


@pytest.fixture
def in_parts(monkeypatch: pytest.MonkeyPatch) -> type[_Counting]:
    """Any export in parts, however small; the processes started are counted."""
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 0)
    monkeypatch.setattr(parallel, "_START_ROWS", 6)  # a head start for the first part, as at scale
    _Counting.started = 0
    monkeypatch.setattr(parallel, "_Child", _Counting)
    return _Counting


def _one_process(db: Database, fmt: str, path: Path, **filters: Any) -> bytes:
    columns, rows = exporting.export_rows(db, "Incident", **filters)
    write(fmt, path, columns, rows)
    return path.read_bytes()


@pytest.mark.parametrize("fmt", ["csv", "hxl", "geojson"])
def test_an_export_in_three_parts_is_the_file_one_process_writes(
    db: Database, out: Path, fmt: str, in_parts: type[_Counting]
) -> None:
    _incidents(db, 240)
    for filters in ({"mission": "Export A"}, {"mission": "Export A", "date_from": date(2021, 3, 1)}):
        expected = _one_process(db, fmt, out / f"one.{fmt}", **filters)
        started = in_parts.started
        count = parallel.export_file(db, "Incident", fmt, out / f"parts.{fmt}", parts=3, **filters)
        assert in_parts.started - started == 2  # two more processes than this one
        assert (out / f"parts.{fmt}").read_bytes() == expected
        assert count == len(list(exporting.export_rows(db, "Incident", **filters)[1])) > 100
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{a}.{fmt}" for a in ("one", "parts"))


def test_an_xlsx_export_or_one_part_is_written_here(db: Database, out: Path, in_parts: type[_Counting]) -> None:
    with db.transaction("tester") as tx:
        mission = factories.make(tx, "Mission")
        for _ in range(5):
            factories.make(tx, "Incident", mission_id=mission.id)
    name = mission.name  # type: ignore[attr-defined]
    assert parallel.export_file(db, "Incident", "xlsx", out / "a.xlsx", mission=name, parts=3) == 5
    assert parallel.export_file(db, "Incident", "csv", out / "a.csv", mission=name, parts=1) == 5
    assert in_parts.started == 0


def test_a_small_export_is_written_by_one_process(db: Database, out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _incidents(db, 30)
    monkeypatch.setattr(parallel, "_Child", None)  # starting one would fail
    for fmt in ("csv", "geojson"):
        expected = _one_process(db, fmt, out / f"one.{fmt}", mission="Export A")
        assert parallel.export_file(db, "Incident", fmt, out / f"a.{fmt}", mission="Export A", parts=4) > 20
        assert (out / f"a.{fmt}").read_bytes() == expected


def test_parts_that_saw_another_state_are_thrown_away_and_one_process_writes_the_file(
    db: Database, out: Path, in_parts: type[_Counting], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite; on PostgreSQL a view that is not the first part's snapshot is refused."""
    _incidents(db, 60)
    expected = _one_process(db, "csv", out / "one.csv", mission="Export A")
    shared = exporting.shared_view

    def stale(tx: Any) -> str:
        shared(tx)
        return "a change the parts did not see"

    monkeypatch.setattr(exporting, "shared_view", stale)
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(BluehelmetError, match=r"a part of the export failed: .*snapshot"):
            parallel.export_file(db, "Incident", "csv", out / "parts.csv", mission="Export A", parts=2)
        assert [p.name for p in out.iterdir()] == ["one.csv"]
        return
    assert parallel.export_file(db, "Incident", "csv", out / "parts.csv", mission="Export A", parts=2) > 50
    assert in_parts.started == 1
    assert (out / "parts.csv").read_bytes() == expected
    assert sorted(p.name for p in out.iterdir()) == ["one.csv", "parts.csv"]


def test_a_later_part_sees_what_the_first_saw_or_says_it_did_not(db: Database) -> None:
    with db.transaction("tester") as tx:
        factories.make(tx, "Incident")
    first = db._sessions()
    with first.begin():
        view = export_queries.shared_view(first)
        before = first.execute(text("SELECT count(*) FROM incident")).scalar_one()
        with db.transaction("tester") as tx:  # committed while the first part reads
            factories.make(tx, "Incident")
        later = db._sessions()
        with later.begin():
            seen = export_queries.join_view(later, view)
            now = later.execute(text("SELECT count(*) FROM incident")).scalar_one()
        later.close()
    first.close()
    if db.engine.dialect.name == "postgresql":
        assert seen == view and now == before == 1  # the later part reads the first one's snapshot
    else:
        assert seen != view and now == before + 1  # SQLite: the change is seen, and named


def test_a_part_that_fails_leaves_no_file_behind(
    db: Database, out: Path, in_parts: type[_Counting], monkeypatch: pytest.MonkeyPatch
) -> None:
    _incidents(db, 30)
    monkeypatch.setattr(parallel.sys, "executable", "/bin/false")
    with pytest.raises(BluehelmetError, match="a part of the export failed: exit status 1"):
        parallel.export_file(db, "Incident", "geojson", out / "a.geojson", mission="Export A", parts=2)
    assert list(out.iterdir()) == []


def test_the_export_command_writes_in_parts_what_it_writes_in_one(
    db: Database, out: Path, in_parts: type[_Counting]
) -> None:
    _incidents(db, 60)
    url = db.engine.url.render_as_string(hide_password=False)
    for parts in ("1", "2"):
        args = ["--db", url, "export", "Incident", "--mission", "Export A", "--parts", parts, "--json"]
        result = CliRunner().invoke(cli, [*args, "--out", str(out / f"{parts}.csv")])
        assert result.exit_code == 0, result.output
    assert in_parts.started == 1
    assert (out / "1.csv").read_bytes() == (out / "2.csv").read_bytes()
    refused = CliRunner().invoke(cli, ["--db", url, "export", "Incident", "--parts", "0", "--out", "x.csv"])
    assert refused.exit_code == 2 and "--parts" in refused.output


def test_the_first_part_takes_a_head_start_and_the_others_share_the_rest(db: Database) -> None:
    _incidents(db, 240)
    with db.transaction("tester") as tx:
        ids = sorted(tx.session.execute(text("SELECT id FROM incident WHERE deleted_at IS NULL")).scalars())
        for head in (0, 20, 10_000):
            count, bounds = export_queries.part_bounds(tx.session, records_kind("Incident"), {}, 3, head=head)
            cuts = [ids.index(b) for b in bounds]
            sizes = [b - a for a, b in zip([0, *cuts], [*cuts, len(ids)], strict=True)]
            assert count == len(ids) == sum(sizes) > 200
            assert sizes[0] == min(count, count // 3 + head)
            assert max(sizes[1:], default=0) - min(sizes[1:], default=0) <= 1
            assert len(sizes) == (1 if head == 10_000 else 3)


def test_parts_are_joined_the_same_where_the_kernel_cannot_copy(
    db: Database, out: Path, in_parts: type[_Counting], monkeypatch: pytest.MonkeyPatch
) -> None:
    _incidents(db, 120)
    expected = _one_process(db, "csv", out / "one.csv", mission="Export A")

    def refused(*_args: Any) -> int:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(parallel.os, "copy_file_range", refused)
    parallel.export_file(db, "Incident", "csv", out / "parts.csv", parts=2, mission="Export A")
    assert in_parts.started == 1
    assert (out / "parts.csv").read_bytes() == expected


@pytest.mark.parametrize(("fmt", "parts"), [("csv", 3), ("geojson", 2), ("xlsx", 2), ("csv", 1)])
def test_progress_counts_the_rows_of_every_part_up_to_the_total(
    db: Database, out: Path, in_parts: type[_Counting], monkeypatch: pytest.MonkeyPatch, fmt: str, parts: int
) -> None:
    _incidents(db, 240)
    monkeypatch.setattr(parallel, "_REPORT_EVERY", 25)  # here; the later parts' processes tell their own at the end
    told: list[tuple[int, int]] = []
    count = parallel.export_file(
        db, "Incident", fmt, out / f"a.{fmt}", mission="Export A", parts=parts, progress=lambda *n: told.append(n)
    )
    assert told[-1] == (count, count)
    assert {total for _, total in told} == {count}
    assert [done for done, _ in told] == sorted(done for done, _ in told)  # never backwards
    assert len({done for done, _ in told}) >= 3  # told along the way, not only at the end
    assert sorted(p.name for p in out.iterdir()) == [f"a.{fmt}"]  # no tally file left behind
