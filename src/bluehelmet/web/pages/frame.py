"""What every page shares: the templates, the frame around a page (navigation, account,
language, CSRF token), the period filter, and the records a principal may see.

Pages call services only; every list a page shows goes through ``visible`` (the role's
permission, then, for a sector user, each record's sector).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bluehelmet.domain.access import Action, Principal, permits
from bluehelmet.domain.catalogue import ENTITIES
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.domain.intake import source_of
from bluehelmet.domain.records import Record
from bluehelmet.services import mission_compare, records, scope
from bluehelmet.services.access import allowed
from bluehelmet.services.database import Database, Transaction
from bluehelmet.web.i18n import COOKIE, LANGUAGES, N_, choose_language, words
from bluehelmet.web.security import csrf_token

__all__ = [
    "COMPARING_ROLES",
    "MISSION_KEY",
    "NAV",
    "NAV_NEEDS",
    "SIGNIN_MESSAGES",
    "Period",
    "actor_of",
    "chosen_mission",
    "compile_templates",
    "db_of",
    "may_compare",
    "may_open",
    "mission_query",
    "names",
    "page_scope",
    "parse_day",
    "render",
    "render_signin",
    "visible",
]

_ENV = Environment(
    loader=PackageLoader("bluehelmet.web", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.globals["source_of"] = source_of  # where an incident came from, as the review queue shows it


def compile_templates() -> int:
    """Compile every page's template now (the first page to use one compiles it otherwise, in
    the request: ``web.warm_up``); how many."""
    names = _ENV.list_templates(filter_func=lambda name: name.endswith(".html"))
    for name in names:
        _ENV.get_template(name)
    return len(names)


#: The pages in the navigation: path, title, and the kind whose reading the page needs.
NAV = (
    ("/situation", N_("Situation")),
    ("/incidents", N_("Incidents")),
    ("/intake", N_("Intake")),
    ("/operations", N_("Operations")),
    ("/forces", N_("Forces")),
    ("/rotations", N_("Rotations")),
    ("/planning", N_("Planning")),
    ("/capabilities", N_("Capabilities")),
    ("/transition", N_("Transition")),
    ("/imports", N_("Imports")),
    ("/quality", N_("Data quality")),
    ("/watch", N_("Watch")),
    ("/reports", N_("Reports")),
    ("/audit", N_("Audit")),
)
#: "About the data" is in every page's footer: the navigation keeps to the work (one line at
#: 1,280 px, in French too, with an administrator's Accounts and Conflicts).

#: What a page of the navigation needs beyond reading, for the navigation to offer it.
NAV_NEEDS = {"/reports": Action.REPORT, "/imports": Action.IMPORT}


def may_open(principal: Principal | None, href: str) -> bool:
    """Whether the navigation offers ``href`` to ``principal`` (its role may use the page)."""
    action = NAV_NEEDS.get(href, Action.READ)
    if action == Action.IMPORT:  # the page imports records of many kinds: one is enough
        return any(permits(principal, action, entity.__name__) for entity in ENTITIES)
    return permits(principal, action)


def db_of(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def actor_of(principal: Principal) -> str:
    """Who the audit history names for a change made in the pages."""
    return principal.name


def parse_day(text: str | None) -> date | None:
    """A day from a form or query (YYYY-MM-DD); None when empty or not a day."""
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class Period:
    """A period filter from the query (both ends inclusive, either may be open)."""

    date_from: date | None
    date_to: date | None

    @classmethod
    def of(cls, request: Request, default: tuple[date | None, date | None] = (None, None)) -> Period:
        given = request.query_params
        start = parse_day(given.get("from")) if "from" in given else default[0]
        end = parse_day(given.get("to")) if "to" in given else default[1]
        if start and end and end < start:
            start, end = end, start
        return cls(start, end)

    def contains(self, day: date | None) -> bool:
        if day is None:
            return True
        return (self.date_from is None or day >= self.date_from) and (self.date_to is None or day <= self.date_to)

    def query(self) -> dict[str, str]:
        return {k: v.isoformat() for k, v in (("from", self.date_from), ("to", self.date_to)) if v}


def visible(tx: Transaction, principal: Principal, kind: str, filters: Mapping[str, Any] | None = None) -> list[Record]:
    """The live records of ``kind`` matching ``filters`` that ``principal`` may read."""
    found = records.list_records(tx, kind, filters)
    if not principal.limited:
        return list(found)
    return [r for r in found if allowed(tx, principal, Action.READ, r)]


#: The session's key for the mission the pages read, once one was chosen in the header.
MISSION_KEY = "mission"


def chosen_mission(request: Request) -> str | None:
    """The mission the request names (``?mission=``), else the one last chosen (the session)."""
    named = request.query_params.get("mission")
    if named:
        return named
    kept = request.session.get(MISSION_KEY) if "session" in request.scope else None
    return kept if isinstance(kept, str) else None


def page_scope(request: Request, principal: Principal) -> scope.Scope:
    """The mission (and, for a sector account, its sector there) a page shows: the mission named
    by ``?mission=`` (kept in the session, so every page after it reads it too), else the one
    kept, else the first the account reaches (``services.scope``). A mission the account may not
    reach is not found; one kept in the session that it no longer reaches is forgotten."""
    named = request.query_params.get("mission") or None
    wanted = chosen_mission(request)
    try:
        with db_of(request).transaction(actor_of(principal)) as tx:
            try:
                here = scope.scope_of(tx, principal, wanted, first=True)
            except BluehelmetError:
                if named is not None or wanted is None:
                    raise
                request.session.pop(MISSION_KEY, None)  # kept from before, no longer reached
                here = scope.scope_of(tx, principal, None, first=True)
    except BluehelmetError as error:  # a mission that is not there, or not the account's
        raise HTTPException(404, str(error)) from None
    if named is not None and "session" in request.scope:
        request.session[MISSION_KEY] = here.mission
    request.state.scope = here
    return here


#: The roles of a headquarters that compare the missions they follow (``/missions``).
COMPARING_ROLES = mission_compare.COMPARING_ROLES


def may_compare(principal: Principal | None, reached: list[str]) -> bool:
    """Whether the comparison of the missions is offered: to a headquarters role reaching two or more."""
    return principal is not None and principal.role in COMPARING_ROLES and len(reached) >= 2


def mission_query(request: Request, principal: Principal) -> list[tuple[str, str]]:
    """A list's condition keeping it to the mission the page reads, for an account reaching
    several (one reaching a single mission lists only that mission's records already)."""
    here = page_scope(request, principal)  # a mission named that the account does not reach: 404
    with db_of(request).transaction(actor_of(principal)) as tx:
        several = len(scope.reachable(tx, principal)) > 1
    return [("mission_id", str(here.mission_id))] if several else []


def _missions(request: Request, principal: Principal | None) -> tuple[str | None, list[str]]:
    """The mission the page reads (None when the page reads none) and every mission the account
    reaches, for the header's switch."""
    if principal is None:
        return None, []
    try:
        with db_of(request).transaction(actor_of(principal)) as tx:
            reached = [s.mission for s in scope.reachable(tx, principal)]
    except Exception:  # the frame of an error page (the database gone, say) is drawn without the switch
        return None, []
    here = getattr(request.state, "scope", None)
    current = here.mission if isinstance(here, scope.Scope) else chosen_mission(request)
    if current not in reached:
        current = reached[0] if reached else None
    return current, reached


def names(tx: Transaction, kind: str, field: str = "name") -> dict[int, str]:
    """Every live record of ``kind`` by id, as its ``field`` names it (for showing references)."""
    return {r.id: str(getattr(r, field)) for r in records.list_records(tx, kind) if r.id is not None}


def _query_with(request: Request, **changes: object) -> str:
    values = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = str(value)
    return f"{request.url.path}?{urlencode(values)}" if values else request.url.path


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    principal: Principal | None = None,
) -> Response:
    """The page ``template`` in the request's language, inside the frame."""
    language = choose_language(request)
    w = words(language)
    who = principal if principal is not None else getattr(request.state, "principal", None)
    current, reached = _missions(request, who) if template != "signin.html" else (None, [])
    html = _ENV.get_template(template).render(
        {
            "request": request,
            "_": w.gettext,
            "ngettext": w.ngettext,
            "w": w,
            "lang": language,
            "languages": list(LANGUAGES),
            "principal": who,
            "csrf": csrf_token(request) if "session" in request.scope else "",  # none for a 500
            "nav": [(href, label) for href, label in NAV if may_open(who, href)],
            "path": request.url.path,
            "query_with": lambda **changes: _query_with(request, **changes),
            "permits": lambda action, kind=None: permits(who, Action(action), kind),
            "mission_here": current,
            "missions_reached": reached,
            "compare_missions": may_compare(who, reached),
            **(context or {}),
        }
    )
    response = HTMLResponse(html, status_code=status)
    if request.query_params.get("lang") in LANGUAGES and request.cookies.get(COOKIE) != language:
        response.set_cookie(COOKIE, language, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


#: What ``web.signin`` may say on the sign-in page (marked here so the catalogue translates it).
SIGNIN_MESSAGES = (
    N_("The form had expired: please sign in again."),
    N_("Too many failed attempts: wait a few minutes and try again."),
    N_("Wrong name or password."),
)


def render_signin(request: Request, error: str = "", status: int = 200) -> Response:
    """The sign-in page (``app.state.render_signin``, used by ``web.signin``)."""
    target = request.query_params.get("next", "/")
    return render(request, "signin.html", {"error": error, "next": target}, status=status, principal=None)
