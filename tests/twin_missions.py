"""Two live missions whose sectors share their names (each has a "Sector East" and a "Sector
West"), with incidents, units, equipment and operations in each, and an account of every role
(the sector accounts are the first mission's). Sector West of the first mission has no units.

Used by the scoping tests: a sector account must see its own sector of its own mission and
nothing else, through every door.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from bluehelmet.config import Settings
from bluehelmet.domain.access import Role
from bluehelmet.services import accounts
from bluehelmet.services.database import Database
from bluehelmet.web.app import create_app
from tests.factories import make

__all__ = ["PASSWORD", "SECRET", "Twins", "build_twins"]

PASSWORD = "a sound passphrase 42"
SECRET = "a-test-secret-key-long-and-random-enough-0123456789"
MISSIONS = ("MINUSMA", "MINUSCA")


@dataclass
class Twins:
    """The two missions, their records by name (``m1.east.incident``...) and a token per account."""

    db: Database
    client: TestClient
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def call(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        headers.update(kwargs.pop("headers", {}))
        return self.client.request(method, path, headers=headers, **kwargs)


def _id(record: object) -> int:
    value = getattr(record, "id", None)
    assert isinstance(value, int)
    return value


def build_twins(db: Database, settings: Settings | None = None) -> Twins:
    ids: dict[str, int] = {}
    with db.transaction("tester") as tx:
        country = _id(make(tx, "ContributingCountry"))
        for m, name in zip(("m1", "m2"), MISSIONS, strict=True):
            mission = ids[m] = _id(make(tx, "Mission", name=name))
            for side in ("east", "west"):
                p = f"{m}.{side}"
                sector = ids[f"{p}.sector"] = _id(make(tx, "Sector", mission_id=mission, name=f"Sector {side.title()}"))
                place = ids[f"{p}.location"] = _id(make(tx, "Location", mission_id=mission, name=f"{name} {side} town",
                                                        sector_id=sector))  # fmt: skip
                ids[f"{p}.incident"] = _id(make(tx, "Incident", mission_id=mission, sector_id=sector,
                                                location_id=place, external_id=f"{name}-{side}",
                                                review_status="draft"))  # fmt: skip
                ids[f"{p}.operation"] = _id(make(tx, "Operation", mission_id=mission, sector_ids=[sector],
                                                 location_ids=[place], name=f"Operation {name} {side}"))  # fmt: skip
                if (m, side) == ("m1", "west"):
                    continue  # a sector with no units
                unit = ids[f"{p}.unit"] = _id(make(tx, "Unit", mission_id=mission, sector_id=sector, base_id=place,
                                                   country_id=country, name=f"{name}-{side}-MED",
                                                   unit_type="medical_level_2"))  # fmt: skip
                ids[f"{p}.equipment"] = _id(make(tx, "EquipmentItem", mission_id=mission, unit_id=unit,
                                                 identifier=f"MPV-{name}-{side}"))  # fmt: skip
    chosen = settings or Settings(database_url=db.settings.database_url, secret_key=SECRET)
    twins = Twins(db, TestClient(create_app(chosen, db=db), follow_redirects=False, raise_server_exceptions=False), ids)
    for role in Role:
        sector = "Sector East" if role == Role.SECTOR else None
        accounts.add_account(db, "tester", f"{role.value}-user", role.value, sector=sector,
                             mission=MISSIONS[0] if sector else None, password=PASSWORD)  # fmt: skip
        twins.tokens[role.value] = accounts.issue_token(db, "tester", f"{role.value}-user")
    accounts.add_account(db, "tester", "west-user", "sector", sector="Sector West", mission=MISSIONS[0],
                         password=PASSWORD)  # fmt: skip
    twins.tokens["west"] = accounts.issue_token(db, "tester", "west-user")
    return twins
