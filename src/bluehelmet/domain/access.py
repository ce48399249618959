"""Who may do what: the roles of a mission headquarters and what each may read and change.

Pure rules, asked by every door (API routes, pages, CLI) before calling a service:
``permits(principal, action, kind)``. Sector scoping ("a sector user reads and writes only
within their sector") is the second half, applied by ``services.access`` to each record, since
only the records know which sector they belong to.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "EVALUATION_KINDS",
    "REFERENCE_KINDS",
    "SECTOR_WRITES",
    "Action",
    "Principal",
    "Role",
    "permits",
]


class Role(StrEnum):
    ADMIN = "admin"  # everything, including accounts
    ANALYST = "analyst"  # incidents and the analysis, all sectors
    SECTOR = "sector"  # read and write only within one sector
    EVALUATOR = "evaluator"  # evaluations, inspections, caveats
    REPORTING = "reporting"  # read everything, generate reports
    VIEWER = "viewer"  # read only


class Action(StrEnum):
    READ = "read"  # list, get, analysis, map, audit history of what one may read
    WRITE = "write"  # create, update, delete, restore
    REVIEW = "review"  # move incidents through draft -> verified -> rejected
    IMPORT = "import"
    EXPORT = "export"
    REPORT = "report"  # generate the letter
    ADMINISTER = "administer"  # accounts and tokens


#: Kinds everyone signed in may read whatever their sector: the frame the rest refers to.
REFERENCE_KINDS = frozenset({"Mission", "ContributingCountry", "AdminArea", "Sector"})
#: What an evaluator writes.
EVALUATION_KINDS = frozenset({
    "Evaluation", "EvaluationFinding", "ImprovementPlan", "ImprovementAction", "Inspection",
    "Caveat", "CaveatImpact", "EquipmentStatusChange",
})  # fmt: skip
#: What a sector user writes (within their sector).
SECTOR_WRITES = frozenset({"Incident", "Activity", "ConvoyObservation", "MovementRestriction"})
_ANALYST_WRITES = frozenset({"Incident", "Location", "ConvoyObservation", "ConvoyNotification", "MovementRestriction"})


@dataclass(frozen=True)
class Principal:
    """Who is asking: an account's name, role and grants.

    ``missions``: the ids of the missions the account was granted (None: every mission of the
    database, what an account with no grant reaches unless it has the sector role).
    ``sectors``: for the sector role, the ids of its sectors (at most one in each mission);
    ``sector_id`` is the first of them (given alone, it is the only one)."""

    name: str
    role: Role
    sector_id: int | None = None
    missions: frozenset[int] | None = None
    sectors: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        if self.sector_id is not None and self.sector_id not in self.sectors:
            object.__setattr__(self, "sectors", self.sectors | {self.sector_id})
        if self.sector_id is None and self.sectors:
            object.__setattr__(self, "sector_id", min(self.sectors))

    @property
    def scoped(self) -> bool:
        """Whether what this principal sees is limited to its sectors."""
        return self.role == Role.SECTOR

    @property
    def limited(self) -> bool:
        """Whether this principal reaches less than every mission and sector of the database."""
        return self.scoped or self.missions is not None


def permits(principal: Principal | None, action: Action, kind: str | None = None) -> bool:
    """Whether ``principal`` may do ``action`` on records of ``kind`` (None: not about one kind).

    Anonymous callers may do nothing. An account granted some missions (not every one) neither
    administers accounts nor imports: both reach across missions. A sector user's permission
    still has to be checked against each record's sector (``services.access``)."""
    if principal is None:
        return False
    role = principal.role
    if action in (Action.ADMINISTER, Action.IMPORT) and principal.missions is not None:
        return False  # accounts and imports reach across missions: for accounts of every mission
    if role == Role.ADMIN:
        return True
    if action == Action.READ:
        return True
    if action == Action.ADMINISTER:
        return False
    if role == Role.ANALYST:
        if action in (Action.EXPORT, Action.REPORT):
            return True
        if action in (Action.WRITE, Action.IMPORT):
            return kind in _ANALYST_WRITES
        return action == Action.REVIEW and kind in (None, "Incident")
    if role == Role.SECTOR:
        if action == Action.EXPORT:
            return True
        return (
            action in (Action.WRITE, Action.REVIEW)
            and kind in SECTOR_WRITES
            and (action == Action.WRITE or kind == "Incident")
        )
    if role == Role.EVALUATOR:
        if action == Action.EXPORT:
            return True
        return action in (Action.WRITE, Action.IMPORT) and kind in EVALUATION_KINDS
    if role == Role.REPORTING:
        return action in (Action.EXPORT, Action.REPORT)
    return False  # viewer: read only
