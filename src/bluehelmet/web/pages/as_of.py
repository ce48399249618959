"""The day a page measures against: what is "late", "in force" or "serviceable" is judged on the
last day of the period the page shows, never on the server's clock. Without a day asked for
(``?on=``), that is the end of the last month with incidents within the reader's reach (the
data's end), else today."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import Request

from bluehelmet.domain.access import Principal
from bluehelmet.web.pages.frame import db_of, parse_day
from bluehelmet.web.pages.situation import default_period, scope_of

__all__ = ["as_of", "data_end"]


def data_end(request: Request, principal: Principal) -> date | None:
    """The end of the last month with incidents that ``principal`` may read (None: none)."""
    mission, where = scope_of(request, principal)
    return default_period(db_of(request), principal, mission, where)[1]  # kept per state of the data


def as_of(request: Request, principal: Principal) -> date:
    """``?on=`` if it is a day, else the data's end, else today (UTC)."""
    return parse_day(request.query_params.get("on")) or data_end(request, principal) or datetime.now(UTC).date()
