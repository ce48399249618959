"""The letter as PDF: the print rendering of the HTML (A4, UN heading, running header, page
numbers "n / N"), laid out by WeasyPrint. No outside resource is fetched: the HTML holds all."""

from __future__ import annotations

from bluehelmet.reporting.html import render_html
from bluehelmet.reporting.model import Letter
from bluehelmet.reporting.wording import Wording

__all__ = ["render_pdf"]


def render_pdf(letter: Letter, w: Wording) -> bytes:
    """The letter in ``w``'s language as PDF bytes."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # noqa: PLC0415 - loaded when used (Pango, fonts)
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]  # noqa: PLC0415

    # The document holds everything it shows; a URL in it (there should be none) is never fetched.
    offline = URLFetcher(allowed_protocols=("data",))
    html = HTML(string=render_html(letter, w, for_print=True), url_fetcher=offline)
    pdf: bytes = html.write_pdf(pdf_identifier=b"bluehelmet-letter")
    return pdf
