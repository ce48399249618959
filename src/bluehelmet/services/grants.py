"""What an account is granted: missions, and for the sector role one sector within each.

An account with no grant reaches every mission of the database, as every account did before
grants existed, unless it has the sector role (a sector account reaches only its sectors). An
administrator restricts any account by granting it missions. Names are resolved here, with the
valid choices named when one is wrong; a sector is named alone ("Sector East") when one
mission has it, else with its mission ("MINUSMA:Sector East"), since two missions may have a
sector of the same name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.places import Mission, Sector
from bluehelmet.services import records
from bluehelmet.services.database import Transaction

__all__ = ["SEPARATOR", "Grant", "choices", "principal_from", "resolve", "shown"]

#: Between a mission's name and a sector's, where a sector's name alone is ambiguous.
SEPARATOR = ":"


@dataclass(frozen=True)
class Grant:
    """One mission an account reaches (by id and name) and, for the sector role, its sector there."""

    mission_id: int
    mission: str
    sector_id: int | None = None
    sector: str | None = None

    def __str__(self) -> str:
        return f"{self.mission}{SEPARATOR}{self.sector}" if self.sector else self.mission


_Frame = TypeVar("_Frame", Mission, Sector)


def _live(tx: Transaction, cls: type[_Frame]) -> list[_Frame]:
    return sorted((r for r in records.list_records(tx, cls) if isinstance(r, cls)), key=lambda r: r.id or 0)


def _missions(tx: Transaction, names: Sequence[str]) -> list[Mission]:
    by_name = {m.name: m for m in _live(tx, Mission)}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        known = ", ".join(by_name) or "(none yet)"
        raise BluehelmetError(f"no mission {unknown[0]!r}; the missions are: {known}")
    return [by_name[n] for n in dict.fromkeys(names)]


def _sector(tx: Transaction, name: str, among: list[Mission]) -> Sector:
    missions = {m.id: m.name for m in among}
    choices = [s for s in _live(tx, Sector) if s.mission_id in missions]
    mission, _, alone = name.rpartition(SEPARATOR)
    found = [s for s in choices if s.name == alone and (not mission or missions[s.mission_id] == mission)]
    if len(found) == 1:
        return found[0]
    named = sorted(f"{missions[s.mission_id]}{SEPARATOR}{s.name}" if len(missions) > 1 else s.name for s in choices)
    if found:
        raise BluehelmetError(f"sector {name!r} is in several missions; say which: {', '.join(named)}")
    raise BluehelmetError(f"no sector {name!r}; the sectors are: {', '.join(named) or '(none yet)'}")


def resolve(
    tx: Transaction, role: Role, missions: Sequence[str], sectors: Sequence[str]
) -> list[tuple[int, int | None]]:
    """The grants (mission id, sector id or None) that ``missions`` and ``sectors`` name for an
    account of ``role``: a sector account needs a sector (looked up in the missions named, else
    in every mission) and has at most one in each mission; only a sector account has sectors."""
    if (role == Role.SECTOR) != bool(sectors):
        raise BluehelmetError("a sector account needs --sector, and only a sector account has one")
    chosen = _missions(tx, missions)
    if role != Role.SECTOR:
        return [(m.id or 0, None) for m in chosen]
    found = [_sector(tx, name, chosen or _live(tx, Mission)) for name in dict.fromkeys(sectors)]
    grants: dict[int, int | None] = {}
    for sector in found:
        if sector.mission_id in grants:
            raise BluehelmetError("a sector account has one sector in each of its missions")
        grants[sector.mission_id] = sector.id
    bare = [m.name for m in chosen if m.id not in grants]
    if bare:
        raise BluehelmetError(f"a sector account needs its sector in each of its missions (none in {bare[0]})")
    return sorted(grants.items())


def choices(tx: Transaction) -> list[tuple[str, list[str]]]:
    """Every live mission by name with its sectors as a grant names them (``MISSION:SECTOR``)."""
    sectors = _live(tx, Sector)
    return [(m.name, sorted(f"{m.name}{SEPARATOR}{s.name}" for s in sectors if s.mission_id == m.id))
            for m in _live(tx, Mission)]  # fmt: skip


def shown(tx: Transaction, rows: Sequence[tuple[int, int | None]]) -> tuple[Grant, ...]:
    """The grants ``rows`` with the names of their missions and sectors."""
    out = []
    for mission_id, sector_id in rows:
        mission = records.get(tx, Mission, mission_id, include_deleted=True)
        sector = records.get(tx, Sector, sector_id, include_deleted=True) if sector_id is not None else None
        out.append(Grant(mission_id, str(getattr(mission, "name", "")), sector_id, getattr(sector, "name", None)))
    return tuple(out)


def principal_from(name: str, role: Role, rows: Sequence[tuple[int, int | None]]) -> Principal:
    """The principal of an account of ``role`` with the grants ``rows`` (no grant: every mission,
    or nothing for a sector account)."""
    if role == Role.SECTOR:
        return Principal(name, role, missions=frozenset(m for m, _ in rows),
                         sectors=frozenset(s for _, s in rows if s is not None))  # fmt: skip
    return Principal(name, role, missions=frozenset(m for m, _ in rows) if rows else None)
