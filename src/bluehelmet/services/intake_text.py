"""Reading a field message: its language, its date and time, the places it names, its category.

Pure: text in, a typed reading out; no database (``services.intake`` gives it the mission's
places and stores what it finds). A reading is a proposal for a person to check in the review
queue, never a verified incident: each place comes with a confidence, and a message that names
two places keeps both candidates.

Places are matched on ``geography.names.normalise`` keys: exactly on a name or a variant
(confidence 1.0), then, for words of five letters or more, by edit similarity (RapidFuzz's
ratio, at least 85 of 100: "Tombouctu", "Kidall", "Anefis" for "Anéfis"). Short names are matched
exactly only, because a near miss of a short word is usually another word.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from rapidfuzz import fuzz

from bluehelmet.domain.incidents import EventType, IncidentCategory, SubEventType, Target
from bluehelmet.geography.names import normalise

__all__ = [
    "FUZZY_THRESHOLD",
    "Candidate",
    "KnownPlace",
    "Reading",
    "find_places",
    "guess_category",
    "language_of",
    "read_message",
    "similarity",
    "when_of",
]

#: The least RapidFuzz ratio (0-100) at which a word is taken for a misspelt place name.
FUZZY_THRESHOLD = 85.0
_MIN_FUZZY_LENGTH = 5


def _words(text: str) -> frozenset[str]:
    return frozenset(normalise(word) for word in text.split())


# A small keyword model: the commonest words of field messages in each language (English has no
# "a": the French "à" reads "a" once accents are gone).
_FRENCH = _words(
    """
    le la les des une un et est sont à au aux près de du sur dans par avec ont été hier ce cet cette
    matin soir nuit aujourd hui attaque attaqué attaquée tués tué blessés blessé morts enlèvement engin
    explosif route village camp coups feu hommes armés signalé signale vers pas il y a
    """
)
_ENGLISH = _words(
    """
    the an and is are at in on of near by with have has been yesterday this morning evening night
    today attack attacked killed wounded injured dead abduction explosive device road village camp shots
    fired armed men reported towards no there
    """
)

#: Keywords (normalised) and what they mean: first match wins, so specific phrases come first.
_CATEGORIES: tuple[tuple[tuple[str, ...], IncidentCategory, EventType, SubEventType, Target | None], ...] = (
    (("ied neutralise", "ied desamorce", "engin neutralise", "engin desamorce", "ied found", "ied defused",
      "device found", "device defused", "ied discovered", "desamorce", "defused", "neutralised", "neutralized"),
     IncidentCategory.IED_NEUTRALISED, EventType.STRATEGIC_DEVELOPMENTS, SubEventType.DISRUPTED_WEAPONS_USE, None),
    (("ied", "engin explosif", "mine", "landmine", "explosive device", "eei", "roadside bomb", "explosion"),
     IncidentCategory.IED_DETONATED, EventType.EXPLOSIONS_REMOTE_VIOLENCE, SubEventType.REMOTE_EXPLOSIVE, None),
    (("obus", "mortier", "mortar", "rocket", "rockets", "roquette", "roquettes", "shelling", "tirs indirects",
      "indirect fire"),
     IncidentCategory.INDIRECT_FIRE, EventType.EXPLOSIONS_REMOTE_VIOLENCE, SubEventType.SHELLING_ARTILLERY_MISSILE,
     None),
    (("drone",), IncidentCategory.DRONE_OVER_INSTALLATION, EventType.STRATEGIC_DEVELOPMENTS, SubEventType.OTHER,
     Target.MISSION),
    (("enleve", "enleves", "enlevement", "enlevee", "kidnap", "kidnapped", "abducted", "abduction", "rapt", "otage",
      "otages", "hostage", "hostages"),
     IncidentCategory.ABDUCTION, EventType.VIOLENCE_AGAINST_CIVILIANS, SubEventType.ABDUCTION, Target.CIVILIANS),
    (("braquage", "vehicule vole", "camion vole", "hijack", "hijacked", "carjack", "vehicle stolen", "truck stolen"),
     IncidentCategory.HIJACKING, EventType.STRATEGIC_DEVELOPMENTS, SubEventType.LOOTING, None),
    (("bloquee", "bloque", "route coupee", "barrage", "blocked", "roadblock", "road block"),
     IncidentCategory.ROAD_BLOCKAGE, EventType.STRATEGIC_DEVELOPMENTS, SubEventType.OTHER, None),
    (("attaque du camp", "camp attaque", "attack on the camp", "camp attacked", "attaque complexe", "complex attack"),
     IncidentCategory.COMPLEX_ATTACK_ON_CAMP, EventType.BATTLES, SubEventType.ARMED_CLASH, Target.MISSION),
    (("civils", "civilians", "villageois", "villagers", "population", "massacre", "tues", "killed", "pillage",
      "looting", "looted", "pille", "brule", "burned", "burnt"),
     IncidentCategory.PROTECTION_OF_CIVILIANS, EventType.VIOLENCE_AGAINST_CIVILIANS, SubEventType.ATTACK,
     Target.CIVILIANS),
    (("attaque", "attack", "attacked", "embuscade", "ambush", "tirs", "coups de feu", "shots", "gunfire",
      "affrontement", "clash", "fighting", "combats"),
     IncidentCategory.DIRECT_ATTACK, EventType.BATTLES, SubEventType.ARMED_CLASH, None),
)  # fmt: skip

_TIME = re.compile(r"\b([01]?\d|2[0-3])\s*(?:h|:)\s*([0-5]\d)?\b|\b(1[0-2]|0?[1-9])\s*(am|pm)\b", re.IGNORECASE)
_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?\b")
_YESTERDAY = ("hier", "yesterday", "la nuit derniere", "last night")
_TODAY = ("aujourd hui", "today", "ce matin", "this morning", "ce soir", "tonight", "this evening", "cet apres midi")


@dataclass(frozen=True)
class KnownPlace:
    """A place messages may name: its key (a location id, or None for a gazetteer place the
    mission has no record of), the name shown, and every spelling it goes by."""

    location_id: int | None
    name: str
    spellings: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    """A place the text may name, how sure the reading is (0-1), and the words it matched."""

    location_id: int | None
    name: str
    confidence: float
    matched: str


@dataclass(frozen=True)
class Reading:
    """What a message says, as far as the reading can tell."""

    language: str  # "fr", "en" or "" when neither is recognised
    event_date: date
    event_time: time | None
    date_from_text: bool
    places: tuple[Candidate, ...]
    category: IncidentCategory | None
    event_type: EventType
    sub_event_type: SubEventType
    target: Target | None


def language_of(text: str) -> str:
    """ "fr" or "en" by which language's common words the text holds more of; "" if neither."""
    words = normalise(text).split()
    french = sum(w in _FRENCH for w in words)
    english = sum(w in _ENGLISH for w in words)
    if french == english:
        return "" if french == 0 else ("fr" if any(c in text for c in "éèàçù") else "en")
    return "fr" if french > english else "en"


