"""A letter's period off the calendar a mission reports on (a slip of the keyboard: 0001-10-01,
9999-12-31) is refused in words on every door that drafts one, never a traceback or a 500; the
comparison with a year earlier refuses the first year of the calendar the same way."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner

from bluehelmet.cli import cli
from bluehelmet.services import accounts, stats
from bluehelmet.services.database import Database
from bluehelmet.services.stats import IncidentFilter
from tests.test_drafts_web import sign_in, world  # noqa: F401  (the fixture)
from tests.test_unknown_counts import mission_id  # noqa: F401  (the fixture)

BAD = [("0001-10-01", "0198-09-09"), ("0001-01-01", "2021-05-31"), ("2021-01-01", "9999-12-31")]


def test_the_command_line_refuses_a_period_off_the_calendar(db: Database, mission_id: int) -> None:  # noqa: F811
    for date_from, date_to in BAD:
        result = CliRunner().invoke(
            cli, ["--db", db.settings.database_url, "report", "letter", "--from", date_from, "--to", date_to]
        )
        assert result.exit_code == 1 and not isinstance(result.exception, (ValueError, OverflowError)), result.output
        assert "outside the years a letter reports on (1948" in result.output, result.output


def test_the_drafts_page_and_api_refuse_a_period_off_the_calendar(db: Database, world) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client, _ = world
    token = sign_in(client, "officer")
    officer = {"Authorization": f"Bearer {accounts.issue_token(db, 'tester', 'officer')}"}
    for date_from, date_to in BAD:
        form = {"csrf_token": token, "name": "slip", "from": date_from, "to": date_to, "languages": ["en"]}
        answer = client.post("/reports/drafts", data=form)
        assert answer.status_code < 500 and answer.status_code != 303, (date_from, answer.status_code)
        assert "outside the years a letter reports on" in answer.text
        body = {"name": "slip", "from": date_from, "to": date_to, "languages": ["en"]}
        answer = client.post("/api/reports/drafts", json=body, headers=officer)
        assert answer.status_code == 422 and "outside the years a letter reports on" in answer.text, answer.text


def test_the_first_year_has_no_year_before_it(db: Database, mission_id: int) -> None:  # noqa: F811
    try:
        stats.compare_with_previous_year(db, IncidentFilter(date(1, 1, 1), date(1, 12, 31)))
    except stats.BluehelmetError as refused:
        assert "has no year before it" in str(refused)
    else:
        raise AssertionError("the comparison answered for the year 1")
    assert stats.year_earlier(date(2024, 2, 29)) == date(2023, 2, 28)
