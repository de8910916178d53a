"""Periodic engagement jobs, run by `mentorloom worker` (or `serve --with-worker`).

Each is a sweep over the current state with idempotent keys: a worker killed half-way and started again does
what is missing and nothing twice.
"""

from __future__ import annotations