def when_of(text: str, arrived: datetime) -> tuple[date, time | None, bool]:
    """The day and time the text gives (a date ``12/03``, ``hier``/``yesterday``, a time
    ``14h30``/``2 pm``), else the day of arrival; and whether the day came from the text."""
    key = f" {normalise(text)} "
    day = arrived.date()
    from_text = False
    found = _DATE.search(text)
    if found:
        day_n, month_n, year_text = int(found.group(1)), int(found.group(2)), found.group(3)
        year = arrived.year if year_text is None else int(year_text) + (2000 if len(year_text) == 2 else 0)
        try:
            candidate = date(year, month_n, day_n)
        except ValueError:
            candidate = None
        if candidate is not None and candidate <= arrived.date() and (arrived.date() - candidate).days < 366:
            day, from_text = candidate, True
    if not from_text and any(f" {w} " in key for w in _YESTERDAY):
        day, from_text = arrived.date() - timedelta(days=1), True
    elif not from_text and any(f" {w} " in key for w in _TODAY):
        from_text = True
    clock = _TIME.search(text)
    at: time | None = None
    if clock and not (found and clock.start() < found.end()):
        if clock.group(4):
            hour = int(clock.group(3)) % 12 + (12 if clock.group(4).lower() == "pm" else 0)
            at = time(hour, 0)
        else:
            at = time(int(clock.group(1)), int(clock.group(2) or 0))
    return day, at, from_text


def _grams(words: Sequence[str], size: int) -> Iterable[tuple[int, str]]:
    for start in range(len(words) - size + 1):
        yield start, " ".join(words[start : start + size])


def find_places(text: str, places: Iterable[KnownPlace]) -> list[Candidate]:
    """The places ``text`` names, best first (then in the order the text names them), one
    candidate per place with its best confidence."""
    words = normalise(text).split()
    best: dict[tuple[int | None, str], tuple[float, int, str]] = {}
    known = [(place, {k for k in (normalise(s) for s in place.spellings) if k}) for place in places]
    exact = set().union(*(keys for _, keys in known))  # a word that is one place is no near miss of another
    for place, keys in known:
        for key in keys:
            size = len(key.split())
            for start, gram in _grams(words, size):
                if gram == key:
                    score = 1.0
                elif len(key) >= _MIN_FUZZY_LENGTH and abs(len(gram) - len(key)) <= 2 and gram not in exact:
                    ratio = fuzz.ratio(gram, key)
                    if ratio < FUZZY_THRESHOLD:
                        continue
                    score = round(ratio / 100 * 0.9, 2)  # a near miss is never as sure as a match
                else:
                    continue
                ident = (place.location_id, place.name)
                held = best.get(ident)
                if held is None or score > held[0]:
                    best[ident] = (score, start, gram)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[1][1]))
    return [Candidate(ident[0], ident[1], score, gram) for ident, (score, _, gram) in ranked]


def guess_category(text: str) -> tuple[IncidentCategory | None, EventType, SubEventType, Target | None]:
    """The mission's category and ACLED's types the text's keywords suggest (both languages);
    no keyword: no category, and ACLED's "Other" strategic development."""
    key = f" {normalise(text)} "
    for words, category, event_type, sub_event_type, target in _CATEGORIES:
        if any(f" {w} " in key for w in words):
            return category, event_type, sub_event_type, target
    return None, EventType.STRATEGIC_DEVELOPMENTS, SubEventType.OTHER, None


def similarity(first: str, second: str) -> float:
    """How alike two messages are (0-1), by their words whatever the order."""
    return fuzz.token_set_ratio(normalise(first), normalise(second)) / 100


def read_message(text: str, arrived: datetime, places: Iterable[KnownPlace]) -> Reading:
    """Everything the reading can tell from ``text`` received at ``arrived``."""
    day, at, from_text = when_of(text, arrived)
    category, event_type, sub_event_type, target = guess_category(text)
    return Reading(
        language=language_of(text),
        event_date=day,
        event_time=at,
        date_from_text=from_text,
        places=tuple(find_places(text, places)),
        category=category,
        event_type=event_type,
        sub_event_type=sub_event_type,
        target=target,
    )
