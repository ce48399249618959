"""Accounts, passwords and API tokens: creating them, signing in, and who a token speaks for.

Passwords are hashed with argon2 (argon2-cffi's defaults, rehashed when those change) and
must be at least ``MIN_PASSWORD_LENGTH`` long; a generated password is 20 random characters.
API tokens are 32 random bytes shown once, stored as their SHA-256 digest. Every change to an
account is written to the audit history (without the hash) in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bluehelmet.domain.access import Principal, Role
from bluehelmet.domain.audit import AuditAction, AuditEntry
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services import grants as granting
from bluehelmet.services.database import Database, Transaction
from bluehelmet.services.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, check_password
from bluehelmet.storage import accounts as store
from bluehelmet.storage import repository

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "Account",
    "account_history",
    "add_account",
    "authenticate",
    "end_sessions",
    "grant_choices",
    "issue_token",
    "list_accounts",
    "principal_for_name",
    "principal_for_token",
    "reset_password",
    "revoke_tokens",
    "set_active",
    "update_account",
]

#: The cost of a password's hash: argon2id with RFC 9106's second recommended profile (3 passes
#: over 64 MiB, 4 lanes; argon2-cffi's default), about 50 ms a sign-in on one core (docs/access.md).
HASH_TIME_COST, HASH_MEMORY_KIB, HASH_LANES = 3, 65_536, 4
_HASHER = PasswordHasher(time_cost=HASH_TIME_COST, memory_cost=HASH_MEMORY_KIB, parallelism=HASH_LANES)
#: Verified against when the account does not exist, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


@dataclass(frozen=True)
class Account:
    """An account as its administrators see it: ``grants`` empty means every mission (or, for
    the sector role, nothing)."""

    id: int
    name: str
    role: Role
    grants: tuple[granting.Grant, ...]
    active: bool
    generation: int = 0

    @property
    def sector_id(self) -> int | None:
        """The account's first sector (a sector account's only one, in one mission)."""
        return next((g.sector_id for g in self.grants if g.sector_id is not None), None)

    @property
    def sector(self) -> str | None:
        """The names of the account's sectors, with their missions' when it has several."""
        named = [g for g in self.grants if g.sector]
        if len(named) > 1:
            return ", ".join(str(g) for g in named)
        return named[0].sector if named else None

    @property
    def missions(self) -> list[str] | None:
        """The names of the missions the account reaches (None: every one)."""
        if not self.grants and self.role != Role.SECTOR:
            return None
        return [g.mission for g in self.grants]

    @property
    def principal(self) -> Principal:
        return granting.principal_from(self.name, self.role,
                                       [(g.mission_id, g.sector_id) for g in self.grants])  # fmt: skip


def _audit(tx: Transaction, account_id: int, action: AuditAction, before: Any, after: Any) -> None:
    repository.append_audit(tx.session, AuditEntry(
        entity="Account", record_id=account_id, action=action, version=1, actor=tx.actor, at=tx.now(),
        before=before, after=after,
    ))  # fmt: skip


def _grant_rows(tx: Transaction, account_id: int) -> list[tuple[int, int | None]]:
    return store.grant_rows(tx.session, [account_id]).get(account_id, [])


def _account(tx: Transaction, row: dict[str, Any], rows: list[tuple[int, int | None]] | None = None) -> Account:
    if rows is None:
        rows = _grant_rows(tx, row["id"])
    return Account(row["id"], row["name"], Role(row["role"]), granting.shown(tx, rows), bool(row["active"]),
                   int(row.get("session_generation") or 0))  # fmt: skip


def _principal(tx: Transaction, row: dict[str, Any]) -> Principal:
    rows = _grant_rows(tx, row["id"])
    return granting.principal_from(row["name"], Role(row["role"]), rows)


def _audited_grants(rows: list[tuple[int, int | None]]) -> list[list[int | None]]:
    return [[m, s] for m, s in rows]


def _check_password(password: str) -> None:
    check_password(password)  # the one rule (services.passwords)


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise BluehelmetError(f"no role {role!r}; roles: {', '.join(r.value for r in Role)}") from None


def add_account(
    db: Database, actor: str, name: str, role: str, *, sector: str | None = None, password: str | None = None,
    mission: str | None = None, missions: Sequence[str] = (), sectors: Sequence[str] = (),
) -> tuple[Account, str]:  # fmt: skip
    """Create an account granted ``missions`` (none: every mission) and, for the sector role,
    ``sectors`` (one in each mission; ``mission`` and ``sector`` add one of each); the
    password given, or a generated one, is returned once."""
    name = name.strip()
    if not name or len(name) > 100:
        raise BluehelmetError("an account name has 1 to 100 characters")
    chosen = _role(role)
    wanted_missions = [*missions, *([mission] if mission else [])]
    wanted_sectors = [*sectors, *([sector] if sector else [])]
    secret = password if password is not None else secrets.token_urlsafe(15)
    _check_password(secret)
    with db.transaction(actor) as tx:
        if store.find_account(tx.session, name) is not None:
            raise BluehelmetError(f"there is already an account {name!r}")
        rows = granting.resolve(tx, chosen, wanted_missions, wanted_sectors)
        values = {"name": name, "password_hash": _HASHER.hash(secret), "role": chosen.value, "sector_id": None,
                  "active": True, "created_at": tx.now(), "created_by": tx.actor}  # fmt: skip
        account_id = store.insert_account(tx.session, values)
        store.set_grants(tx.session, account_id, rows)
        _audit(tx, account_id, AuditAction.CREATE, None,
               {"name": name, "role": chosen.value, "grants": _audited_grants(rows), "active": True})  # fmt: skip
        return _account(tx, {**values, "id": account_id}, rows), secret


def update_account(
    db: Database, actor: str, name: str, *, role: str | None = None, missions: Sequence[str] | None = None,
    sectors: Sequence[str] | None = None,
) -> Account:  # fmt: skip
    """Change the role and grants of the account ``name``: ``missions`` (an empty list: every
    mission) and ``sectors`` replace its grants when either is given; the role alone keeps the
    missions (and, for a sector account staying one, its sectors). Audited with before and after."""
    with db.transaction(actor) as tx:
        row = _live_row(tx, name)
        before_role = Role(row["role"])
        chosen = _role(role) if role is not None else before_role
        before = _grant_rows(tx, row["id"])
        kept = granting.shown(tx, before)
        if missions is None:
            missions = sorted({g.mission for g in kept}) if sectors is None or chosen != Role.SECTOR else []
        if sectors is None:
            sectors = [str(g) for g in kept if g.sector] if chosen == Role.SECTOR else []
        rows = granting.resolve(tx, chosen, missions, sectors)
        if chosen == before_role and rows == before:
            return _account(tx, row, rows)
        store.set_account(tx.session, row["id"], {"role": chosen.value})
        store.set_grants(tx.session, row["id"], rows)
        _audit(tx, row["id"], AuditAction.UPDATE,
               {"role": before_role.value, "grants": _audited_grants(before)},
               {"role": chosen.value, "grants": _audited_grants(rows)})  # fmt: skip
        return _account(tx, {**row, "role": chosen.value}, rows)


def grant_choices(db: Database, actor: str) -> list[tuple[str, list[str]]]:
    """The missions an account may be granted, each with its sectors (``MISSION:SECTOR``)."""
    with db.transaction(actor) as tx:
        return granting.choices(tx)


def list_accounts(db: Database, actor: str) -> list[Account]:
    with db.transaction(actor) as tx:
        every = store.grant_rows(tx.session)
        return [_account(tx, row, every.get(row["id"], [])) for row in store.account_rows(tx.session)]


def authenticate(db: Database, name: str, password: str, *, at: datetime | None = None) -> Account | None:
    """The account if ``password`` is its password and it is active, else None (same time either way)."""
    with db.transaction(name or "anonymous") as tx:
        row = store.find_account(tx.session, name)
        try:
            _HASHER.verify(row["password_hash"] if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row["active"]:
            return None
        changes: dict[str, Any] = {"last_sign_in_at": at or tx.now()}
        if _HASHER.check_needs_rehash(row["password_hash"]):
            changes["password_hash"] = _HASHER.hash(password)
        store.set_account(tx.session, row["id"], changes)
        return _account(tx, row)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(db: Database, actor: str, name: str, label: str = "script") -> str:
    """A new API token for the account ``name``, shown only this once."""
    token = "bh_" + secrets.token_urlsafe(32)
    with db.transaction(actor) as tx:
        row = store.find_account(tx.session, name)
        if row is None or not row["active"]:
            raise BluehelmetError(f"no active account {name!r}")
        token_id = store.insert_token(tx.session, row["id"], _digest(token), label, tx.now())
        _audit(tx, row["id"], AuditAction.UPDATE, None, {"token_issued": token_id, "label": label})
    return token


def principal_for_token(db: Database, token: str) -> Principal | None:
    if not token.startswith("bh_"):
        return None
    with db.single_read() as session:  # one statement: no transaction around it
        found = store.find_token(session, _digest(token))
    if found is None:
        return None
    name, role, grants = found
    return granting.principal_from(name, Role(role), grants)


def principal_for_name(db: Database, name: str, generation: object = None) -> Principal | None:
    """The principal of the active account ``name`` if ``generation`` is still its session
    generation (a signed-in session names its account and the generation it was signed in at;
    signing out, disabling, enabling and a new password advance it, so older cookies die)."""
    with db.transaction("session") as tx:
        row = store.find_account(tx.session, name)
        if row is None or not row["active"] or generation != row["session_generation"]:
            return None
        return _principal(tx, row)


def _live_row(tx: Transaction, name: str) -> dict[str, Any]:
    row = store.find_account(tx.session, name)
    if row is None:
        raise BluehelmetError(f"no account {name!r}")
    return row


def _next_generation(tx: Transaction, row: dict[str, Any], **changes: Any) -> None:
    store.set_account(tx.session, row["id"], {**changes, "session_generation": row["session_generation"] + 1})


def set_active(db: Database, actor: str, name: str, active: bool) -> Account:
    """Disable (or enable again) the account ``name``: a disabled account signs in with neither
    password nor token. Both end every session of the account, so re-enabling it does not
    revive a cookie from before."""
    with db.transaction(actor) as tx:
        row = _live_row(tx, name)
        _next_generation(tx, row, active=active)
        _audit(tx, row["id"], AuditAction.UPDATE, {"active": bool(row["active"])}, {"active": active})
        return _account(tx, {**row, "active": active, "session_generation": row["session_generation"] + 1})


def end_sessions(db: Database, name: str) -> None:
    """End every session of the account ``name`` (signing out: a copy of the cookie dies too)."""
    with db.transaction(name) as tx:
        row = store.find_account(tx.session, name)
        if row is not None:
            _next_generation(tx, row)


def revoke_tokens(db: Database, actor: str, name: str, label: str | None = None) -> int:
    """Revoke every live API token of the account ``name`` (those with ``label`` only, when
    given); how many were revoked."""
    with db.transaction(actor) as tx:
        row = _live_row(tx, name)
        revoked = store.revoke_tokens(tx.session, row["id"], tx.now(), label)
        _audit(tx, row["id"], AuditAction.UPDATE, None, {"tokens_revoked": revoked, "label": label})
        return revoked


def reset_password(db: Database, actor: str, name: str, password: str | None = None) -> str:
    """Give the account ``name`` a new password (the one given, or a generated one, returned once)."""
    secret = password if password is not None else secrets.token_urlsafe(15)
    _check_password(secret)
    with db.transaction(actor) as tx:
        row = _live_row(tx, name)
        _next_generation(tx, row, password_hash=_HASHER.hash(secret))  # its sessions end
        _audit(tx, row["id"], AuditAction.UPDATE, None, {"password": "changed"})
    return secret


def account_history(db: Database, actor: str, account_id: int) -> list[AuditEntry]:
    """Every change to an account, oldest first (the audit history keeps no password hash)."""
    with db.transaction(actor) as tx:
        return repository.history(tx.session, "Account", account_id)
