"""The reference mission's default alert rules: a surge rule per cercle, a proximity rule for
convoy routes, operations and bases, one per pattern; loading it again adds none."""

from __future__ import annotations

from bluehelmet.domain.alerts import AlertRule
from bluehelmet.domain.places import AdminArea, AdminLevel
from bluehelmet.services import records, watch
from bluehelmet.services.database import Database
from bluehelmet.services.watch_defaults import ensure_default_rules


def test_the_reference_mission_ships_its_rules_once(reference_db: Database) -> None:
    with reference_db.transaction("tester") as tx:
        rules = watch.list_rules(tx)
        cercles = [a for a in records.list_records(tx, AdminArea) if getattr(a, "level", None) == AdminLevel.ADMIN2]
        surges = [r for r in rules if r.kind == "surge"]
        assert len(cercles) == 45 and sorted(r.admin_area_id or 0 for r in surges) == sorted(c.id or 0 for c in cercles)
        assert "Surge: Ansongo (Gao)" in {r.name for r in surges}
        (near,) = [r for r in rules if r.kind == "proximity"]
        assert sorted(near.targets) == ["bases", "convoy_routes", "operations"]
        assert {str(r.kind) for r in rules} == {
            "surge",
            "proximity",
            "near_repeat",
            "unnotified_convoy",
            "caveat_impact",
            "rotation_in_high_tempo",
        }
        assert all(isinstance(r, AlertRule) and r.provenance for r in rules)
        assert ensure_default_rules(tx, rules[0].mission_id) == 0  # loading again adds none
