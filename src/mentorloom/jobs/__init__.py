"""Background jobs: durable rows in the database, woken through Huey (SQLite by default, Redis to scale out).

Domain `tasks.py` modules register plain functions with `@job("name")`; services record work with
`schedule(session, "name", **ids)` in their own transaction. Jobs take ids, reload their rows and are safe to
run twice; the database, not the queue, is the source of truth for what is left to do.
"""

from mentorloom.jobs.context import JobContext
from mentorloom.jobs.queue import JobQueue, build_huey
from mentorloom.jobs.registry import job, load_all_jobs, sweeper
from mentorloom.jobs.service import schedule, wake_after_commit

__all__ = ["JobContext", "JobQueue", "build_huey", "job", "load_all_jobs", "schedule", "sweeper", "wake_after_commit"]
