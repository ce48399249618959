"""`bluehelmet serve` and `bluehelmet user ...`: the web application and who may sign in to it."""

from __future__ import annotations

import sys
import threading

import click

from bluehelmet.cli.door import Door, emit, json_option, pass_door
from bluehelmet.cli.output import table
from bluehelmet.domain.access import Role
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.services import accounts, sync_client

__all__ = ["COMMANDS", "serve", "user"]

DEMO_ADMIN = "demo-admin"
MAX_WORKERS = 32


@click.group("user")
def user() -> None:
    """Accounts of the web application and the REST API."""


_MISSIONS = click.option("--mission", "missions", metavar="NAME", multiple=True,
                         help="A mission the account reaches (repeat for several; none: every mission).")  # fmt: skip
_SECTORS = click.option("--sector", "sectors", metavar="NAME", multiple=True,
                        help="A sector account's sector, one in each of its missions (MISSION:SECTOR when "
                             "several missions have one of that name).")  # fmt: skip


def _shown(account: accounts.Account) -> dict[str, object]:
    return {"name": account.name, "role": account.role.value, "missions": account.missions,
            "sector": account.sector, "grants": [str(g) for g in account.grants], "active": account.active}  # fmt: skip


def _reach(account: accounts.Account) -> str:
    return ", ".join(str(g) for g in account.grants) or (
        "no sector" if account.role == Role.SECTOR else "every mission"
    )


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@_SECTORS
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of generating one.")
@_MISSIONS
@json_option
@pass_door
def user_add(
    door: Door, name: str, role: str, sectors: tuple[str, ...], password_stdin: bool, missions: tuple[str, ...],
    as_json: bool,
) -> None:  # fmt: skip
    """Create an account; a generated password is printed once."""
    given = sys.stdin.readline().rstrip("\n") if password_stdin else None
    account, secret = accounts.add_account(door.db, door.actor, name, role, password=given, missions=missions,
                                           sectors=sectors)  # fmt: skip
    shown = None if password_stdin else secret
    text = f"account {account.name} ({account.role}: {_reach(account)}) created"
    emit({**_shown(account), "password": shown}, as_json,
         text + (f"\npassword (shown once): {shown}" if shown else ""))  # fmt: skip


@user.command("update")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), help="A new role.")
@_MISSIONS
@_SECTORS
@click.option("--all-missions", is_flag=True, help="Grant every mission (forget the missions granted).")
@json_option
@pass_door
def user_update(
    door: Door, name: str, role: str | None, missions: tuple[str, ...], sectors: tuple[str, ...], all_missions: bool,
    as_json: bool,
) -> None:  # fmt: skip
    """Change an account's role, missions or sectors (each given replaces what it had); audited."""
    if all_missions and missions:
        raise BluehelmetError("--all-missions or --mission, not both")
    account = accounts.update_account(door.db, door.actor, name, role=role,
                                      missions=[] if all_missions else (list(missions) or None),
                                      sectors=list(sectors) or None)  # fmt: skip
    emit(_shown(account), as_json, f"account {account.name} ({account.role}: {_reach(account)})")


@user.command("list")
@json_option
@pass_door
def user_list(door: Door, as_json: bool) -> None:
    """Every account with its role, missions and sectors."""
    rows = accounts.list_accounts(door.db, door.actor)
    shown = table([[a.name, a.role, _reach(a), a.active] for a in rows], ["name", "role", "reaches", "active"],
                  empty="no accounts")  # fmt: skip
    emit([_shown(a) for a in rows], as_json, shown)


@user.command("token")
@click.argument("name")
@click.option("--label", default="script", show_default=True, help="What the token is for.")
@json_option
@pass_door
def user_token(door: Door, name: str, label: str, as_json: bool) -> None:
    """Issue an API token for scripts (sent as 'Authorization: Bearer TOKEN'); printed once."""
    token = accounts.issue_token(door.db, door.actor, name, label)
    emit({"name": name, "token": token}, as_json, token)


@user.command("disable")
@click.argument("name")
@json_option
@pass_door
def user_disable(door: Door, name: str, as_json: bool) -> None:
    """Disable an account: it signs in with neither password nor token, its sessions end."""
    account = accounts.set_active(door.db, door.actor, name, False)
    emit({"name": account.name, "active": account.active}, as_json, f"account {account.name} disabled")


