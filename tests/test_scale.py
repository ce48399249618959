"""Correctness at scale: a synthetic ACLED file of 100,000 events imported through the batched
path gives the same figures as pandas computes from the file itself.

The import takes about 50 s on the 2-core machine of 2026-12-04 (2,000 rows a second with every
row's validation, audit and rollups; about two minutes on the slower machines before it), in
one of the suite's two workers. BLUEHELMET_SCALE_INCIDENTS sets another size (10000 for a
quick run; the benchmark command imports 1,000,000).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pandas as pd

from bluehelmet.config import Settings
from bluehelmet.imports.acled import IMPORTER
from bluehelmet.imports.registry import table_importer
from bluehelmet.services import loading
from bluehelmet.services.database import Database
from bluehelmet.services.stats import IncidentFilter, ied_summary, incident_table
from bluehelmet.services.synth import synthesise

INCIDENTS = int(os.environ.get("BLUEHELMET_SCALE_INCIDENTS", "100000"))


def _write_all(out: Path) -> list[tuple[str, Path]]:
    written = []
    for file in synthesise(incidents=INCIDENTS, seed=11).files:
        path = out / file.name
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(file.columns))
            writer.writeheader()
            writer.writerows(file.iter_rows())
        written.append((file.kind, path))
    return written


def test_a_synthetic_mission_imports_and_its_stats_match_pandas(tmp_path: Path) -> None:
    db = Database(Settings(database_url=f"sqlite:///{tmp_path / 'scale.db'}"))
    db.init_schema()
    files = _write_all(tmp_path)
    for kind, path in files:
        importer = IMPORTER if kind == "acled" else table_importer(kind)
        report = loading.load(
            db, "test", importer.kind, importer.rows(path), source=path.name, convert=importer.convert
        )
        assert report.written and not report.warnings, (path.name, report.problems[:3], report.warnings[:3])
    assert report.created == INCIDENTS

    frame = pd.read_csv(files[-1][1], dtype=str, keep_default_na=False).drop_duplicates("event_id_cnty")
    frame["fatalities"] = frame["fatalities"].astype(int)
    frame["month"] = frame["event_date"].str[:7]
    expected = frame.groupby(["month", "event_type", "admin1"]).agg(events=("event_id_cnty", "size"),
                                                                    fatalities=("fatalities", "sum"))  # fmt: skip
    got = {
        (g["month"], g["event_type"], g["admin1"]): (g["events"], g["fatalities"])
        for g in incident_table(db, ["month", "event_type", "admin1"], IncidentFilter())
    }
    assert got == {k: (int(v.events), int(v.fatalities)) for k, v in expected.iterrows()}

    # A place by the ISO week: a grouping that no rollup holds, counted from the rows at once.
    days = pd.to_datetime(frame["event_date"]).dt.isocalendar()
    frame["week"] = days["year"].astype(str) + "-W" + days["week"].astype(str).str.zfill(2)
    by_place = frame.groupby(["location", "week"]).agg(events=("event_id_cnty", "size"),
                                                       fatalities=("fatalities", "sum"))  # fmt: skip
    weekly = incident_table(db, ["location", "week"], IncidentFilter())
    assert [(g["location"], g["week"]) for g in weekly] == sorted(by_place.index)
    assert [(g["events"], g["fatalities"]) for g in weekly] == [(int(v.events), int(v.fatalities))
                                                                for _, v in sorted(by_place.iterrows())]  # fmt: skip

    year = frame[frame["event_date"].str.startswith("2021")]
    ieds = ied_summary(db, IncidentFilter(date_from=pd.Timestamp("2021-01-01").date(),
                                          date_to=pd.Timestamp("2021-12-31").date()))  # fmt: skip
    detonated = year["sub_event_type"] == "Remote explosive/landmine/IED"
    neutralised = (year["sub_event_type"] == "Disrupted weapons use") & year["notes"].str.contains("IED")
    against = year["actor2"].str.contains("MINUSMA")
    assert (ieds.in_country, ieds.detonated, ieds.neutralised) == (
        (detonated | neutralised).sum(), (detonated & against).sum(), (neutralised & against).sum())  # fmt: skip
    db.close()
