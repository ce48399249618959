"""Great-circle distance between two coordinates, for plausibility checks and near-repeat analysis.

A sphere is enough for what the mission asks of a distance ("is this base 400 km from where the
gazetteer puts it?", "was this IED within 1 km of the last one?"): the spherical error is below
0.5 per cent, far smaller than the uncertainty of a field-reported coordinate.
"""

from __future__ import annotations

import math

__all__ = ["EARTH_RADIUS_KM", "distance_km"]

EARTH_RADIUS_KM = 6371.0088
"""The mean Earth radius (IUGG), which minimises the spherical model's average error."""


def distance_km(latitude1: float, longitude1: float, latitude2: float, longitude2: float) -> float:
    """Return the haversine distance in kilometres between two points given in decimal degrees.

    Contract: symmetric, zero for the same point, at most half the Earth's circumference
    (about 20,015 km); longitudes may be written in any turn (190 is -170). NaN in gives NaN out.
    """
    phi1, phi2 = math.radians(latitude1), math.radians(latitude2)
    dphi = phi2 - phi1
    dlambda = math.radians(longitude2 - longitude1)
    # The haversine form stays accurate for the short distances the field cares most about,
    # where the spherical law of cosines loses digits to rounding.
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
