"""Counts that protect small groups: a cell from 1 to 4 is hidden, and so is a second cell wherever a hidden one could
be worked out from a total.

Rules (issue 13, privacy):

* A count from 1 to `MIN_CELL - 1` is hidden ("primary suppression"). Zero is shown: it names nobody.
* A *group* is a set of cells tied by a sum that a reader knows or may know: a row with its total (matched + waiting
  = joined mentees), a column whose sum appears elsewhere (the cohort table's columns add up to figures of the
  summary). When exactly one cell of a group is hidden, it follows from the others by subtraction, so the smallest
  other non-zero cell of the group is hidden as well (zeros only when nothing else is left; the total itself only
  when it is the smallest). This repeats until no group has exactly one hidden cell ("secondary suppression").
* Every hidden cell reads the same ("hidden"), whether it was small or hidden to protect another one, so a reader
  cannot tell which of two hidden cells is the small one.
* Averages and rates are shown only when the answers or people behind them are at least `MIN_CELL` and the counts
  they come from are shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

MIN_CELL = 5


@dataclass(eq=False)  # identity matters: the same cell may sit in a row group and a column group
class Cell:
    """A count as published: `value` is None once the cell is hidden; the true number stays in `_raw`."""

    _raw: int
    suppressed: bool = False

    @property
    def value(self) -> int | None:
        return None if self.suppressed else self._raw

    @property
    def raw(self) -> int:
        """The true count, for the service's own decisions (never for output)."""
        return self._raw

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "suppressed": self.suppressed}


def count(n: int) -> Cell:
    """A count, hidden when from 1 to MIN_CELL - 1."""
    return Cell(n, 1 <= n < MIN_CELL)


def protect(groups: Iterable[Sequence[Cell]]) -> None:
    """Hide further cells until no group has exactly one hidden cell (see the module docstring)."""
    groups = [list(g) for g in groups]
    changed = True
    while changed:
        changed = False
        for group in groups:
            if sum(c.suppressed for c in group) != 1:
                continue
            shown = [c for c in group if not c.suppressed]
            if not shown:
                continue
            # the smallest non-zero cell costs the least information; a zero only when nothing else is left
            shown.sort(key=lambda c: (c.raw == 0, c.raw))
            shown[0].suppressed = True
            changed = True


def share(part: Cell, whole: Cell) -> float | None:
    """part / whole as a fraction, or None when either count is hidden or the whole is empty."""
    if part.value is None or whole.value is None or whole.value == 0:
        return None
    return part.value / whole.value
