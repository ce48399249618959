"""Accounts under ``/api/accounts`` (admins only): list them, disable or enable one, give it a
new password, revoke its API tokens, as ``bluehelmet user ...`` does. Disabling, enabling and
a new password end every session of the account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from bluehelmet.domain.access import Action, Principal
from bluehelmet.services import accounts
from bluehelmet.services.database import Database
from bluehelmet.web.api.errors import COMMON, ApiRoute
from bluehelmet.web.deps import database_of, need

__all__ = ["router"]

router = APIRouter(prefix="/accounts", route_class=ApiRoute, tags=["accounts"])
Admin = Annotated[Principal, Depends(need(Action.ADMINISTER))]
Db = Annotated[Database, Depends(database_of)]


def _shown(account: accounts.Account) -> dict[str, Any]:
    return {"name": account.name, "role": account.role.value, "missions": account.missions, "sector": account.sector,
            "grants": [str(g) for g in account.grants], "active": account.active}  # fmt: skip


@router.get("", response_model=dict[str, list[dict[str, Any]]], responses=COMMON)
def list_accounts(principal: Admin, db: Db) -> JSONResponse:
    """Every account with its role, its missions (null: every mission), its sectors and whether it is active."""
    return JSONResponse({"accounts": [_shown(a) for a in accounts.list_accounts(db, principal.name)]})


@router.post("/{name}/disable", response_model=dict[str, Any], responses=COMMON)
def disable(name: str, principal: Admin, db: Db) -> JSONResponse:
    """Disable the account: it signs in with neither password nor token; its sessions end."""
    return JSONResponse(_shown(accounts.set_active(db, principal.name, name, False)))


@router.post("/{name}/enable", response_model=dict[str, Any], responses=COMMON)
def enable(name: str, principal: Admin, db: Db) -> JSONResponse:
    """Enable the account again (its sessions from before stay ended)."""
    return JSONResponse(_shown(accounts.set_active(db, principal.name, name, True)))


@router.post("/{name}/reset-password", response_model=dict[str, Any], responses=COMMON)
def reset_password(name: str, principal: Admin, db: Db) -> JSONResponse:
    """A new generated password, answered once; the account's sessions end."""
    return JSONResponse({"name": name, "password": accounts.reset_password(db, principal.name, name)})


@router.post("/{name}/revoke-tokens", response_model=dict[str, Any], responses=COMMON)
def revoke_tokens(name: str, principal: Admin, db: Db) -> JSONResponse:
    """Revoke every API token of the account; answers how many were revoked."""
    return JSONResponse({"name": name, "revoked": accounts.revoke_tokens(db, principal.name, name)})
