"""Things worth a person's look that are not errors: the record is accepted, with a warning.

A place with no coordinates (Echefell, in the letter) is kept so records can name it, but it
cannot be mapped; a coordinate far from the place the record names is usually a slip (RADPKO's
Ménaka base at longitude -2.40 instead of +2.40 lies 500 km west of Ménaka); a number typed
into quoted text that a field of the record holds (``typed_numbers``) goes stale or contradicts it.
"""

from __future__ import annotations

from bluehelmet.domain.distance import distance_km
from bluehelmet.domain.errors import Problem
from bluehelmet.domain.places import Location
from bluehelmet.domain.records import Record
from bluehelmet.domain.rules import RuleContext
from bluehelmet.domain.typed_numbers import typed_numbers

__all__ = ["FAR_FROM_PLACE_KM", "advise"]

#: Farther than this from the place it names, a coordinate is flagged (a cercle's size, roughly).
FAR_FROM_PLACE_KM = 50.0


def advise(record: Record, ctx: RuleContext) -> list[Problem]:
    """Warnings about ``record`` (never a reason to refuse it)."""
    warnings: list[Problem] = []
    lat, lon = getattr(record, "latitude", None), getattr(record, "longitude", None)
    if isinstance(record, Location) and lat is None:
        warnings.append(Problem(record.label(), "latitude", "has no coordinates: kept, but cannot be mapped"))
    place_id = getattr(record, "location_id", None) if not isinstance(record, Location) else None
    place = ctx.get("Location", place_id) if place_id is not None else None
    if (
        isinstance(place, Location)
        and lat is not None
        and lon is not None
        and place.latitude is not None
        and place.longitude is not None
    ):
        km = distance_km(lat, lon, place.latitude, place.longitude)
        if km > FAR_FROM_PLACE_KM:
            reason = f"({lat}, {lon}) is {km:.0f} km from {place.name} ({place.latitude}, {place.longitude})"
            warnings.append(Problem(record.label(), "latitude", reason))
    warnings.extend(Problem(record.label(), n.field, n.reason()) for n in typed_numbers(record))
    return warnings
