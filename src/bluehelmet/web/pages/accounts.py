"""Accounts (admins only): every account, and for each a form to disable or enable it, give it
a new password (shown once) or revoke its API tokens, as ``bluehelmet user ...`` does."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bluehelmet.domain.access import Action, Principal, Role
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services import accounts
from bluehelmet.web.deps import need, write_in_turn
from bluehelmet.web.i18n import N_
from bluehelmet.web.pages.frame import actor_of, db_of, render

__all__ = ["router"]

router = APIRouter()
Admin = Annotated[Principal, Depends(need(Action.ADMINISTER))]
_DONE = {
    "disable": N_("The account is disabled; its sessions have ended."),
    "enable": N_("The account is enabled again; it signs in afresh."),
    "reset-password": N_("The account has a new password, shown once below; its sessions have ended."),
    "revoke-tokens": N_("The account's API tokens are revoked."),
    "grants": N_("The account's role and missions are changed."),
}


def _page(request: Request, principal: Principal, message: str = "", secret: str = "", status: int = 200) -> Response:
    shown = accounts.list_accounts(db_of(request), actor_of(principal))
    choices = accounts.grant_choices(db_of(request), principal.name)
    context = {"title": "Accounts", "accounts": shown, "message": message, "secret": secret,
               "roles": [r.value for r in Role], "grant_choices": choices}  # fmt: skip
    return render(request, "accounts.html", context, status=status, principal=principal)


@router.get("/accounts")
def account_list(request: Request, principal: Admin) -> Response:
    return _page(request, principal)


@router.post("/accounts/{name}/{action}")
async def account_action(request: Request, name: str, action: str, principal: Admin) -> Response:
    """Disable, enable, reset the password of, or revoke the tokens of the account ``name``; or
    change its role and grants (``grants``: the form's role, missions and sectors; no mission
    ticked: every mission)."""
    db, actor = db_of(request), actor_of(principal)
    form = await request.form()
    role = str(form.get("role", "")) or None
    missions, sectors = [str(m) for m in form.getlist("mission")], [str(s) for s in form.getlist("sector")]
    work = {
        "grants": lambda: str(
            accounts.update_account(db, actor, name, role=role, missions=missions, sectors=sectors).name and ""
        ),
        "disable": lambda: str(accounts.set_active(db, actor, name, False).name and ""),
        "enable": lambda: str(accounts.set_active(db, actor, name, True).name and ""),
        "reset-password": lambda: accounts.reset_password(db, actor, name),
        "revoke-tokens": lambda: str(accounts.revoke_tokens(db, actor, name) and ""),
    }.get(action)
    if work is None:
        return _page(request, principal, f"no action {action!r}", status=404)
    try:
        secret = await write_in_turn(request, work)
    except BluehelmetError as error:
        return _page(request, principal, str(error), status=422)
    return _page(request, principal, _DONE[action], secret=secret)
