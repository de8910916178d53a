"""Run the same step in several threads released at one moment, for races on real database connections."""

from __future__ import annotations

import threading
from collections.abc import Callable

Step = Callable[[int, threading.Barrier], str]


def at_once(runners: int, step: Step) -> list[str]:
    """Each thread runs `step(index, barrier)`: it prepares, waits at the barrier, acts, and names its outcome.

    An unexpected exception becomes its repr, so a failing race shows what went wrong instead of a hung thread.
    """
    barrier = threading.Barrier(runners)
    outcomes: list[str] = []

    def run(index: int) -> None:
        try:
            outcomes.append(step(index, barrier))
        except Exception as exc:  # pragma: no cover - what a failing race reports
            outcomes.append(repr(exc))

    threads = [threading.Thread(target=run, args=(index,)) for index in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes
