"""A small mission for the intake tests: three sectors and the places field messages name, with
the gazetteer's coordinates (made by hand, not the whole reference mission, to stay fast)."""

from __future__ import annotations

from bluehelmet.services import records
from bluehelmet.services.database import Database

__all__ = ["PLACES", "build_mission"]

#: Each place of the mission: (name, latitude, longitude, sector).
PLACES = (
    ("Kidal", 18.4411, 1.4078, "Sector North"),
    ("Tessalit", 20.2011, 1.0112, "Sector North"),
    ("Aguelhok", 19.4613, 0.8587, "Sector North"),
    ("Anefis", 18.0500, 0.6000, "Sector North"),
    ("Gao", 16.2717, -0.0447, "Sector East"),
    ("Ansongo", 15.6597, 0.5022, "Sector East"),
    ("Labézanga", 14.96, 0.70, "Sector East"),
    ("Tessit", 15.22, 0.29, "Sector East"),
    ("In-Tellit", 15.55, 0.45, "Sector East"),
    ("Ménaka", 15.9182, 2.4022, "Sector East"),
    ("Bourem", 16.9541, -0.3500, "Sector East"),
    ("Timbuktu", 16.7735, -3.0074, "Sector West"),
    ("Ber", 16.8500, -2.7000, "Sector West"),
    ("Goundam", 16.4145, -3.6708, "Sector West"),
    ("Mopti", 14.4843, -4.1830, "Sector Centre"),
    ("Sévaré", 14.5300, -4.1000, "Sector Centre"),
    ("Douentza", 15.0019, -2.9498, "Sector Centre"),
    ("Bandiagara", 14.3500, -3.6100, "Sector Centre"),
    ("Ogoussagou", 14.25, -3.75, "Sector Centre"),
)


def build_mission(db: Database, name: str = "MINUSMA") -> dict[str, int]:
    """The mission, its sectors and places; the id of each place and sector by name."""
    ids: dict[str, int] = {}
    with db.transaction("tester") as tx:
        mission = records.create(tx, "Mission", {"name": name, "country_iso3": "MLI"})
        for sector in dict.fromkeys(p[3] for p in PLACES):
            made = records.create(tx, "Sector", {"mission_id": mission.id, "name": sector})
            ids[sector] = int(made.id or 0)
        for place, latitude, longitude, sector in PLACES:
            values = {"mission_id": mission.id, "name": place, "latitude": latitude, "longitude": longitude,
                      "sector_id": ids[sector]}  # fmt: skip
            ids[place] = int(records.create(tx, "Location", values).id or 0)
        ids[name] = int(mission.id or 0)
    return ids
