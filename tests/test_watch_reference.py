"""The reference mission's default alert rules: a surge rule per cercle, a proximity rule for
convoy routes, operations and bases, one per pattern; loading it again adds none."""

from __future__ import annotations

from datetime import date

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
            "casevac_cover_lost",
        }
        assert all(isinstance(r, AlertRule) and r.provenance for r in rules)
        assert ensure_default_rules(tx, rules[0].mission_id) == 0  # loading again adds none


def test_casevac_cover_lost_is_quiet_on_the_reference_mission_until_a_helicopter_goes(
    reference_copy: Database,
) -> None:
    """Every medical and helicopter unit of the reference mission is deployed: the default rule
    raises nothing; AVN Timbuktu repatriated, it names the one base it alone kept within 10-1-2."""
    day = date(2021, 5, 20)
    raised = watch.run(reference_copy, "tester", day)
    assert raised and all(r.kind != "casevac_cover_lost" for r in raised)  # other rules fire; this one not
    with reference_copy.transaction("tester") as tx:
        (avn,) = [u for u in records.list_records(tx, "Unit") if getattr(u, "name", "") == "AVN Timbuktu"]
        assert avn.id is not None
        records.update(tx, "Unit", avn.id, {"deployment_status": "repatriated", "status_since": "2021-05-15"},
                       avn.version or 0)  # fmt: skip
        ber = [p.id for p in records.list_records(tx, "Location") if getattr(p, "name", "") == "Ber"]
    (lost,) = watch.run(reference_copy, "tester", day)
    assert lost.rule == "CASEVAC cover lost" and lost.records == [["Unit", avn.id], ["Location", *ber]]
    assert "1 of the 18 places watched met 10-1-2 with it and no longer do: base Ber (by day" in lost.message
