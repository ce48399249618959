"""Geography of the host country: place names, the gazetteer, admin-1 boundaries and distances.

Beside ``domain`` in the dependency rule: it imports only ``bluehelmet.domain`` and reads no file
but its own shipped data (``data/``, read with importlib.resources). Everything here is pure and
shared: ``Gazetteer.load()`` and ``Boundaries.load("MLI")`` build once per process. See
docs/geography.md, and data/ATTRIBUTION.md for the sources and their licences.
"""

from bluehelmet.domain.distance import EARTH_RADIUS_KM, distance_km
from bluehelmet.geography.attribution import SOURCES, DataSource, attribution_markdown
from bluehelmet.geography.boundaries import SHIPPED_COUNTRIES, Boundaries, LaterRegion, Region
from bluehelmet.geography.gazetteer import Gazetteer, Place, PlaceSource
from bluehelmet.geography.names import normalise

__all__ = [
    "EARTH_RADIUS_KM",
    "SHIPPED_COUNTRIES",
    "SOURCES",
    "Boundaries",
    "DataSource",
    "Gazetteer",
    "LaterRegion",
    "Place",
    "PlaceSource",
    "Region",
    "attribution_markdown",
    "distance_km",
    "normalise",
]
