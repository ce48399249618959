"""Reports → Drafts: the letter drafted in free prose whose figures stay computed.

A list of the mission's drafts and a form to start one; an editor per paragraph (its prose with
``{{KEY}}`` tokens, an "insert figure" picker of the annex's keys, a preview with the figures
filled in and those the last refresh moved highlighted); refresh, check and export. Reading a
draft needs what reading a mission-wide record needs (a sector account sees none); writing and
exporting need the role to report. Each call goes to ``reporting.drafts``.
"""

from __future__ import annotations

import html
import io
import zipfile
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.drafts import TOKEN
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.reporting import drafts
from bluehelmet.reporting.draft_checks import Finding, check
from bluehelmet.reporting.render import Format
from bluehelmet.reporting.wording import LANGUAGES
from bluehelmet.services.drafts import NoDraft, may_write
from bluehelmet.web.deps import need, write_in_turn
from bluehelmet.web.i18n import N_
from bluehelmet.web.pages.frame import actor_of, db_of, page_scope, parse_day, render
from bluehelmet.web.pages.reports import MEDIA_TYPES

__all__ = ["router"]

router = APIRouter()


def _mission(request: Request, principal: Principal) -> str | None:
    """The mission whose drafts the page shows (``?mission=``, else the account's own, else the first)."""
    return page_scope(request, principal).mission


_READ = need(Action.READ, "Draft")
_WRITE = need(Action.REPORT, "Draft")
_FORMATS = [(Format.PDF, "PDF"), (Format.DOCX, "Word"), (Format.HTML, "HTML"), (Format.MARKDOWN, "Markdown")]


def _url(name: str, tail: str = "") -> str:
    return f"/reports/drafts/{quote(name, safe='')}{tail}"


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _preview(prose: str, figures: dict[str, float], changed: set[str]) -> Markup:
    """The prose with each figure's value in place (a moved one marked), escaped."""
    out: list[str] = []
    last = 0
    for match in TOKEN.finditer(prose):
        out.append(html.escape(prose[last : match.start()]))
        key = match.group(1)
        if key not in figures:
            out.append(f'<span class="token-missing" title="{html.escape(key)}">{{{{{html.escape(key)}}}}}</span>')
        else:
            shown = _number(figures[key])
            tag = "mark" if key in changed else "span"
            out.append(f'<{tag} class="figure" title="{html.escape(key)}">{shown}</{tag}>')
        last = match.end()
    out.append(html.escape(prose[last:]))
    return Markup("".join(out))  # noqa: S704 - every piece above is escaped


def _editor(
    request: Request,
    principal: Principal,
    name: str,
    *,
    language: str | None = None,
    findings: list[Finding] | None = None,
    error: str = "",
    message: str = "",
    status: int = 200,
) -> Response:
    try:
        view = drafts.show(
            db_of(request), name, mission=_mission(request, principal), language=language, principal=principal
        )
    except NoDraft:
        raise HTTPException(404, f"no draft called '{name}'") from None
    changed = {c.key for c in view.changed}
    paragraphs = []
    for p in view.paragraphs:
        prose = p.text.get(view.language, "")
        moved = sorted(k for k in p.figures if k in changed)
        paragraphs.append(
            {"id": p.id, "text": prose, "edited": p.edited(view.language), "moved": moved,
             "preview": _preview(prose, view.figures, changed)}
        )  # fmt: skip
    context: dict[str, Any] = {
        "title": view.draft.name,
        "view": view,
        "paragraphs": paragraphs,
        "figure_keys": list(view.figures),
        "changed": [{"key": c.key, "before": _number(c.before), "after": _number(c.after)} for c in view.changed],
        "findings": findings,
        "blocking": [f for f in findings or [] if f.blocking],
        "error": error,
        "message": message,
        "formats": _FORMATS,
        "may_write": may_write(principal),
        "base": _url(view.draft.name),
    }
    return render(request, "drafts_edit.html", context, status=status, principal=principal)


@router.get("/reports/drafts")
def list_page(request: Request, principal: Annotated[Principal, Depends(_READ)], error: str = "") -> Response:
    found = drafts.list_drafts(db_of(request), principal, mission=_mission(request, principal))
    rows = [{"name": d.name, "url": _url(d.name), "draft": d} for d in found]
    context = {"title": "Drafts", "rows": rows, "letter_languages": list(LANGUAGES), "error": error,
               "may_write": may_write(principal)}  # fmt: skip
    return render(request, "drafts.html", context, status=422 if error else 200, principal=principal)


