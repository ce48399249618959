"""Security incidents, in ACLED's vocabulary plus the categories a mission needs.

ACLED's event and sub-event types are kept with their exact spelling, so an ACLED or HXL file
comes in and goes out again without loss. ``category`` adds what ACLED does not tell apart: an
IED found and neutralised versus one that detonated, a complex attack on a camp, a drone over an
installation, a road blockage, a hijacking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum
from typing import ClassVar

from bluehelmet.domain.records import Record, ref, refs

__all__ = [
    "REVIEW_TRANSITIONS",
    "SUB_EVENT_TYPES",
    "TOLL_FIELDS",
    "TOLL_TALLIES",
    "EventType",
    "GeoPrecision",
    "Incident",
    "IncidentCategory",
    "InformationCredibility",
    "ReviewStatus",
    "SourceReliability",
    "SubEventType",
    "Target",
    "TimePrecision",
]


class EventType(StrEnum):
    BATTLES = "Battles"
    EXPLOSIONS_REMOTE_VIOLENCE = "Explosions/Remote violence"
    VIOLENCE_AGAINST_CIVILIANS = "Violence against civilians"
    PROTESTS = "Protests"
    RIOTS = "Riots"
    STRATEGIC_DEVELOPMENTS = "Strategic developments"


class SubEventType(StrEnum):
    ARMED_CLASH = "Armed clash"
    GOVERNMENT_REGAINS_TERRITORY = "Government regains territory"
    NON_STATE_ACTOR_OVERTAKES_TERRITORY = "Non-state actor overtakes territory"
    CHEMICAL_WEAPON = "Chemical weapon"
    AIR_DRONE_STRIKE = "Air/drone strike"
    SUICIDE_BOMB = "Suicide bomb"
    SHELLING_ARTILLERY_MISSILE = "Shelling/artillery/missile attack"
    REMOTE_EXPLOSIVE = "Remote explosive/landmine/IED"
    GRENADE = "Grenade"
    SEXUAL_VIOLENCE = "Sexual violence"
    ATTACK = "Attack"
    ABDUCTION = "Abduction/forced disappearance"
    PEACEFUL_PROTEST = "Peaceful protest"
    PROTEST_WITH_INTERVENTION = "Protest with intervention"
    EXCESSIVE_FORCE = "Excessive force against protesters"
    VIOLENT_DEMONSTRATION = "Violent demonstration"
    MOB_VIOLENCE = "Mob violence"
    AGREEMENT = "Agreement"
    ARRESTS = "Arrests"
    CHANGE_TO_GROUP = "Change to group/activity"
    DISRUPTED_WEAPONS_USE = "Disrupted weapons use"
    HEADQUARTERS_ESTABLISHED = "Headquarters or base established"
    LOOTING = "Looting/property destruction"
    NON_VIOLENT_TRANSFER = "Non-violent transfer of territory"
    OTHER = "Other"


_S = SubEventType
#: Which sub-event types belong to which event type (ACLED's codebook).
SUB_EVENT_TYPES: dict[EventType, frozenset[SubEventType]] = {
    EventType.BATTLES: frozenset(
        {_S.ARMED_CLASH, _S.GOVERNMENT_REGAINS_TERRITORY, _S.NON_STATE_ACTOR_OVERTAKES_TERRITORY}
    ),
    EventType.EXPLOSIONS_REMOTE_VIOLENCE: frozenset(
        {
            _S.CHEMICAL_WEAPON,
            _S.AIR_DRONE_STRIKE,
            _S.SUICIDE_BOMB,
            _S.SHELLING_ARTILLERY_MISSILE,
            _S.REMOTE_EXPLOSIVE,
            _S.GRENADE,
        }
    ),
    EventType.VIOLENCE_AGAINST_CIVILIANS: frozenset({_S.SEXUAL_VIOLENCE, _S.ATTACK, _S.ABDUCTION}),
    EventType.PROTESTS: frozenset({_S.PEACEFUL_PROTEST, _S.PROTEST_WITH_INTERVENTION, _S.EXCESSIVE_FORCE}),
    EventType.RIOTS: frozenset({_S.VIOLENT_DEMONSTRATION, _S.MOB_VIOLENCE}),
    EventType.STRATEGIC_DEVELOPMENTS: frozenset(
        {
            _S.AGREEMENT,
            _S.ARRESTS,
            _S.CHANGE_TO_GROUP,
            _S.DISRUPTED_WEAPONS_USE,
            _S.HEADQUARTERS_ESTABLISHED,
            _S.LOOTING,
            _S.NON_VIOLENT_TRANSFER,
            _S.OTHER,
        }
    ),
}


class IncidentCategory(StrEnum):
    """The mission's own categories, finer than ACLED's where the mission must report them."""

    IED_DETONATED = "ied_detonated"
    IED_NEUTRALISED = "ied_neutralised"
    INDIRECT_FIRE = "indirect_fire"
    COMPLEX_ATTACK_ON_CAMP = "complex_attack_on_camp"
    DIRECT_ATTACK = "direct_attack"
    DRONE_OVER_INSTALLATION = "drone_over_installation"
    ROAD_BLOCKAGE = "road_blockage"
    HIJACKING = "hijacking"
    ABDUCTION = "abduction"
    PROTECTION_OF_CIVILIANS = "protection_of_civilians"
    OTHER = "other"


class TimePrecision(StrEnum):
    """How exact the date is (ACLED codes 1, 2 and 3)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class GeoPrecision(StrEnum):
    """How exact the place is (ACLED codes 1, 2 and 3)."""

    EXACT = "exact"
    NEAR = "near"
    REGION = "region"


