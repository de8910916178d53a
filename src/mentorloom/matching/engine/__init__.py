"""Pure matching engine (numpy, scipy, OR-Tools): scores, optimal and stable assignment, explanation data.

No web, database or mentorloom-service imports: the service layer turns profiles into feature arrays.
"""

from .blocking import blocking_pairs, blocking_pairs_dense
from .breakdown import Breakdown, pair_breakdown
from .candidates import Candidates
from .exact import exact_optimum
from .explain import explain_pairs
from .features import (
    CRITERIA,
    Labels,
    MenteeFeatures,
    MentorFeatures,
    PairSet,
    Rules,
    Weights,
    languages_to_mask,
)
from .optimal import InfeasibleLockError, OptimalSolution, solve_optimal, uncertified_mentees
from .pipeline import Mode, Options, match
from .report import CAPACITY_EXHAUSTED, NO_COMPATIBLE, MatchResult
from .scoring import Scorer, top_candidates
from .stable import StableSolution, deferred_acceptance, stable_from_candidates

__all__ = [
    "CAPACITY_EXHAUSTED",
    "CRITERIA",
    "NO_COMPATIBLE",
    "Breakdown",
    "Candidates",
    "InfeasibleLockError",
    "Labels",
    "MatchResult",
    "MenteeFeatures",
    "MentorFeatures",
    "Mode",
    "OptimalSolution",
    "Options",
    "PairSet",
    "Rules",
    "Scorer",
    "StableSolution",
    "Weights",
    "blocking_pairs",
    "blocking_pairs_dense",
    "deferred_acceptance",
    "exact_optimum",
    "explain_pairs",
    "languages_to_mask",
    "match",
    "pair_breakdown",
    "solve_optimal",
    "stable_from_candidates",
    "top_candidates",
    "uncertified_mentees",
]
