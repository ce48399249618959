"""The Situation map shows names as text (finding 7): every popup and tooltip is built as DOM
text by ``textBox`` in ``static/situation.js``, never as HTML from a name. Checked in the source
and by running ``textBox`` itself under Node with a minimal document."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import bluehelmet

STATIC = Path(bluehelmet.__file__).parent / "web" / "static"
HOSTILE = '<img src=x onerror="alert(1)">Op <b>Barkhane</b>'


def _scripts() -> list[Path]:
    return [p for p in STATIC.rglob("*.js") if "vendor" not in p.parts]


def test_every_popup_and_tooltip_is_given_dom_text_not_html() -> None:
    calls = 0
    for script in _scripts():
        source = script.read_text(encoding="utf-8")
        for found in re.finditer(r"\.(bindPopup|bindTooltip|setContent)\(", source):
            calls += 1
            given = source[found.end() : found.end() + 8]
            assert given.startswith("textBox("), (script.name, source[found.start() : found.start() + 80])
        for found in re.finditer(r"(innerHTML|outerHTML|insertAdjacentHTML)", source):
            line = source[source.rfind("\n", 0, found.start()) : source.find("\n", found.start())]
            assert "legend" in line, (script.name, line)  # the legend's numbers and colours, nothing named
    assert calls >= 4


@pytest.mark.skipif(shutil.which("node") is None, reason="Node is not installed")
def test_a_name_with_markup_is_shown_as_its_characters() -> None:
    source = (STATIC / "situation.js").read_text(encoding="utf-8")
    found = re.search(r"  function textBox\(lines, strongFirst\) \{.*?\n  \}\n", source, re.S)
    assert found
    program = (
        """
    function Node(tag, text) { this.tag = tag; this.text = text; this.children = []; }
    Node.prototype.appendChild = function (c) { this.children.push(c); return c; };
    function html(n) {
      if (n.tag === "#text") { return n.text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
      return "<" + n.tag + ">" + n.children.map(html).join("") + "</" + n.tag + ">";
    }
    var document = { createElement: function (t) { return new Node(t); },
                     createTextNode: function (t) { return new Node("#text", t); } };
    """
        + found.group(0)
        + f"""
    var box = textBox([{json.dumps(HOSTILE)}, "Gao", "2021-03-01"], true);
    process.stdout.write(JSON.stringify({{html: html(box), tags: box.children.map(function (c) {{ return c.tag; }})}}));
    """
    )
    out = subprocess.run(["node", "-e", program], capture_output=True, text=True, timeout=30, check=True).stdout
    shown = json.loads(out)
    assert shown["tags"] == ["strong", "br", "#text", "br", "#text"]
    assert "<img" not in shown["html"] and "&lt;img src=x" in shown["html"]
    assert "&lt;b&gt;Barkhane&lt;/b&gt;" in shown["html"]
