"""The frame of a letter from the Secretary-General: the opening that cites the resolution and
what it asks the letter for, and the closing formula; each a paragraph with a key of its own
("opening", "closing") so a draft can keep an officer's prose for it."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bluehelmet.domain.places import Mission
from bluehelmet.reporting import frame
from bluehelmet.reporting.model import Day, Paragraph, Section, Sentence, Text

__all__ = ["closing", "default_date", "opening", "resolution_of"]

#: A mandate as the records hold it ("S/RES/2531 (2020)", "resolution 2531 (2020)") and the
#: resolution's number and year the letter cites ("2531 (2020)").
_RESOLUTION = re.compile(r"(\d{3,5})\s*\((\d{4})\)")


def resolution_of(mandate: str) -> str:
    """The resolution a mission's mandate names, as the letter cites it; "" when it names none."""
    found = _RESOLUTION.search(mandate or "")
    return f"{found[1]} ({found[2]})" if found else ""


def default_date(date_to: date) -> date:
    """The date a letter bears by default: the day after the period it covers."""
    return date_to + timedelta(days=1)


def opening(mission: Mission, date_from: date, date_to: date) -> Section:
    names = {
        "mission": Text(mission.full_name or mission.name, mission.full_name_fr),
        "acronym": Text(mission.name),
    }
    resolution = resolution_of(mission.mandate)
    if not resolution:
        sentence = Sentence(
            frame.OPENING_NO_RESOLUTION, {**names, "date_from": Day(date_from), "date_to": Day(date_to)}
        )
    else:
        short = Sentence(frame.OPENING_SHORT, {**names, "resolution": Text(resolution)})
        if mission.letter_request:
            request = Text(mission.letter_request.strip().rstrip("."), mission.letter_request_fr.strip().rstrip("."))
            sentence = Sentence(
                frame.OPENING, {**names, "resolution": Text(resolution), "request": request}, fallback=short
            )
        else:
            sentence = short
    return Section("opening", "", (Paragraph((sentence,), "opening"),))


def closing() -> Section:
    return Section("closing", "", (Paragraph((Sentence(frame.CLOSING),), "closing"),))
