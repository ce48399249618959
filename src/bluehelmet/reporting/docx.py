"""The letter as a Word document, for drafters who edit in Word (python-docx).

Real heading styles (Heading 1 to 3) so Word's navigation and table of contents work; numbered
paragraphs; each figure followed by a superscript reference ("F3") that links to its row of the
annex; the charts as pictures with captions; the annex as a Word table whose header row repeats
on every page. The document's language is set on its styles, so Word checks the right spelling.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from io import BytesIO

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

from bluehelmet.reporting import frame
from bluehelmet.reporting.annex import AnnexRow, annex_notes, annex_rows
from bluehelmet.reporting.charts import draw
from bluehelmet.reporting.model import Letter
from bluehelmet.reporting.outline import (
    ChartBlock,
    Heading,
    Masthead,
    Numbered,
    Para,
    charts_after,
    masthead,
    outline,
)
from bluehelmet.reporting.wording import LANGUAGES, Wording

__all__ = ["bookmark_name", "reference", "render_docx"]

_FONT = "Times New Roman"
_BLACK = RGBColor(0, 0, 0)
_GREY = RGBColor(0x5F, 0x5F, 0x5F)
_HANG = Cm(1.1)  # where the text of a numbered paragraph or heading starts
_TEXT_WIDTH = Cm(16.2)  # A4 less the margins below


def reference(number: int) -> str:
    """The superscript mark after a figure, and its label in the annex."""
    return f"F{number}"


def bookmark_name(number: int) -> str:
    """The annex row's bookmark (Word allows letters, digits and underscores only)."""
    return f"figure_{number}"


def render_docx(letter: Letter, w: Wording) -> bytes:
    """The letter in ``w``'s language as a .docx file."""
    document = Document()
    head = masthead(letter, w)
    _page_setup(document, head, w)
    _masthead(document, head)
    for block in outline(letter, w):
        if isinstance(block, Heading):
            _heading(document, block)
        elif isinstance(block, Para):
            _paragraph(document, block)
        else:
            _chart(document, block, w)
    if head.signature:
        signature = document.add_paragraph(head.signature)
        signature.paragraph_format.left_indent = Cm(8)
        signature.paragraph_format.space_before = Pt(24)
    for block in charts_after(letter, w):
        if isinstance(block, Heading):
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            document.add_heading(block.text, level=1)
        elif isinstance(block, ChartBlock):
            _chart(document, block, w)
    _annex(document, annex_rows(letter, w), w)
    notes = annex_notes(letter, w)
    if notes:
        document.add_heading(w(frame.ANNEX_NOTES), level=2)
        for note in notes:
            document.add_paragraph(note, style="List Bullet")
    properties = document.core_properties
    properties.title = head.title
    properties.subject = letter.mission_full_name or letter.mission
    properties.language = LANGUAGES[w.language].replace("_", "-")
    properties.author = properties.last_modified_by = "bluehelmet"
    properties.keywords = letter.mission
    properties.created = properties.modified = datetime.combine(letter.generated_on, time(), tzinfo=UTC)
    properties.revision = 1
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _style_font(style: ParagraphStyle, size: float, *, bold: bool = False, italic: bool = False) -> None:
    style.font.name = _FONT
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = italic
    style.font.color.rgb = _BLACK
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), _FONT)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the one named above


def _page_setup(document: DocxDocument, head: Masthead, w: Wording) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(2.4), Cm(2.4)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.4)
    styles = document.styles
    normal = styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    _style_font(normal, 10.5)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), LANGUAGES[w.language].replace("_", "-"))
    normal.element.get_or_add_rPr().append(language)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.1
    for name, size, italic in (("Heading 1", 12, False), ("Heading 2", 11, False), ("Heading 3", 11, True)):
        style = styles[name]
        assert isinstance(style, ParagraphStyle)
        _style_font(style, size, bold=True, italic=italic)
        style.paragraph_format.space_before = Pt(14 if name == "Heading 1" else 10)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = True
    caption = styles["Caption"]
    assert isinstance(caption, ParagraphStyle)
    _style_font(caption, 10, bold=True)
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_before = Pt(12)
    # Later pages carry the mission and period at the top; every page its number at the foot.
    section.different_first_page_header_footer = True
    running = section.header.paragraphs[0]
    running.text = head.running
    running.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in running.runs:
        run.font.size, run.font.color.rgb = Pt(8.5), _GREY
    for footer in (section.footer, section.first_page_footer):
        _page_numbers(footer.paragraphs[0])


def _field(paragraph: Paragraph, instruction: str) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"  # shown until Word updates the field
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _page_numbers(paragraph: Paragraph) -> None:
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(paragraph, "PAGE")
    paragraph.add_run(" / ")
    _field(paragraph, "NUMPAGES")


