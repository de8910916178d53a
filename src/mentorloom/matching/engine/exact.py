"""Exact optimum with scipy's dense ``linear_sum_assignment`` over mentor slots: an oracle for small instances."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .candidates import Candidates

if TYPE_CHECKING:
    from .features import IntArray
    from .optimal import OptimalMode

DEFAULT_EXACT_LIMIT = 80_000_000  # cells of the dense matrix (~640 MB float64): above that, report n/a


def exact_cells(n_mentees: int, capacity: IntArray) -> int:
    """Size of the dense matrix :func:`exact_optimum` would build."""
    slots = int(np.minimum(np.asarray(capacity), n_mentees).sum())
    return n_mentees * (slots + n_mentees)


def exact_optimum(cands: Candidates, capacity: IntArray, mode: OptimalMode = "max_matched") -> tuple[float, int]:
    """(best total score, matched count) over *complete* candidate lists.

    Each mentor becomes ``capacity`` identical slot columns, plus one zero "unmatched" column per mentee so
    nobody is forced into a pair. ``max_matched`` adds a bonus larger than any score total to every real pair,
    which makes "most matched, then best total" a single maximisation.
    """
    from scipy.optimize import linear_sum_assignment  # ~0.2 s to import: only the oracle's callers pay for it

    cap = np.minimum(np.asarray(capacity, dtype=np.int64), cands.n_mentees)
    slot_owner = np.repeat(np.arange(cap.size), cap)
    first_slot = np.r_[0, np.cumsum(cap)][:-1]
    n, n_slots = cands.n_mentees, slot_owner.size
    weight = np.zeros((n, n_slots + n), dtype=np.float64)
    allowed = np.zeros((n, n_slots + n), dtype=np.bool_)
    rows = cands.mentee
    bonus = float(np.abs(cands.score).sum()) + 1.0 if mode == "max_matched" else 0.0
    for offset in range(int(cap.max(initial=0))):
        use = cap[cands.mentor] > offset
        cols = first_slot[cands.mentor[use]] + offset
        weight[rows[use], cols] = cands.score[use] + bonus
        allowed[rows[use], cols] = True
    allowed[:, n_slots:] = True
    # forbidden cells cost more than any gain, yet stay small enough to keep float precision
    weight[~allowed] = -4.0 * (float(np.abs(cands.score).sum()) + 1.0) * (2.0 if bonus else 1.0)
    r, c = linear_sum_assignment(weight, maximize=True)
    real = (c < n_slots) & allowed[r, c]
    return float((weight[r, c][real] - bonus).sum()), int(real.sum())
