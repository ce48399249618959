"""The letter's renderings (HTML, PDF, Word) and its charts, from a letter built by hand."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from html.parser import HTMLParser
from io import BytesIO
from xml.etree import ElementTree

import docx
import pytest

from bluehelmet.reporting.charts import category_label, draw
from bluehelmet.reporting.docx import render_docx
from bluehelmet.reporting.html import css_string, render_html, segments
from bluehelmet.reporting.model import (
    Chart,
    ChartKind,
    Day,
    Evidence,
    Figure,
    Letter,
    MapPoint,
    Names,
    Paragraph,
    Section,
    Sentence,
    Series,
    Style,
    Term,
    Text,
)
from bluehelmet.reporting.outline import Heading, Para, heading_label, outline
from bluehelmet.reporting.pdf import render_pdf
from bluehelmet.reporting.wording import Wording

# WeasyPrint warns, on import, that a later version will need the HarfBuzz subsetter (a system library).
pytestmark = pytest.mark.filterwarnings("ignore:HarfBuzz-Subset will be required:DeprecationWarning")

PNG = b"\x89PNG\r\n\x1a\n"
HOSTILE = "<script>alert(1)</script>"


def figure(key: str, value: float, ids: tuple[int, ...], style: Style = Style.COUNT) -> Figure:
    return Figure(key, value, "Incidents of the period: counted.", (Evidence("Incident", ids),), style)


INCIDENTS = figure("incidents", 1250, tuple(range(1, 40)))
IEDS = figure("ieds", 37, (3, 4, 5))
OPERATIONS = figure("operations", 1, (7,))
SERVICEABLE = figure("serviceable", 84, (9, 10), Style.PERCENT)

BARS = Chart("by-month", ChartKind.BARS, "Incidents by month and category", ("2021-01", "2021-02", "2021-03"),
             (Series(Term("ied"), (3, 5, 4)), Series(Text(HOSTILE), (1, 0, 2))), y_label="incidents")  # fmt: skip
LINES = Chart("strength", ChartKind.LINES, "Available strength", ("2021-01-01", "2021-01-02", "2021-01-03"),
              (Series(Text("Sector East"), (810, 485, 810)),), y_label="personnel")  # fmt: skip
MAP = Chart("map", ChartKind.MAP, "Incidents and operations", country_iso3="MLI", points=(
    MapPoint(16.27, -0.04, "incident", "Gao", 12), MapPoint(14.49, -4.19, "incident", "Mopti", 3),
    MapPoint(18.44, 1.41, "operation", "Kidal")))  # fmt: skip


def long_paragraph() -> Paragraph:
    return Paragraph((
        Sentence("During the period, the Mission recorded {n} incidents, {ied} of them with explosive devices, "
                 "across {places}.", {"n": INCIDENTS, "ied": IEDS,
                                      "places": Names((Text("Gao"), Text("Mopti"), Text("Ménaka")))}),
        Sentence("The situation remained volatile in the centre of the country, where armed groups attacked "
                 "civilians, the national defence and security forces and the Mission's camps and convoys."),
    ))  # fmt: skip


def letter(paragraphs: int = 1) -> Letter:
    security = Section("security", "(a) Progress in mission operations", (
        Paragraph((Sentence("Since {day}, the Force has patrolled near {place}.",
                            {"day": Day(date(2021, 6, 15)), "place": Text(HOSTILE)}),)),
        *(long_paragraph() for _ in range(paragraphs)),
    ), (BARS, MAP), (
        Section("operations", "Operations", (Paragraph((
            Sentence(("{n} operation was under way.", "{n} operations were under way."), {"n": OPERATIONS}, "n"),)),)),
    ))  # fmt: skip
    performance = Section("performance", "Performance of uniformed personnel", (
        Paragraph((Sentence("Equipment serviceability stood at {p} per cent, for {n} incidents.",
                            {"p": SERVICEABLE, "n": INCIDENTS}),)),
    ), (LINES,))  # fmt: skip
    return Letter("MINUSMA", "United Nations Multidimensional Integrated Stabilization Mission in Mali",
                  date(2021, 1, 1), date(2021, 5, 31), date(2021, 6, 1), (security, performance),
                  (INCIDENTS, IEDS, OPERATIONS, SERVICEABLE))  # fmt: skip


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag == "a" and "figure" in (found.get("class") or ""):
            self.links.append(found["href"] or "")
        if found.get("id"):
            self.ids.add(found["id"] or "")


def parse(html: str) -> _Links:
    parser = _Links()
    parser.feed(html)
    return parser


# -- HTML


def test_html_links_every_figure_in_the_text_to_its_row_in_the_annex() -> None:
    html = render_html(letter(), Wording("en"))
    parsed = parse(html)
    # Figures stated: 1250 and 37 (long paragraph), 1 (operations), 84 and 1250 (performance).
    assert parsed.links == ["#figure-1", "#figure-2", "#figure-3", "#figure-4", "#figure-1"]
    assert all(link.removeprefix("#") in parsed.ids for link in parsed.links)
    assert {f"figure-{n}" for n in range(1, 5)} <= parsed.ids
    assert 'title="Incidents of the period: counted."' in html
    assert ">1,250</a>" in html
    assert "Gao, Mopti and Ménaka" in html
    assert ">One</a> operation was under way." in html  # the singular, chosen by the figure (in words)


def test_html_escapes_what_comes_from_the_records() -> None:
    html = render_html(letter(), Wording("en"))
    assert HOSTILE not in html
    assert "near &lt;script&gt;alert(1)&lt;/script&gt;." in html
    assert not [tag for tag, _ in parse(html).tags if tag == "script"]


def test_html_is_one_self_contained_document() -> None:
    html = render_html(letter(), Wording("en"), for_print=True)
    tags = parse(html).tags
    assert not [tag for tag, _ in tags if tag in {"link", "script", "iframe"}]
    assert not [a for tag, a in tags if tag == "a" and not (a.get("href") or "").startswith("#")]
    assert [a["src"][:26] for tag, a in tags if tag == "img"] == ["data:image/svg+xml;base64,"] * 3
    assert "counter(pages)" in html
    screen = render_html(letter(), Wording("en"))
    assert screen.count("<svg") == 3 and "<img" not in screen
    ids = re.findall(r'\bid="([^"]+)"', screen)
    assert len(ids) == len(set(ids))  # the charts' own ids too: each is prefixed with its chart


def test_html_numbers_headings_and_paragraphs_as_un_documents_do() -> None:
    blocks = outline(letter(), Wording("en"))
    headings = [(b.level, b.label, b.text) for b in blocks if isinstance(b, Heading)]
    assert headings == [
        (1, "(a)", "Progress in mission operations"),  # a title's own label is kept
        (2, "A.", "Operations"),
        (1, "II.", "Performance of uniformed personnel"),
    ]
    assert [b.number for b in blocks if isinstance(b, Para)] == [1, 2, 3, 4]
    assert [heading_label(1, 4), heading_label(2, 3), heading_label(3, 2)] == ["IV.", "C.", "2."]


def test_html_in_french_writes_dates_and_numbers_the_french_way() -> None:
    html = render_html(letter(), Wording("fr"))
    assert '<html lang="fr">' in html
    assert (
        "Depuis 15\u00a0juin 2021" not in html and "15\u00a0juin 2021" in html
    )  # an untranslated sentence stays English
    assert ">1\u202f250</a>" in html  # a narrow no-break space between thousands
    assert "Gao, Mopti et Ménaka" in html
    assert "Conseil de sécurité" in html


def test_for_print_the_space_before_a_linked_figure_goes_inside_the_link() -> None:
    para = next(b for b in outline(letter(), Wording("en")) if isinstance(b, Para) and b.number == 2)
    screen = segments(para)
    printed = segments(para, for_print=True)
    assert "".join(text for text, _ in screen) == "".join(text for text, _ in printed)
    assert [text for text, f in screen if f] == ["1,250", "37"]
    assert [text for text, f in printed if f] == [" 1,250", " 37"]


def test_css_strings_cannot_end_the_style_sheet() -> None:
    quoted = css_string('MINUSMA — "x" </style><script>')
    assert quoted.startswith('"MINUSMA ') and quoted.endswith('"')
    assert not set('<>"/') & set(quoted[1:-1])


# -- PDF


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_pdf(letter(paragraphs=12), Wording("en"))


def test_pdf_is_a_whole_pdf(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_pdf_text_has_the_title_the_running_header_and_page_numbers(pdf: bytes) -> None:
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    flat = " ".join(text.split())
    assert "report to the Security Council for the period from 1 January 2021 to 31 May 2021" in flat
    assert "Security Council" in flat and "Distr.: General" in flat
    pages = text.split("\f")[:-1]
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        assert re.search(rf"^{n}\s*/\s*{len(pages)}$", page, re.MULTILINE), f"no footer on page {n}"
    assert "MINUSMA — 1 January 2021 \N{EN DASH} 31 May 2021" in text  # the running header of later pages
    assert "MINUSMA — 1 January" not in pages[0]  # but not on the first
    assert HOSTILE in flat  # shown as text, never run


# -- Word


def test_docx_has_headings_pictures_references_and_the_annex_table() -> None:
    document = docx.Document(BytesIO(render_docx(letter(), Wording("en"))))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "(a)\tProgress in mission operations") in headings
    assert ("Heading 2", "A.\tOperations") in headings
    assert ("Heading 1", "II.\tPerformance of uniformed personnel") in headings
    assert len(document.inline_shapes) == 3  # the bars, the map and the lines
    assert "Incidents by month and category" in [p.text for p in document.paragraphs if p.style.name == "Caption"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "1,250F1 incidents, 37F2 of them" in text  # each figure with its superscript reference
    annex = document.tables[-1]
    assert [c.text for c in annex.rows[0].cells] == ["Figure", "Value", "How it was computed", "Records"]
    assert len(annex.rows) == 1 + 4
    assert [c.text for c in annex.rows[2].cells] == [
        "F2",
        "37",
        "Incidents of the period: counted. (complete: every record it speaks for)",
        "incidents 3-5",
    ]
    assert document.core_properties.title.startswith("United Nations Multidimensional")
    assert document.core_properties.language == "en-GB"


def test_docx_in_french() -> None:
    document = docx.Document(BytesIO(render_docx(letter(), Wording("fr"))))
    assert document.core_properties.language == "fr-FR"
    assert "Since 15\u00a0juin 2021, the Force" in "\n".join(p.text for p in document.paragraphs)


# -- charts


@pytest.mark.parametrize("chart", [BARS, LINES, MAP], ids=lambda c: c.kind)
def test_charts_are_valid_and_the_same_chart_gives_the_same_bytes(chart: Chart) -> None:
    w = Wording("en")
    png, svg = draw(chart, w, "png"), draw(chart, w, "svg")
    assert png.startswith(PNG)
    assert ElementTree.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
    assert draw(chart, w, "png") == png
    assert draw(chart, w, "svg") == svg


def test_charts_write_their_words_in_the_language_and_escape_them() -> None:
    svg = draw(BARS, Wording("fr"), "svg").decode()
    assert "janv. 2021" in svg  # the text of each label is kept in a comment beside its glyphs
    assert HOSTILE not in svg


def test_empty_charts_and_maps_say_there_is_nothing_to_show() -> None:
    w = Wording("en")
    for chart in (Chart("none", ChartKind.BARS, "Nothing"), Chart("map", ChartKind.MAP, "Nothing", country_iso3="MLI")):
        svg = draw(chart, w, "svg").decode()
        assert "No records for this period." in svg
    assert draw(Chart("nowhere", ChartKind.MAP, "Nothing"), w, "png").startswith(PNG)  # no shipped country


def test_chart_categories_that_are_days_or_months_are_written_in_the_language() -> None:
    assert category_label("2021-03-14", Wording("en")) == "14 Mar"
    assert category_label("2021-03", Wording("fr")) == "mars 2021"
    assert category_label("BANBAT 1", Wording("fr")) == "BANBAT 1"


def test_draw_refuses_an_unknown_format() -> None:
    with pytest.raises(ValueError, match="svg or png"):
        draw(BARS, Wording("en"), "gif")


def test_a_heading_keeps_its_own_label_in_french_too() -> None:
    first = next(b for b in outline(letter(), Wording("fr")) if isinstance(b, Heading))
    assert first.label in {"a)", "(a)"}  # French writes "a)", English "(a)"
    assert not first.text.startswith(("a)", "(a)"))