def _rule(paragraph: Paragraph, eighths_of_a_point: int) -> None:
    """A line under the paragraph, as UN documents rule off their heading."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", str(eighths_of_a_point)), ("w:space", "4"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _masthead(document: DocxDocument, head: Masthead) -> None:
    top = document.add_paragraph()
    top.add_run(head.organisation).bold = True
    top.runs[0].font.size = Pt(13)
    _rule(top, 4)
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    _widths(table, (Cm(11.2), Cm(5)))
    organ, distribution = table.rows[0].cells
    run = organ.paragraphs[0].add_run(head.organ)
    run.bold, run.font.size = True, Pt(22)
    lines = distribution.paragraphs[0]
    for i, text in enumerate((head.symbol, head.distribution, head.date)):
        if i:
            lines.add_run().add_break()
        lines.add_run(text).font.size = Pt(10)
    original = distribution.add_paragraph()
    original.add_run(head.original).font.size = Pt(10)
    closing = document.add_paragraph()
    closing.paragraph_format.space_after = Pt(18)
    _rule(closing, 20)
    title = document.add_paragraph()
    title.paragraph_format.space_after = Pt(10)
    run = title.add_run(head.title)
    run.bold, run.font.size = True, Pt(13.5)
    note = document.add_paragraph()
    note.paragraph_format.space_after = Pt(14)
    run = note.add_run(head.draft_note)
    run.italic, run.font.size, run.font.color.rgb = True, Pt(9.5), _GREY


def _hanging(paragraph: Paragraph) -> None:
    fmt = paragraph.paragraph_format
    fmt.left_indent, fmt.first_line_indent = _HANG, -_HANG
    fmt.tab_stops.add_tab_stop(_HANG)


def _heading(document: DocxDocument, block: Heading) -> None:
    if not block.label:  # a letter's short unnumbered headings
        document.add_heading(block.text, level=block.level)
        return
    paragraph = document.add_heading(f"{block.label}\t{block.text}", level=block.level)
    _hanging(paragraph)


def _paragraph(document: DocxDocument, block: Para) -> None:
    paragraph = document.add_paragraph(f"{block.number}.\t" if block.number else "")
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if block.number:
        _hanging(paragraph)
    else:  # a letter's paragraph: unnumbered, its first line indented
        paragraph.paragraph_format.first_line_indent = _HANG
    for part in block.parts:
        if isinstance(part, Numbered):
            paragraph.add_run(part.text)
            if part.number is not None:
                _reference(paragraph, part)
        elif part:
            paragraph.add_run(part)


def _reference(paragraph: Paragraph, part: Numbered) -> None:
    """The superscript "F3" after a figure, linked to the figure's row in the annex."""
    assert part.number is not None
    link = OxmlElement("w:hyperlink")
    link.set(qn("w:anchor"), bookmark_name(part.number))
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    for tag, value in (("w:color", "1F5FA8"), ("w:vertAlign", "superscript")):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        properties.append(element)
    run.append(properties)
    text = OxmlElement("w:t")
    text.text = reference(part.number)
    run.append(text)
    link.append(run)
    paragraph._p.append(link)


def _chart(document: DocxDocument, block: ChartBlock, w: Wording) -> None:
    document.add_paragraph(block.caption, style="Caption")
    document.add_picture(BytesIO(draw(block.chart, w, "png", title=False)), width=_TEXT_WIDTH)
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _widths(table: Table, widths: tuple[Length, ...]) -> None:
    """Column widths, on the grid (read by LibreOffice) and on every cell (read by Word)."""
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _repeat_header(table: Table) -> None:
    properties = table.rows[0]._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)
    for row in table.rows:
        keep = OxmlElement("w:cantSplit")  # a row is never cut across two pages
        keep.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().append(keep)


def _bookmark(paragraph: Paragraph, number: int) -> None:
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), bookmark_name(number))
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(number))
    paragraph._p.insert(0, start)
    paragraph._p.append(end)


def _annex(document: DocxDocument, rows: list[AnnexRow], w: Wording) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading(w(frame.ANNEX_TITLE), level=1)
    document.add_paragraph(w(frame.ANNEX_INTRO))
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    table.autofit = False
    widths = (Cm(1.6), Cm(1.9), Cm(7.2), Cm(5.5))
    titles = (w(frame.FIGURE), w(frame.ANNEX_VALUE), w(frame.ANNEX_COMPUTED), w(frame.ANNEX_RECORDS))
    for cell, title in zip(table.rows[0].cells, titles, strict=True):
        cell.paragraphs[0].add_run(title).bold = True
    for row in rows:
        cells = table.add_row().cells
        texts = (reference(row.number), row.value, f"{row.method} ({row.coverage})", row.records)
        for i, (cell, text) in enumerate(zip(cells, texts, strict=True)):
            cell.paragraphs[0].add_run(text)
            if i < 2:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _bookmark(cells[0].paragraphs[0], row.number)
    for row_cells in table.rows:
        for cell in row_cells.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.space_after = Pt(0)
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    _widths(table, widths)
    _repeat_header(table)