@router.post("/reports/drafts")
async def create(request: Request, principal: Annotated[Principal, Depends(_WRITE)]) -> Response:
    form = await request.form()
    name = str(form.get("name") or "").strip()
    start, end = parse_day(str(form.get("from") or "")), parse_day(str(form.get("to") or ""))
    languages = [str(v) for v in form.getlist("languages")] or ["en"]
    letter_date = parse_day(str(form.get("date") or ""))
    if start is None or end is None:
        return list_page(request, principal, error=N_("Choose the first and the last day of the period."))

    def work() -> None:
        drafts.create(db_of(request), name, start, end, mission=_mission(request, principal), languages=languages,
                      symbol=str(form.get("symbol") or ""), letter_date=letter_date, principal=principal,
                      actor=actor_of(principal))  # fmt: skip

    try:
        await write_in_turn(request, work)
    except BluehelmetError as error:
        return list_page(request, principal, error=str(error))
    return RedirectResponse(_url(name), status_code=303)


@router.get("/reports/drafts/{name}")
def edit(request: Request, name: str, principal: Annotated[Principal, Depends(_READ)]) -> Response:
    given = request.query_params
    message = N_("The draft is refreshed.") if given.get("refreshed") else ""
    message = N_("The paragraph is saved.") if given.get("saved") else message
    return _editor(request, principal, name, language=given.get("draft_lang"), message=message)


@router.post("/reports/drafts/{name}/paragraphs/{paragraph}")
async def set_paragraph(
    request: Request, name: str, paragraph: str, principal: Annotated[Principal, Depends(_WRITE)]
) -> Response:
    form = await request.form()
    language = str(form.get("draft_lang") or "") or None
    version = str(form.get("version") or "")

    def work() -> None:
        drafts.set_paragraph(
            db_of(request), name, paragraph, str(form.get("text") or ""), language=language, principal=principal,
            mission=_mission(request, principal),
            actor=actor_of(principal), version=int(version) if version.isdigit() else None,
        )  # fmt: skip

    try:
        await write_in_turn(request, work)
    except NoDraft:
        raise HTTPException(404, f"no draft called '{name}'") from None
    except BluehelmetError as error:
        return _editor(request, principal, name, language=language, error=str(error), status=422)
    lang = f"&draft_lang={language}" if language else ""
    return RedirectResponse(_url(name, f"?saved=1{lang}#p-{paragraph}"), status_code=303)


@router.post("/reports/drafts/{name}/refresh")
async def refresh(request: Request, name: str, principal: Annotated[Principal, Depends(_WRITE)]) -> Response:
    def work() -> None:
        drafts.refresh(
            db_of(request), name, mission=_mission(request, principal), principal=principal, actor=actor_of(principal)
        )

    try:
        await write_in_turn(request, work)
    except NoDraft:
        raise HTTPException(404, f"no draft called '{name}'") from None
    except BluehelmetError as error:
        return _editor(request, principal, name, error=str(error), status=422)
    return RedirectResponse(_url(name, "?refreshed=1"), status_code=303)


@router.get("/reports/drafts/{name}/check")
def check_page(request: Request, name: str, principal: Annotated[Principal, Depends(_READ)]) -> Response:
    try:
        found = check(db_of(request), name, mission=_mission(request, principal), principal=principal)
    except NoDraft:
        raise HTTPException(404, f"no draft called '{name}'") from None
    return _editor(request, principal, name, language=request.query_params.get("draft_lang"), findings=found)


@router.get("/reports/drafts/{name}/export")
def export(request: Request, name: str, principal: Annotated[Principal, Depends(_WRITE)]) -> Response:
    """The draft as a file to download (``format``, ``draft_lang``); Markdown comes as a ZIP."""
    given = request.query_params
    language = given.get("draft_lang") or None
    try:
        chosen = Format(given.get("format", "pdf"))
        files = drafts.export(
            db_of(request),
            name,
            chosen,
            mission=_mission(request, principal),
            language=language,
            principal=principal,
            stem="letter",
        )
    except NoDraft:
        raise HTTPException(404, f"no draft called '{name}'") from None
    except (BluehelmetError, ValueError) as error:
        return _editor(request, principal, name, language=language, error=str(error), status=422)
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in name) or "draft"
    main = next(iter(files))
    if chosen != Format.MARKDOWN:
        body, filename, media = files[main], f"{stem}.{chosen.value}", MEDIA_TYPES[chosen]
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, content in files.items():
                archive.writestr(path, content)
        body, filename, media = buffer.getvalue(), f"{stem}.zip", "application/zip"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
