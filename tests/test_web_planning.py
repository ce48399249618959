"""The Planning page: the plan from the records with the reason for each day, a what-if (plan as
of a day, pin a unit), a refusal said on the page, and a sector user kept to their sector."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.test_web_pages import app_client, db, loaded, sign_in

__all__ = ["app_client", "db", "loaded"]


def test_the_planning_page_shows_the_plan_and_why(app_client: TestClient) -> None:
    sign_in(app_client, "analyst")
    page = app_client.get("/planning", params={"from": "2021-01-01"})
    assert page.status_code == 200, page.text[:500]
    text = page.text
    assert "Why each rotation is on its day" in text
    # INFBAT Ansongo and CCB Gao tie: the larger keeps its day, and the other names it.
    assert (
        "CCB Gao moved 28 days earlier, from its preferred 2021-01-18 to 2020-12-21 in Sector East: "
        "one rotation at a time in Sector East, with INFBAT Ansongo (2021-01-18 to 2021-02-14)"
    ) in text
    assert "strength unknown for 7 of 12 rotating units" in text
    assert '<a href="/planning" class="active"' in text


def test_a_pin_re_plans_round_the_unit_and_a_bad_what_if_is_said_on_the_page(app_client: TestClient) -> None:
    sign_in(app_client, "analyst")
    pinned = app_client.get(
        "/planning", params={"from": "2021-01-01", "pin_unit": "INFBAT Ansongo", "pin_day": "2021-01-18"}
    ).text
    assert "INFBAT Ansongo pinned to 2021-01-18 in Sector East by the planner, +0 days from its preferred" in pinned
    assert "CCB Gao moved 28 days" in pinned
    nothing = app_client.get("/planning").text  # every rotation of the record has happened
    assert "nothing to plan: the 12 rotations planned in that period already happened" in nothing
    french = app_client.get("/planning", params={"from": "2021-01-01", "lang": "fr"}).text
    assert "Pourquoi chaque relève tombe à sa date" in french


def test_a_sector_user_sees_only_their_sectors_rotations(app_client: TestClient) -> None:
    sign_in(app_client, "east")
    text = app_client.get("/planning", params={"from": "2021-01-01"}).text
    # The sector's plan alone: one of its two January rotations moves a rotation's length earlier.
    assert "moved 28 days earlier, from its preferred 2021-01-18 to 2020-12-21 in Sector East" in text
    assert "INFBAT Douentza" not in text and "Sector Centre" not in text
    assert "INFBAT Sévaré" not in text and "INFBAT 2 Kidal" not in text  # not even in the warnings
    assert "planned for your sector alone" in text


def test_anonymous_callers_are_sent_to_sign_in(app_client: TestClient) -> None:
    response = app_client.get("/planning", params={"from": "2021-01-01"})
    assert response.status_code in (302, 303) and "/signin" in response.headers["location"]
