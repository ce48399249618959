"""The pages say what their figures rest on: the coverage sentences of the Forces and Rotations
pages on the reference mission, and the Data quality page with a sector account's scope."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.test_web_pages import app_client, db, loaded, sign_in

__all__ = ["app_client", "db", "loaded"]  # the fixtures, shared with the other page tests


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_forces_page_words_serviceability_and_strength_on_their_coverage(app_client: TestClient) -> None:
    sign_in(app_client, "admin")
    html = app_client.get("/forces").text
    assert "<title>Forces · bluehelmet</title>" in html  # the units table once, in the page, not in its title
    page = _text(html)
    assert "Of the 40 items of major equipment recorded, 22 were unserviceable." in page
    found = re.search(r"Major equipment is recorded for 2 of the (\d+) units that hold it\.", page)
    assert found and int(found.group(1)) > 2
    deployed = re.search(r"deployed strength known for (\d+) of (\d+) units", page)
    assert deployed and int(deployed.group(1)) < int(deployed.group(2))
    assert "estimate, Geo-PKO v2.3 (2021 map symbols): 1,100" in page  # INFBAT 2 Kidal, no strength recorded


def test_the_rotations_page_says_for_how_many_rotating_units_strength_is_known(app_client: TestClient) -> None:
    sign_in(app_client, "admin")
    page = _text(app_client.get("/rotations", params={"from": "2021-01-01", "to": "2021-06-01"}).text)
    found = re.search(r"Strength known for (\d+) of (\d+) rotating units", page)
    assert found, page[:2000]
    assert 0 < int(found.group(1)) < int(found.group(2))
    assert "never counted as 0" in page
    assert re.search(r"strength known for \d+ of \d+ units", page)


def test_the_data_quality_page_lists_gaps_with_the_figures_they_weaken_and_links(app_client: TestClient) -> None:
    sign_in(app_client, "admin")
    html = app_client.get("/quality").text
    page = _text(html)
    assert "units in the mission area with neither a deployed nor an authorised strength" in page
    assert "Figures this weakens:" in page and "Personnel deployed on the Forces page" in page
    assert re.search(r'<a href="/audit\?kind=Unit&amp;id=\d+">INFBAT 2 Kidal</a>', html)
    assert re.search(r'<a href="/audit\?kind=Location&amp;id=\d+">Echefell</a>', html)
    assert "No number typed into quoted text repeats or contradicts a field." in page
    assert 'href="/quality"' in html  # in the navigation


def test_a_sector_account_sees_only_its_sectors_gaps_on_the_page(app_client: TestClient) -> None:
    sign_in(app_client, "east")
    page = _text(app_client.get("/quality").text)
    assert "EOD COY Gao" in page  # Sector East, no strength recorded
    assert "INFBAT 2 Kidal" not in page and "INFBAT Sévaré" not in page  # Sectors North and Centre
    assert "Unit #" not in page
