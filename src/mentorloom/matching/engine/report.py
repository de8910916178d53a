"""The result of one matching run and the numbers every run reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .features import FloatArray, IntArray

NO_COMPATIBLE = "no_compatible_mentor"
CAPACITY_EXHAUSTED = "capacity_exhausted"


@dataclass(eq=False)
class MatchResult:
    """Assignments (mentee → mentor index or -1) with scores, ranks, reasons, quality figures and timings.

    ``rank`` is the 1-based position of the assigned mentor in the mentee's preference order over compatible
    mentors (0 = unmatched or locked). ``total_score`` sums the pairs the engine chose (locked pairs excluded,
    as in ``optimum``). ``certified_optimal`` (optimal modes) says the dual certificate proved the top-k
    restriction cost nothing. ``explanations`` has one entry per assigned mentee, in mentee order.
    """

    mode: str
    assignment: IntArray
    pair_score: FloatArray
    locked: NDArray[np.bool_]
    rank: IntArray
    unmatched_reason: dict[int, str]
    total_score: float
    optimum: float | None = None
    certified_optimal: bool | None = None
    blocking_pairs: int | None = None
    k: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    explanations: list[dict[str, Any]] | None = None

    @property
    def matched(self) -> int:
        """Mentees with a mentor (locked ones included)."""
        return int(np.count_nonzero(self.assignment >= 0))

    @property
    def unmatched(self) -> int:
        """Mentees without a mentor."""
        return int(self.assignment.size - self.matched)

    @property
    def pct_of_optimum(self) -> float | None:
        """Total score as a percentage of the exact optimum, when the optimum was computed."""
        if self.optimum is None:
            return None
        return 100.0 if self.optimum <= 0 else 100.0 * self.total_score / self.optimum

    @property
    def mean_rank(self) -> float | None:
        """Mean rank of the assigned mentor among the mentee's candidates (1 = first choice)."""
        ranks = self.rank[self.rank > 0]
        return float(ranks.mean()) if ranks.size else None

    def reason_counts(self) -> dict[str, int]:
        """How many mentees are unmatched for each reason."""
        counts: dict[str, int] = {}
        for reason in self.unmatched_reason.values():
            counts[reason] = counts.get(reason, 0) + 1
        return counts

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures for logs, the CLI and the coordinator's run report."""
        return {
            "mode": self.mode,
            "total_score": round(self.total_score, 3),
            "matched": self.matched,
            "unmatched": self.unmatched,
            "unmatched_reasons": self.reason_counts(),
            "pct_of_optimum": None if self.pct_of_optimum is None else round(self.pct_of_optimum, 4),
            "certified_optimal": self.certified_optimal,
            "blocking_pairs": self.blocking_pairs,
            "mean_rank": None if self.mean_rank is None else round(self.mean_rank, 3),
            "k": self.k,
            "timings": {key: round(v, 4) for key, v in self.timings.items()},
        }


def unmatched_reasons(assignment: IntArray, n_compatible: IntArray) -> dict[int, str]:
    """Why each unmatched mentee is unmatched: nobody allowed at all, or every allowed mentor was taken."""
    idle = np.flatnonzero(assignment < 0)
    return {int(i): NO_COMPATIBLE if n_compatible[i] == 0 else CAPACITY_EXHAUSTED for i in idle}
