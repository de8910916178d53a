"""A real `mentorloom worker` process against a real database, queue and SMTP server, for the worker tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from mentorloom.config import Settings

VALUES = ("growth", "honesty", "family", "autonomy", "learning", "impact")
SKILLS = ("Negotiation", "Python", "Public speaking", "SQL", "Leadership", "Design")


def participants_csv(mentees: int, mentors: int, *, seed: int = 1) -> bytes:
    """A participant file with `mentees` mentees and `mentors` mentors (capacity 2)."""
    lines = ["email,name,role,languages,values,interests,expertise,wanted_skills,capacity,bio"]
    for n in range(mentors):
        skill = SKILLS[(n + seed) % len(SKILLS)]
        values = "|".join(VALUES[(n + k) % len(VALUES)] for k in range(3))
        lines.append(
            f"mentor{n}@example.org,Mentor {n},mentor,en|de,{values},Climbing,{skill}:4,,2,"
            f"I have worked on {skill.lower()} for years and like to help."
        )
    for n in range(mentees):
        skill = SKILLS[(n * 7 + seed) % len(SKILLS)]
        values = "|".join(VALUES[(n * 3 + k) % len(VALUES)] for k in range(2))
        lines.append(
            f"mentee{n}@example.org,Mentee {n},mentee,en,{values},Jazz,,{skill}:1,,"
            f"I want to get better at {skill.lower()}."
        )
    return ("\n".join(lines) + "\n").encode()


def worker_settings(
    tmp_path: Path, database_url: str, redis_url: str | None, smtp_port: int, **extra: object
) -> Settings:
    return Settings(
        var_dir=tmp_path,
        database_url=database_url,
        secret_key="k",
        redis_url=redis_url,
        queue_name=f"mentorloom-test-{uuid.uuid4().hex[:8]}",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        text_encoder="tfidf",
        **extra,  # type: ignore[arg-type]
    )


def start_worker(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    """`mentorloom worker` exactly as the README runs it, configured through the environment."""
    env = {
        **os.environ,
        "MENTORLOOM_VAR_DIR": str(settings.var_dir),
        "MENTORLOOM_DATABASE_URL": settings.sqlalchemy_url,
        "MENTORLOOM_SECRET_KEY": "k",
        "MENTORLOOM_QUEUE_NAME": settings.queue_name,
        "MENTORLOOM_SMTP_HOST": "127.0.0.1",
        "MENTORLOOM_SMTP_PORT": str(settings.smtp_port),
        "MENTORLOOM_SMTP_TIMEOUT": str(settings.smtp_timeout),
        "MENTORLOOM_JOB_LEASE_SECONDS": str(settings.job_lease_seconds),
        "MENTORLOOM_TEXT_ENCODER": settings.text_encoder,
    }
    if settings.redis_url:
        env["MENTORLOOM_REDIS_URL"] = settings.redis_url
    return subprocess.Popen(
        [sys.executable, "-m", "mentorloom", "worker", "--workers", "2"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def kill_hard(worker: subprocess.Popen[bytes]) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)


def stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill_hard(worker)


def wait_for(predicate: Callable[[], bool], seconds: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-3000:] if log is not None and log.exists() else ""
    raise AssertionError(f"timed out after {seconds} s waiting for: {what}\n--- worker log ---\n{tail}")
