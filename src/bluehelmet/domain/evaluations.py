"""Performance evaluations of military units, police assessment reports, and improvement plans.

The rating scale used by the Secretariat is not public: ratings are words from an ordinal scale
held in the settings (best first), checked when a rating is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import ClassVar

from bluehelmet.domain.records import Record, ref

__all__ = [
    "DEFAULT_RATING_SCALE",
    "Evaluation",
    "EvaluationFinding",
    "EvaluationKind",
    "ImprovementAction",
    "ImprovementPlan",
    "PerformanceDomain",
]

#: Best first. A mission may set its own scale (``BLUEHELMET_RATING_SCALE``).
DEFAULT_RATING_SCALE = ("excellent", "satisfactory", "needs_improvement", "unsatisfactory")


class EvaluationKind(StrEnum):
    MILITARY_UNIT_EVALUATION = "military_unit_evaluation"
    POLICE_ASSESSMENT_REPORT = "police_assessment_report"


class PerformanceDomain(StrEnum):
    """Areas a unit is rated on (the categories of the task-based standards and the PAER)."""

    COMMAND_AND_CONTROL = "command_and_control"
    INTELLIGENCE = "intelligence"
    OPERATIONS = "operations"
    EXECUTION_OF_DUTIES = "execution_of_duties"
    PROTECTION_OF_CIVILIANS = "protection_of_civilians"
    LOGISTICS = "logistics"
    MEDICAL = "medical"
    TRAINING = "training"
    DISCIPLINE_AND_CONDUCT = "discipline_and_conduct"
    FORCE_PROTECTION = "force_protection"


@dataclass(kw_only=True)
class Evaluation(Record):
    """A military unit evaluation or a police performance assessment and evaluation report."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "unit_id", "kind", "evaluated_on"),)
    label_field: ClassVar[str] = "evaluated_on"

    mission_id: int = ref("Mission")
    unit_id: int = ref("Unit")
    kind: EvaluationKind
    evaluated_on: date
    evaluated_strength: int | None = None
    overall_rating: str | None = None
    domain_ratings: dict[str, str] = field(default_factory=dict)
    evaluator: str = ""
    summary: str = ""


@dataclass(kw_only=True)
class EvaluationFinding(Record):
    """What an evaluation found about one sub-unit in one domain."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("evaluation_id", "sub_unit_id", "domain"),)
    label_field: ClassVar[str] = "domain"

    evaluation_id: int = ref("Evaluation")
    sub_unit_id: int | None = ref("Unit", optional=True)
    domain: PerformanceDomain
    rating: str | None = None
    finding: str


@dataclass(kw_only=True)
class ImprovementPlan(Record):
    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("mission_id", "unit_id", "adopted_on"),)
    label_field: ClassVar[str] = "adopted_on"

    mission_id: int = ref("Mission")
    unit_id: int = ref("Unit")
    evaluation_id: int | None = ref("Evaluation", optional=True)
    adopted_on: date
    description: str = ""


@dataclass(kw_only=True)
class ImprovementAction(Record):
    """One dated action of an improvement plan; it is overdue when not done by its due date."""

    natural_keys: ClassVar[tuple[tuple[str, ...], ...]] = (("plan_id", "description"),)
    label_field: ClassVar[str] = "description"

    plan_id: int = ref("ImprovementPlan")
    description: str
    domain: PerformanceDomain | None = None
    due_on: date
    completed_on: date | None = None
