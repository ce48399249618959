"""Word a built letter in one language and one format: the files to write.

Markdown comes with its chart images (PNG files in a folder beside it); HTML is one
self-contained file with its charts inline; PDF and Word are single files.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import PurePosixPath

from bluehelmet.reporting.annex import attachments_csv, evidence_csv
from bluehelmet.reporting.markdown import render_markdown
from bluehelmet.reporting.model import Letter
from bluehelmet.reporting.wording import Wording

__all__ = ["Format", "render"]


class Format(StrEnum):
    MARKDOWN = "md"
    HTML = "html"
    PDF = "pdf"
    DOCX = "docx"


def render(letter: Letter, fmt: Format | str, language: str, *, name: str = "letter") -> dict[str, bytes]:
    """The letter as files, keyed by their path relative to the main file's folder; the main
    file is ``name`` with the format's extension and comes first, the evidence of every figure
    (``name-evidence.csv``) last. When records the figures count hold attachments, their list
    (``name-attachments.csv``) comes just before the evidence; none: no such file."""
    files = _render(letter, Format(fmt), Wording(language), name)
    if letter.attachments:
        files[f"{name}-attachments.csv"] = attachments_csv(letter).encode()
    files[f"{name}-evidence.csv"] = evidence_csv(letter).encode()
    return files


def _render(letter: Letter, chosen: Format, w: Wording, name: str) -> dict[str, bytes]:
    main = f"{name}.{chosen.value}"
    if chosen == Format.MARKDOWN:
        from bluehelmet.reporting.charts import draw  # noqa: PLC0415 - heavy engines load only when used

        folder = str(PurePosixPath(f"{name}-charts"))
        result = render_markdown(letter, w, image_folder=folder, draw=draw)
        return {main: result.text.encode(), **result.images}
    if chosen == Format.HTML:
        from bluehelmet.reporting.html import render_html  # noqa: PLC0415 - heavy engines load only when used

        return {main: render_html(letter, w).encode()}
    if chosen == Format.PDF:
        from bluehelmet.reporting.pdf import render_pdf  # noqa: PLC0415 - heavy engines load only when used

        return {main: render_pdf(letter, w)}
    from bluehelmet.reporting.docx import render_docx  # noqa: PLC0415 - heavy engines load only when used

    return {main: render_docx(letter, w)}
