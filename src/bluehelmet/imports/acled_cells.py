"""What one ACLED cell means to the columnar reader (``acled_columns.py``), worked out once for
each distinct value of a column by the row path's own functions, and the distance between two
columns of coordinates."""

from __future__ import annotations

from typing import Any

import numpy as np

from bluehelmet.domain.distance import EARTH_RADIUS_KM
from bluehelmet.geography import normalise
from bluehelmet.imports.acled_mapping import _MISSION_ACTOR, inter_code

__all__ = [
    "against_mission", "cells", "civilians", "code", "distinct_actors", "haversine", "joined_as_written", "precision",
]  # fmt: skip

_LARGEST = 2**31 - 1


def cells(header: list[str], row: dict[str, Any]) -> dict[str, str]:
    """A row as the row path's reader gives it to AcledEvent (names in lower case, as acled_rows)."""
    return {name.strip().lower(): str(row[f"c{i}"]) for i, name in enumerate(header) if name}


def precision(meanings: tuple[str, ...], code: str) -> str | None:
    code = code or "1"
    return meanings[int(code) - 1] if code in ("1", "2", "3") else None


def civilians(text: str) -> bool:
    return normalise(text) == "civilian targeting"


def against_mission(text: str) -> bool:
    return bool(_MISSION_ACTOR.search(text))


def joined_as_written(text: str) -> bool:
    """Whether the row path writes these associated actors back as they are."""
    return "; ".join(a.strip() for a in text.split(";") if a.strip()) == text


def distinct_actors(text: str) -> bool:
    first, second = text.split("\x1f")
    return not first or not second or normalise(first) != normalise(second)


def code(text: str, column: str) -> int | bool | None:
    """An inter code, None when empty, False when the row path would refuse or not store it."""
    try:
        code = inter_code(text, column)
    except ValueError:
        return False
    if code is not None and code > _LARGEST:
        return False
    return code


def haversine(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    h = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    with np.errstate(invalid="ignore"):
        distance = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    far: np.ndarray = np.nan_to_num(distance, nan=0.0)
    return far
