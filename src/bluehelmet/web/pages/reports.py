"""Reports: generate the letter to the Security Council for a period, in any format
(Markdown, HTML, PDF, Word) and language (English, French), and download it.

The letter is built by ``reporting.build_letter`` from the same services as every figure on the
other pages; Markdown comes with its chart images, so it downloads as a ZIP file.
"""

from __future__ import annotations

import io
import zipfile
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bluehelmet.domain.access import Action, Principal
from bluehelmet.domain.errors import BluehelmetError
from bluehelmet.reporting.build import build_letter
from bluehelmet.reporting.render import Format
from bluehelmet.reporting.render import render as render_letter
from bluehelmet.reporting.wording import LANGUAGES
from bluehelmet.web.deps import need
from bluehelmet.web.pages.frame import Period, db_of, page_scope, render
from bluehelmet.web.pages.situation import data_period, scope_of

__all__ = ["MEDIA_TYPES", "router"]

router = APIRouter()

MEDIA_TYPES = {
    Format.MARKDOWN: "application/zip",
    Format.HTML: "text/html; charset=utf-8",
    Format.PDF: "application/pdf",
    Format.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _default_period(request: Request, principal: Principal) -> Period:
    mission, where = scope_of(request, principal)
    return Period.of(request, data_period(db_of(request), where, year_to_date=True, mission=mission))


@router.get("/reports")
def report_form(request: Request, principal: Annotated[Principal, Depends(need(Action.REPORT))]) -> Response:
    context = {
        "title": "Reports",
        "period": _default_period(request, principal),
        "formats": [(Format.PDF, "PDF"), (Format.DOCX, "Word"), (Format.HTML, "HTML"), (Format.MARKDOWN, "Markdown")],
        "letter_languages": list(LANGUAGES),
        "error": "",
    }
    return render(request, "reports.html", context, principal=principal)


@router.get("/reports/letter")
def letter(request: Request, principal: Annotated[Principal, Depends(need(Action.REPORT))]) -> Response:
    """The letter as a file to download (``from``, ``to``, ``format``, ``language``)."""
    given = request.query_params
    period = _default_period(request, principal)
    language = given.get("language", "en")
    try:
        chosen = Format(given.get("format", "pdf"))
        if language not in LANGUAGES:
            raise BluehelmetError(f"no letter in {language!r}")
        if period.date_from is None or period.date_to is None:
            raise BluehelmetError("choose the first and the last day of the period")
        mission = page_scope(request, principal).mission
        built = build_letter(db_of(request), period.date_from, period.date_to, mission=mission)
        files = render_letter(built, chosen, language)
    except (BluehelmetError, ValueError) as error:
        context = {"title": "Reports", "period": period, "error": str(error), "letter_languages": list(LANGUAGES),
                   "formats": [(f, f.value) for f in Format]}  # fmt: skip
        return render(request, "reports.html", context, status=422, principal=principal)
    stem = f"letter-{period.date_from}-{period.date_to}-{language}"
    main = next(iter(files))  # the letter itself; then its charts (Markdown) and its evidence file
    if chosen != Format.MARKDOWN:
        body, name, media = files[main], f"{stem}.{chosen.value}", MEDIA_TYPES[chosen]
    else:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, content in files.items():
                archive.writestr(path, content)
        body, name, media = buffer.getvalue(), f"{stem}.zip", "application/zip"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media, headers=headers)
