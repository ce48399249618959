"""Reviewing incidents: a draft is verified or rejected, a reviewed incident reopened as a draft.

Each change carries the version it was based on, and goes through ``services.records.update``
(so the rules' ``REVIEW_TRANSITIONS`` decide what may follow what, and every change is audited).
A batch is all or nothing (``review_many``: every incident is tried, and if any is refused
nothing is written and every refusal is reported, each naming its item), or each on its own
(``review_each``: one transaction, a savepoint per incident, so a refused one takes back only
its own change and the rest commit together).
"""

from __future__ import annotations

from collections.abc import Sequence

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.errors import BluehelmetError, InvalidRecord, NotFound, Problem, StaleVersion
from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.services import records
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.listing import OutsideScope

__all__ = ["review", "review_each", "review_many"]


def _review(tx: Transaction, principal: Principal, incident_id: int, version: int, status: ReviewStatus) -> Incident:
    current = records.get(tx, Incident, incident_id)
    if not allowed(tx, principal, Action.READ, current):
        # answered as an id that does not exist, so that ids cannot be walked to learn what
        # lies in another sector or mission (as the records' routes do)
        raise NotFound(Incident.__name__, incident_id)
    if not allowed(tx, principal, Action.REVIEW, current):
        raise OutsideScope(f"Incident #{incident_id} is outside what {principal.name} may review")
    changed = records.update(tx, Incident, incident_id, {"review_status": status.value}, version)
    assert isinstance(changed, Incident)
    return changed


def review(db: Database, principal: Principal, incident_id: int, version: int, status: ReviewStatus) -> Incident:
    """Move one incident to ``status`` if it is still at ``version``."""
    with db.transaction(principal.name) as tx:
        return _review(tx, principal, incident_id, version, status)


def review_many(
    db: Database, principal: Principal, items: Sequence[tuple[int, int]], status: ReviewStatus
) -> list[Incident]:
    """Move every incident ``(id, version)`` to ``status``, all or nothing; a refusal of any
    raises InvalidRecord with one problem per refused item (field ``items.N``)."""
    problems: list[Problem] = []
    with db.transaction(principal.name) as tx:
        done = []
        for number, (incident_id, version) in enumerate(items):
            where = f"items.{number}"
            try:
                done.append(_review(tx, principal, incident_id, version, status))
            except InvalidRecord as error:
                problems += [Problem(p.record, where, f"{p.field}: {p.reason}") for p in error.problems]
            except (NotFound, StaleVersion, OutsideScope) as error:
                problems.append(Problem(f"Incident #{incident_id}", where, str(error)))
        if problems:
            raise InvalidRecord(problems)  # leaving the transaction undoes what was done
        return done


def review_each(
    db: Database, principal: Principal, items: Sequence[tuple[int, int]], status: ReviewStatus
) -> list[Incident | BluehelmetError]:
    """Move every incident ``(id, version)`` to ``status``, each kept or refused on its own: for
    each item, the incident as changed or the refusal (stale, outside the principal's scope,
    unknown, against a rule). Every change is audited; all are committed at once, in one
    transaction (one write of the rollups, one commit), with a savepoint per incident."""
    outcomes: list[Incident | BluehelmetError] = []
    with db.transaction(principal.name) as tx:
        for incident_id, version in items:
            try:
                with tx.savepoint():
                    outcomes.append(_review(tx, principal, incident_id, version, status))
            except BluehelmetError as refused:
                outcomes.append(refused)
    return outcomes