@user.command("enable")
@click.argument("name")
@json_option
@pass_door
def user_enable(door: Door, name: str, as_json: bool) -> None:
    """Enable a disabled account again (its old sessions stay ended)."""
    account = accounts.set_active(door.db, door.actor, name, True)
    emit({"name": account.name, "active": account.active}, as_json, f"account {account.name} enabled")


@user.command("reset-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of generating one.")
@json_option
@pass_door
def user_reset_password(door: Door, name: str, password_stdin: bool, as_json: bool) -> None:
    """Give an account a new password (generated and printed once, or read from stdin); its sessions end."""
    given = sys.stdin.readline().rstrip("\n") if password_stdin else None
    secret = accounts.reset_password(door.db, door.actor, name, given)
    shown = None if password_stdin else secret
    emit({"name": name, "password": shown}, as_json,
         f"password of {name} changed" + (f"\npassword (shown once): {shown}" if shown else ""))  # fmt: skip


@user.command("revoke-token")
@click.argument("name")
@click.option("--label", default=None, help="Revoke only the tokens with this label (default: all of them).")
@json_option
@pass_door
def user_revoke_token(door: Door, name: str, label: str | None, as_json: bool) -> None:
    """Revoke the API tokens of an account (all, or those with --label)."""
    revoked = accounts.revoke_tokens(door.db, door.actor, name, label)
    emit({"name": name, "revoked": revoked}, as_json, f"{revoked} token(s) of {name} revoked")


@click.command("serve")
@click.option("--demo", is_flag=True, help="Load the reference mission and create a demo admin (password printed).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, MAX_WORKERS),
              help="Server processes sharing the port, session key and sign-in brake (PostgreSQL).")  # fmt: skip
@click.option("--sync-every", type=click.IntRange(10, 86400), metavar="SECONDS",
              help="On a sector node: sync with the server every SECONDS (a failed sync is tried again).")  # fmt: skip
@pass_door
def serve(door: Door, demo: bool, host: str, port: int, workers: int, sync_every: int | None) -> None:
    """Serve the web application and the REST API (several workers: on PostgreSQL)."""
    from bluehelmet.web.workers import check_workers  # noqa: PLC0415

    check_workers(door.settings, workers)
    door.db.init_schema()
    if demo:
        from bluehelmet.reference.loader import load_reference  # noqa: PLC0415

        click.echo("loading the reference mission ...", err=True)
        load_reference(door.db, door.actor)
        try:
            _, secret = accounts.add_account(door.db, door.actor, DEMO_ADMIN, Role.ADMIN.value)
        except BluehelmetError:
            secret = accounts.reset_password(door.db, door.actor, DEMO_ADMIN)
        click.echo(f"sign in at http://{host}:{port}/ as {DEMO_ADMIN} with password: {secret}")
    if sync_every is not None:
        _sync_in_background(door, sync_every)
    if workers == 1:
        import uvicorn  # noqa: PLC0415 - only this command needs the server

        from bluehelmet.web.app import create_app, routes_ready  # noqa: PLC0415
        from bluehelmet.web.warm_up import stop_warm_up, warm_up  # noqa: PLC0415

        app = routes_ready(create_app(door.settings, db=door.db))
        warm_up(app)  # in a thread of its own: the server listens meanwhile
        click.echo(f"bluehelmet {_address(host, port)}: serving (Ctrl+C to stop); one line per request below", err=True)
        try:
            uvicorn.run(app, host=host, port=port, log_level="info", access_log=True)
        finally:
            stop_warm_up(app)
        return
    from bluehelmet.web.workers import run_workers  # noqa: PLC0415

    door.close()  # each worker opens the database itself
    click.echo(f"bluehelmet {_address(host, port)}: serving with {workers} workers (Ctrl+C to stop)", err=True)
    run_workers(door.settings, host, port, workers)


def _address(host: str, port: int) -> str:
    """Where the server listens, as a browser opens it (an IPv6 address in brackets)."""
    shown = f"[{host}]" if ":" in host else host
    return f"listening on http://{shown}:{port}/"


def _sync_in_background(door: Door, seconds: int) -> None:
    """Sync this node every ``seconds`` in a thread of its own while the server runs."""
    if sync_client.status(door.db, door.actor) is None:
        raise BluehelmetError("--sync-every needs a sector node: run 'bluehelmet node join URL --token T' first")
    stop = threading.Event()
    args = (door.db, door.actor, seconds, stop, lambda line: click.echo(line, err=True))
    threading.Thread(target=sync_client.every, args=args, daemon=True, name="bluehelmet-sync").start()


COMMANDS = (user, serve)
