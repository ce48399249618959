"""Accounts and API tokens: who may sign in, with which role and sector; and the failed sign-ins
the brake on guessing counts (one row per failure and key, kept as a digest of the key).

Kept apart from the mission's records (no import, export or generic API reaches them: they hold
password hashes). Passwords are stored only as argon2 hashes, tokens only as SHA-256 digests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from bluehelmet.storage.tables import metadata
from bluehelmet.storage.types import UTCDateTime

__all__ = [
    "account",
    "account_grant",
    "account_rows",
    "api_token",
    "clear_failures",
    "failure_counts",
    "find_account",
    "find_token",
    "forget_failures_before",
    "grant_rows",
    "insert_account",
    "insert_failures",
    "insert_token",
    "revoke_tokens",
    "serialise_brake",
    "set_account",
    "set_grants",
    "signin_failure",
]  # fmt: skip

account = Table(
    "account",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("sector_id", Integer, ForeignKey("sector.id"), nullable=True),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("last_sign_in_at", UTCDateTime(), nullable=True),
    Column("session_generation", Integer, nullable=False, default=0, server_default="0"),
)

#: The missions an account is granted (one row each) and, for the sector role, its sector in
#: each. An account with no row reaches every mission, unless it has the sector role (then
#: nothing); ``account.sector_id`` is no longer read (migration 0026 moved it here).
account_grant = Table(
    "account_grant",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("account.id"), nullable=False, index=True),
    Column("mission_id", Integer, ForeignKey("mission.id"), nullable=False),
    Column("sector_id", Integer, ForeignKey("sector.id"), nullable=True),
    UniqueConstraint("account_id", "mission_id"),
)

api_token = Table(
    "api_token",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("account.id"), nullable=False, index=True),
    Column("digest", String(64), nullable=False, unique=True),
    Column("label", String(100), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
)

#: One failed sign-in for one key (an account name, a client address), as the SHA-256 digest of
#: the key: the brake only compares keys, and a name field sometimes receives a password.
signin_failure = Table(
    "signin_failure",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key_digest", String(64), nullable=False),
    Column("failed_at", UTCDateTime(), nullable=False, index=True),
    Index(None, "key_digest", "failed_at"),
)


def insert_account(session: Session, values: dict[str, Any]) -> int:
    return int(session.execute(insert(account).values(**values).returning(account.c.id)).scalar_one())


def set_account(session: Session, account_id: int, values: dict[str, Any]) -> None:
    session.execute(update(account).where(account.c.id == account_id).values(**values))


def find_account(session: Session, name: str) -> dict[str, Any] | None:
    row = session.execute(select(account).where(account.c.name == name)).mappings().first()
    return dict(row) if row else None


def account_rows(session: Session) -> list[dict[str, Any]]:
    return [dict(r) for r in session.execute(select(account).order_by(account.c.name)).mappings()]


def grant_rows(session: Session, account_ids: Sequence[int] | None = None) -> dict[int, list[tuple[int, int | None]]]:
    """The grants of the accounts ``account_ids`` (None: of every account): for each account,
    its (mission id, sector id or None) pairs in mission order."""
    stmt = select(account_grant.c.account_id, account_grant.c.mission_id, account_grant.c.sector_id)
    if account_ids is not None:
        stmt = stmt.where(account_grant.c.account_id.in_(account_ids))
    out: dict[int, list[tuple[int, int | None]]] = {}
    for account_id, mission_id, sector_id in session.execute(stmt.order_by(account_grant.c.mission_id)):
        out.setdefault(int(account_id), []).append((int(mission_id), sector_id))
    return out


def set_grants(session: Session, account_id: int, grants: Sequence[tuple[int, int | None]]) -> None:
    """Replace the grants of an account by ``grants`` ((mission id, sector id or None) pairs)."""
    session.execute(delete(account_grant).where(account_grant.c.account_id == account_id))
    if grants:
        rows = [{"account_id": account_id, "mission_id": m, "sector_id": s} for m, s in grants]
        session.execute(insert(account_grant), rows)


def insert_token(session: Session, account_id: int, digest: str, label: str, at: datetime) -> int:
    stmt = insert(api_token).values(account_id=account_id, digest=digest, label=label, created_at=at)
    return int(session.execute(stmt.returning(api_token.c.id)).scalar_one())


def revoke_tokens(session: Session, account_id: int, at: datetime, label: str | None = None) -> int:
    """Revoke the live tokens of an account (those with ``label`` only, when given); how many."""
    stmt = update(api_token).where(api_token.c.account_id == account_id, api_token.c.revoked_at.is_(None))
    if label is not None:
        stmt = stmt.where(api_token.c.label == label)
    return int(session.execute(stmt.values(revoked_at=at)).rowcount or 0)  # type: ignore[attr-defined]


def find_token(session: Session, digest: str) -> tuple[str, str, list[tuple[int, int | None]]] | None:
    """The live account a live token belongs to, as its name, role and grants (mission id,
    sector id or None, in mission order), or None: one statement, built once (every request
    that carries a token asks it first)."""
    found = session.connection().execute(_TOKEN_HOLDER, {"digest": digest}).all()
    if not found:
        return None
    name, role = found[0][0], found[0][1]
    return str(name), str(role), [(int(m), s) for _, _, m, s in found if m is not None]


_TOKEN_HOLDER = (
    select(account.c.name, account.c.role, account_grant.c.mission_id, account_grant.c.sector_id)
    .select_from(
        api_token.join(account, api_token.c.account_id == account.c.id).outerjoin(
            account_grant, account_grant.c.account_id == account.c.id
        )
    )
    .where(api_token.c.digest == bindparam("digest"), api_token.c.revoked_at.is_(None), account.c.active.is_(True))
    .order_by(account_grant.c.mission_id)
)


def failure_counts(session: Session, digests: Sequence[str], since: datetime) -> dict[str, int]:
    """How many failures each of ``digests`` has had after ``since`` (a digest with none is left out)."""
    c = signin_failure.c
    stmt = (
        select(c.key_digest, func.count()).where(c.key_digest.in_(digests), c.failed_at > since).group_by(c.key_digest)
    )
    return {digest: int(count) for digest, count in session.execute(stmt)}


def insert_failures(session: Session, digests: Sequence[str], at: datetime) -> None:
    session.execute(insert(signin_failure), [{"key_digest": d, "failed_at": at} for d in digests])


def clear_failures(session: Session, digests: Sequence[str]) -> None:
    session.execute(delete(signin_failure).where(signin_failure.c.key_digest.in_(digests)))


def forget_failures_before(session: Session, cutoff: datetime) -> None:
    """Remove the failures that no longer count (at or before ``cutoff``)."""
    session.execute(delete(signin_failure).where(signin_failure.c.failed_at <= cutoff))


#: The advisory lock the brake takes on PostgreSQL, so attempts are counted one after another.
_BRAKE_LOCK = 0x626C75_6272616B


def serialise_brake(session: Session) -> None:
    """Make the brake's count-and-insert one step among concurrent transactions: on PostgreSQL a
    transaction-scoped advisory lock; on SQLite the insert that follows takes the one write lock."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_BRAKE_LOCK)))
