"""Where the current unit of work comes from: set once by its edge (request, job, CLI), read by audit.record."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

ORIGIN_MAX = 64

# A contextvar rather than a parameter: the services that record an event are called from many edges, and
# threading "where from" through every signature would touch them all for one column.
_origin: ContextVar[str] = ContextVar("audit_origin", default="")


def current_origin() -> str:
    """The origin of the running request, job or CLI command ("" when none was set)."""
    return _origin.get()


@contextmanager
def origin(value: str) -> Iterator[None]:
    """Run the block with `value` as the origin of every audit event it records."""
    token = _origin.set(value[:ORIGIN_MAX])
    try:
        yield
    finally:
        _origin.reset(token)


def job_origin(name: str) -> str:
    return f"job:{name}"


CLI_ORIGIN = "cli"
