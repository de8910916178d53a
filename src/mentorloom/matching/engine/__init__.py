"""Pure matching engine (numpy, scipy, OR-Tools): scores, optimal and stable assignment, explanation data.

No web, database or mentorloom-service imports: the service layer turns profiles into feature arrays.

Names are imported on first use (PEP 562): the pairs-file path (candidates, min-cost flow, deferred acceptance)
then starts without scipy and the scorer, which cost more than the whole solve of a 200,000-pair file.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_MODULES: dict[str, tuple[str, ...]] = {
    "blocking": ("blocking_pairs", "blocking_pairs_dense"),
    "breakdown": ("Breakdown", "pair_breakdown"),
    "candidates": ("Candidates",),
    "exact": ("exact_optimum",),
    "explain": ("explain_pairs",),
    "features": (
        "CRITERIA",
        "Labels",
        "MenteeFeatures",
        "MentorFeatures",
        "PairSet",
        "Rules",
        "Weights",
        "languages_to_mask",
    ),
    "optimal": ("InfeasibleLockError", "OptimalSolution", "solve_optimal", "uncertified_mentees"),
    "pipeline": ("Mode", "Options", "match"),
    "report": ("CAPACITY_EXHAUSTED", "NO_COMPATIBLE", "MatchResult"),
    "scoring": ("Scorer", "top_candidates"),
    "stable": ("StableSolution", "deferred_acceptance", "stable_from_candidates"),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}

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


def __getattr__(name: str) -> Any:
    """Import the submodule that defines ``name`` the first time the name is asked for."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
