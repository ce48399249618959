"""The review queue's two decisions beyond verifying: reject with a reason, and merge a duplicate.

Rejecting keeps the incident (soft: nothing entered is lost) with ``review_status`` rejected and
the reason appended to its notes, so the audit entry and the record both say why. Merging a
duplicate into the incident it repeats rejects the duplicate with the reason "duplicate of #N",
attaches its files to the kept incident too (the same content, by its digest), and points the
messages it came from at the kept incident. Both carry the version they were based on, and
are refused for an incident outside what the principal may review.
"""

from __future__ import annotations

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.errors import BluehelmetError, NotFound
from bluehelmet.domain.incidents import Incident, ReviewStatus
from bluehelmet.domain.intake import IntakeMessage
from bluehelmet.services import attachments, records
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database, Transaction
from bluehelmet.storage import attachments as store
from bluehelmet.storage import repository

__all__ = ["MAX_REASON", "merge", "reject"]

#: The longest reason a rejection may give.
MAX_REASON = 500


def _reviewable(tx: Transaction, principal: Principal | None, incident_id: int) -> Incident:
    found = records.get(tx, Incident, incident_id)
    assert isinstance(found, Incident)
    if principal is not None and not allowed(tx, principal, Action.REVIEW, found):
        raise NotFound("Incident", incident_id)
    return found


def _reject(tx: Transaction, principal: Principal | None, incident_id: int, version: int, reason: str) -> Incident:
    reason = " ".join(reason.split())
    if not reason:
        raise BluehelmetError("say why the incident is rejected")
    if len(reason) > MAX_REASON:
        raise BluehelmetError(f"a reason has at most {MAX_REASON} characters")
    current = _reviewable(tx, principal, incident_id)
    notes = f"{current.notes}\n" if current.notes else ""
    changes = {"review_status": ReviewStatus.REJECTED.value, "notes": f"{notes}Rejected: {reason}"}
    changed = records.update(tx, Incident, incident_id, changes, version)
    assert isinstance(changed, Incident)
    return changed


def reject(db: Database, principal: Principal | None, incident_id: int, version: int, reason: str) -> Incident:
    """Reject a draft, saying why (the reason is kept in its notes and its audit entry)."""
    with db.transaction(principal.name if principal else "cli") as tx:
        return _reject(tx, principal, incident_id, version, reason)


def merge(db: Database, principal: Principal | None, duplicate_id: int, version: int, into_id: int) -> Incident:
    """Merge draft #``duplicate_id`` (at ``version``) into incident #``into_id``: the duplicate
    is rejected as such, its files attached to the kept one, its messages pointed at it."""
    if duplicate_id == into_id:
        raise BluehelmetError("an incident cannot be merged into itself")
    with db.transaction(principal.name if principal else "cli") as tx:
        kept = _reviewable(tx, principal, into_id)
        assert kept.id is not None
        rejected = _reject(tx, principal, duplicate_id, version, f"duplicate of #{into_id}")
        for held in attachments.attachments_of(tx, "Incident", duplicate_id):
            content = store.content_of(tx.session, held.sha256)
            if content is not None:
                attachments.attach(tx, "Incident", kept.id, content, filename=held.filename,
                                   provenance=f"merged from incident #{duplicate_id}")  # fmt: skip
        for message in repository.find(tx.session, IntakeMessage, {"incident_id": duplicate_id}):
            assert isinstance(message, IntakeMessage) and message.id is not None and message.version is not None
            records.update(tx, IntakeMessage, message.id, {"duplicate_of_id": into_id}, message.version)
        return rejected
