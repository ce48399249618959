"""A small hand-made mission for the watch tests: two sectors, one cercle in each, a camp, a
town on a road, and helpers that add incidents, rules and convoys in a few lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bluehelmet.domain.records import Record
from bluehelmet.services import records
from bluehelmet.services.database import Database, Transaction

#: Places (latitude, longitude): Gao camp and Gao town, Ansongo 90 km south-east, Kidal far north.
GAO = (16.27, -0.04)
ANSONGO = (15.66, 0.50)
KIDAL = (18.44, 1.41)


@dataclass
class World:
    db: Database
    mission_id: int = 0
    ids: dict[str, int] = field(default_factory=dict)

    def tx(self) -> Any:
        return self.db.transaction("tester")

    def incident(self, tx: Transaction, day: str, *, where: str = "Ansongo", category: str = "direct_attack",
                 at: tuple[float, float] | None = None, **extra: Any) -> int:  # fmt: skip
        ied = category.startswith("ied")
        values: dict[str, Any] = {
            "mission_id": self.mission_id,
            "event_date": day,
            "event_type": "Explosions/Remote violence" if ied else "Battles",
            "sub_event_type": "Remote explosive/landmine/IED" if ied else "Armed clash",
            "category": category,
            "location_name": where,
            "admin1": "Gao" if where != "Kidal" else "Kidal",
            "admin2": where,
            "sector_id": self.ids["west" if where == "Kidal" else "east"],
            "review_status": "verified",
        }
        point = at or {"Ansongo": ANSONGO, "Gao": GAO, "Kidal": KIDAL}[where]
        values["latitude"], values["longitude"] = point
        values.update(extra)
        return _id(records.create(tx, "Incident", values))

    def rule(self, tx: Transaction, name: str, kind: str, **extra: Any) -> int:
        return _id(
            records.create(tx, "AlertRule", {"mission_id": self.mission_id, "name": name, "kind": kind, **extra})
        )


def _id(record: Record) -> int:
    assert record.id is not None
    return record.id


def build(db: Database, *, mission: str = "Watchland") -> World:
    world = World(db)
    with db.transaction("tester") as tx:
        m = records.create(tx, "Mission", {"name": mission, "country_iso3": "MLI"})
        world.mission_id = _id(m)
        mid = world.mission_id
        for side in ("east", "west"):
            world.ids[side] = _id(records.create(tx, "Sector", {"mission_id": mid, "name": f"{mission} {side}"}))
        gao = _id(records.create(tx, "AdminArea", {"mission_id": mid, "level": "admin1", "name": "Gao"}))
        kidal = _id(records.create(tx, "AdminArea", {"mission_id": mid, "level": "admin1", "name": "Kidal"}))
        world.ids["ansongo_area"] = _id(records.create(
            tx, "AdminArea", {"mission_id": mid, "level": "admin2", "name": "Ansongo", "parent_id": gao}))  # fmt: skip
        world.ids["kidal_area"] = _id(records.create(
            tx, "AdminArea", {"mission_id": mid, "level": "admin2", "name": "Kidal", "parent_id": kidal}))  # fmt: skip
        east, west = world.ids["east"], world.ids["west"]
        for key, name, kind, (lat, lon), sector in (
            ("camp", "Gao camp", "camp", GAO, east),
            ("gao", "Gao", "town", (16.28, -0.05), east),
            ("ansongo", "Ansongo", "town", ANSONGO, east),
            ("kidal", "Kidal", "town", KIDAL, west),
        ):
            values = {"mission_id": mid, "name": name, "kind": kind, "latitude": lat, "longitude": lon,
                      "sector_id": sector}  # fmt: skip
            world.ids[key] = _id(records.create(tx, "Location", values))
    return world


def convoy_activity(world: World, tx: Transaction, start: date, end: date) -> int:
    """An escort from Gao to Ansongo between ``start`` and ``end``."""
    values = {"mission_id": world.mission_id, "activity_type": "escort", "start_on": start.isoformat(),
              "end_on": end.isoformat(), "from_location_id": world.ids["gao"],
              "to_location_id": world.ids["ansongo"], "description": "Escort Gao-Ansongo"}  # fmt: skip
    return _id(records.create(tx, "Activity", values))
