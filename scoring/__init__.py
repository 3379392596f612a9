"""The pure scoring core of tiersync: model, validation, scorer, reassessment, portfolio."""

from scoring.defaults import DEFAULT_MODEL
from scoring.errors import InvalidValue, ModelError, ModelIssue, ScoringError
from scoring.model import ScoringModel
from scoring.portfolio import (
    Book,
    Standing,
    Summary,
    capacity_overflow,
    overflow,
    standing,
    tier_capacity,
)
from scoring.records import (
    INPUT_FIELDS,
    OPTIONAL_OUTPUTS,
    OUTPUT_FIELDS,
    AccountRecord,
    Outputs,
    Result,
    TierChange,
)
from scoring.review import Proposal, ReviewState
from scoring.schema import describe_path, load_model, model_hash
from scoring.scorer import Scorer

__all__ = [
    "DEFAULT_MODEL",
    "INPUT_FIELDS",
    "OPTIONAL_OUTPUTS",
    "OUTPUT_FIELDS",
    "AccountRecord",
    "Book",
    "InvalidValue",
    "ModelError",
    "ModelIssue",
    "Outputs",
    "Proposal",
    "Result",
    "ReviewState",
    "Scorer",
    "ScoringError",
    "ScoringModel",
    "Standing",
    "Summary",
    "TierChange",
    "capacity_overflow",
    "describe_path",
    "load_model",
    "model_hash",
    "overflow",
    "standing",
    "tier_capacity",
]
