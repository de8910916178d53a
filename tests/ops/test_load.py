"""`make load`, briefly: bench/load.py against `serve --workers 2` on PostgreSQL, driven by a second process.

The long run (60 s, 50 users) is `make load`; this one runs the same script for 8 s with 10 users, so a change
that breaks a page or the API under concurrent use, or the multi-process server, fails `make test`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _postgres_available, require_or_skip

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
# Every group of the mixes in bench/load_client.py: each virtual user first sends each request of its mix once.
GROUPS = {
    "page: home",
    "page: program overview",
    "page: participants",
    "page: health dashboard",
    "page: pair home",
    "page: meetings",
    "api: me",
    "api: programs",
    "api: mentorships",
    "api: participants",
    "api: meetings",
    "api: goals",
    "api write: goal progress",
    "api write: private note",
}


def test_a_short_load_run_answers_every_request(tmp_path: Path) -> None:
    require_or_skip(_postgres_available(), "PostgreSQL at 127.0.0.1:5432")
    figures = tmp_path / "load.json"
    # back to back (no pauses), so that every user gets through its whole mix in the 8 s
    brief = ["--duration", "8", "--users", "10", "--think-ms", "0", "--json", str(figures)]
    done = subprocess.run(
        [sys.executable, "bench/load.py", *brief],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # the script bounds itself; this only keeps a hung run from hanging the suite
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    result = json.loads(figures.read_text())
    assert result["web_processes"] == 2
    assert result["setup"]["requests"] == 10 and result["setup"]["errors"] == 0
    assert result["errors"] == 0, result["error_samples"]
    assert result["server_tracebacks"] == 0
    assert set(result["groups"]) == GROUPS
    assert all(set(g["statuses"]) <= {"200", "201"} for g in result["groups"].values())
    assert result["paired_users"] > 0 and result["throughput_rps"] > 0
    assert "throughput" in done.stdout and "p99 ms" in done.stdout
