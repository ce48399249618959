"""Refusing a filter that names a place no incident has: "no such place", with the nearest
spellings, instead of an analysis that quietly counts zero events."""

from __future__ import annotations

import difflib

from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.geography.names import normalise
from bluehelmet.services.database import Database
from bluehelmet.services.stats import IncidentFilter, incident_table

__all__ = ["PLACE_KEYS", "check_places"]

#: The filters that name a place, and what the error calls each.
PLACE_KEYS = {"location": "place", "sector": "sector", "admin1": "region", "admin2": "cercle"}


def check_places(db: Database, flt: IncidentFilter, *, mission: str | None = None, actor: str = "stats") -> None:
    """Raise if a place ``flt`` names is on none of the mission's incidents (spelling, case and
    accents aside: those the filter itself forgives or not, as the analysis does)."""
    for key, noun in PLACE_KEYS.items():
        asked = list((flt.where or {}).get(key) or [])
        if not asked:
            continue
        known = [
            str(r[key]) for r in incident_table(db, [key], IncidentFilter(), mission=mission, actor=actor) if r[key]
        ]
        by_form = {normalise(k): k for k in known}
        for value in asked:
            if value in known:
                continue
            if normalise(value) in by_form:
                raise BluehelmetError(f"no such {noun} {value!r}: it is written {by_form[normalise(value)]!r}")
            close = difflib.get_close_matches(normalise(value), list(by_form), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(repr(by_form[c]) for c in close)}?" if close else ""
            raise BluehelmetError(f"no such {noun} {value!r} among the {len(known)} with incidents{hint}")