class Target(StrEnum):
    MISSION = "mission"
    NATIONAL_FORCES = "national_forces"
    INTERNATIONAL_FORCES = "international_forces"
    CIVILIANS = "civilians"
    ARMED_GROUPS = "armed_groups"
    AUTHORITIES = "authorities"
    HUMANITARIAN = "humanitarian"
    OTHER = "other"


class SourceReliability(StrEnum):
    """Reliability of the source (the A-F grading used in military intelligence)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


class InformationCredibility(StrEnum):
    """Credibility of the information itself (1 confirmed ... 6 cannot be judged)."""

    CONFIRMED = "1"
    PROBABLY_TRUE = "2"
    POSSIBLY_TRUE = "3"
    DOUBTFUL = "4"
    IMPROBABLE = "5"
    CANNOT_BE_JUDGED = "6"


#: An incident's toll: the total as reported, then the victims the mission reports on by group.
TOLL_FIELDS = (
    "fatalities",
    "killed_peacekeepers",
    "injured_peacekeepers",
    "killed_national_forces",
    "injured_national_forces",
    "killed_civilians",
    "injured_civilians",
)
#: What an analysis adds up for each toll: the sum of the values recorded, and (``*_unknown``) the
#: number of events whose value is not recorded. Unknown is not zero: it is never added as 0.
TOLL_TALLIES = tuple(name for toll in TOLL_FIELDS for name in (toll, f"{toll}_unknown"))


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    VERIFIED = "verified"
    REJECTED = "rejected"


#: A draft is verified or rejected; a reviewed incident can be reopened as a draft.
REVIEW_TRANSITIONS: dict[ReviewStatus, frozenset[ReviewStatus]] = {
    ReviewStatus.DRAFT: frozenset({ReviewStatus.VERIFIED, ReviewStatus.REJECTED}),
    ReviewStatus.VERIFIED: frozenset({ReviewStatus.DRAFT}),
    ReviewStatus.REJECTED: frozenset({ReviewStatus.DRAFT}),
}


@dataclass(kw_only=True)
class Incident(Record):
    """One security incident: when, where, what, against whom, by whom, the toll, the source.

    The ACLED columns (actors and their associated actors, interaction codes, disorder type,
    civilian targeting, source scale, tags, ACLED's own timestamp) are kept so an ACLED file
    can be exported again without loss. ``fatalities`` is the event's total as reported; the
    ``killed_*`` counts break down the victims the mission must report on. A toll a report does
    not give is None (not recorded), never 0: 0 means the report says none.
    """

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "external_id"),)
    label_field: ClassVar[str] = "external_id"

    mission_id: int = ref("Mission")
    external_id: str | None = None
    event_date: date
    event_time: time | None = None
    time_precision: TimePrecision = TimePrecision.DAY
    event_type: EventType
    sub_event_type: SubEventType
    category: IncidentCategory | None = None
    location_id: int | None = ref("Location", optional=True)
    sector_id: int | None = ref("Sector", optional=True)
    location_name: str = ""
    #: The place as reported, in French, when it is words rather than a name ("route entre Douentza
    #: et Sévaré"); empty when the place is a name, the same in every language.
    location_name_fr: str = ""
    admin1: str = ""
    admin2: str = ""
    admin3: str = ""
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: GeoPrecision = GeoPrecision.EXACT
    target: Target | None = None
    perpetrator: str = ""
    actor1: str = ""
    assoc_actor1: str = ""
    inter1: int | None = None
    actor2: str = ""
    assoc_actor2: str = ""
    inter2: int | None = None
    interaction: int | None = None
    disorder_type: str = ""
    civilian_targeting: bool = False
    explosives_used: bool = False
    operation_id: int | None = ref("Operation", optional=True)
    responding_unit_ids: list[int] = refs("Unit")
    fatalities: int | None = None
    killed_peacekeepers: int | None = None
    injured_peacekeepers: int | None = None
    killed_national_forces: int | None = None
    injured_national_forces: int | None = None
    killed_civilians: int | None = None
    injured_civilians: int | None = None
    attackers_estimated: int | None = None
    source: str = ""
    source_scale: str = ""
    source_timestamp: int | None = None
    tags: str = ""
    source_reliability: SourceReliability | None = None
    information_credibility: InformationCredibility | None = None
    review_status: ReviewStatus = ReviewStatus.DRAFT
    notes: str = ""
