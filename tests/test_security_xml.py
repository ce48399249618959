"""Every XML that comes in is parsed through defusedxml (finding 13): an XLSX whose shared
strings or sheet hold an entity expansion (the "billion laughs") is refused as a file problem,
quickly and without expanding it."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, xml

from bluehelmet.imports.tables import FileProblem, read_table

BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>\n"
)


def _workbook(tmp_path: Path, part: str) -> Path:
    plain = tmp_path / "plain.xlsx"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "notes"])
    sheet.append(["Gao", "a shared string"])
    book.save(plain)
    bombed = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bombed, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == part:
                text = body.decode()
                text = text[text.index("?>") + 2 :] if text.startswith("<?xml") else text
                body = (BOMB + text.replace("Gao", "&lol9;")).encode()
            out.writestr(item, body)
    return bombed


def test_openpyxl_parses_through_defusedxml() -> None:
    assert xml.DEFUSEDXML is True


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "[Content_Types].xml"])
def test_an_xml_bomb_in_an_xlsx_is_refused(tmp_path: Path, part: str) -> None:
    path = _workbook(tmp_path, part)
    started = time.perf_counter()
    with pytest.raises(FileProblem):
        list(read_table(path))
    assert time.perf_counter() - started < 5
