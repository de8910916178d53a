"""Load test (not a unit test): real server processes on PostgreSQL, driven over loopback by a second process.

    .venv/bin/python bench/load.py [--duration 60] [--users 50] [--web-workers 2] [--think-ms 1000] [--json FILE]

1. a fresh database at 127.0.0.1:5432 (trust auth), migrated with `mentorloom db upgrade`, the demo loaded with
   `mentorloom demo`, and a personal API token made for every member of the demo program (its coordinator,
   five mentors and five mentees; three pairs are running);
2. `mentorloom serve --workers N` as a subprocess on a free loopback port (each web process builds its own app,
   engine and pool);
3. bench/load_client.py as a separate process: `--users` virtual users, each signed in with its own session,
   drive the main pages and the API (see the mixes there) for `--duration` seconds. A user sends its next
   request when the last is answered and it has paused for `--think-ms` on average (exponentially
   distributed): 1000 ms is someone clicking about once a second, far busier than a person reading a page;
   `--think-ms 0` turns the users into a closed loop of back-to-back requests (a saturation test);
4. a table: requests, errors by status, throughput, p50/p95/p99 overall and per endpoint group.

Exit status 1 when any request failed (a non-expected status, 429 and 503 included, or a timeout) or the
server logged a traceback. Bounded: every step has a time limit, the server's process group is killed and the
database dropped whatever happens.

The rate limits are raised for the run (every MENTORLOOM_*_RATE_LIMIT to 1000000/minute): all virtual users
come from 127.0.0.1 and share a handful of demo accounts and their tokens, exactly the pattern the limits exist
to stop. The run measures the capacity of the app, not its throttles (tests/edge/test_limits.py covers those).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from health_data import throwaway_postgres
from sqlalchemy import select

from mentorloom.accounts.service import create_api_token
from mentorloom.config import Settings
from mentorloom.db import Database
from mentorloom.demo import DEMO_PASSWORD, DEMO_PROGRAM
from mentorloom.programs.models import Membership, Program

HERE = Path(__file__).resolve().parent
STEP_TIMEOUT = 300.0  # migrate, demo
START_TIMEOUT = 90.0  # server up and answering /healthz
STOP_TIMEOUT = 15.0
RAISED_LIMIT = "1000000/minute"


def server_env(url: str, var_dir: Path, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MENTORLOOM_DATABASE_URL=url,
        MENTORLOOM_VAR_DIR=str(var_dir),
        MENTORLOOM_SECRET_KEY="load-test-secret",
        MENTORLOOM_BASE_URL=f"http://127.0.0.1:{port}",
        MENTORLOOM_TEXT_ENCODER="tfidf",
        MENTORLOOM_OUTBOX_DIR=str(var_dir / "outbox"),
    )
    for name in Settings.model_fields:  # see the module docstring for why
        if name.endswith("rate_limit"):
            env[f"MENTORLOOM_{name.upper()}"] = RAISED_LIMIT
    env.pop("MENTORLOOM_REDIS_URL", None)
    return env


def mentorloom(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "mentorloom", *args], env=env, capture_output=True, text=True, timeout=STEP_TIMEOUT
    )
    if done.returncode:
        raise SystemExit(f"mentorloom {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def accounts_with_tokens(url: str) -> list[dict[str, Any]]:
    """Every member of the demo program (coordinator, mentors, mentees) with a fresh personal API token."""
    database = Database(url)
    out = []
    try:
        with database.session() as session:
            program = session.scalars(select(Program).where(Program.name == DEMO_PROGRAM)).one()
            members = select(Membership).where(Membership.program_id == program.id).order_by(Membership.id)
            for membership in session.scalars(members):
                _token, raw = create_api_token(session, membership.user, "load test")
                out.append(
                    {"role": membership.role.value, "email": membership.user.email, "password": DEMO_PASSWORD}
                    | {"token": raw}
                )
    finally:
        database.dispose()
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(env: dict[str, str], port: int, workers: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`mentorloom serve --workers N` in its own process group, stopped (then killed) however the run ends."""
    command = [sys.executable, "-m", "mentorloom", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_up(server, port, log)
            yield server
        finally:
            stop(server)


def wait_until_up(server: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"the server did not answer /healthz within {START_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")


def stop(server: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=STOP_TIMEOUT)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=STOP_TIMEOUT)


def web_processes(server_pid: int) -> list[int]:
    """The supervisor's children that serve requests (uvicorn's spawned workers), read from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == server_pid and b"spawn_main" in cmdline:  # not multiprocessing's resource tracker
            found.append(int(stat.parent.name))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the processes have used so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def drive(port: int, accounts: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    command = [sys.executable, str(HERE / "load_client.py"), "--base-url", f"http://127.0.0.1:{port}"]
    command += ["--duration", str(args.duration), "--users", str(args.users), "--think-ms", str(args.think_ms)]
    done = subprocess.run(
        command, input=json.dumps(accounts), capture_output=True, text=True, timeout=args.duration + 120
    )
    if done.returncode:
        raise SystemExit(f"the load client failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout))


def table(result: dict[str, Any]) -> list[str]:
    header = ("endpoint group", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms")
    rows = []
    for group, g in result["groups"].items():
        rows.append((group, f"{g['requests']:,}", str(g["errors"]), *_ms(g)))
    rows.append(("all", f"{result['requests']:,}", str(result["errors"]), *_ms(result["overall"])))
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for n, line in enumerate([header, tuple("-" * w for w in widths), *rows]):
        if n == len(rows) + 1:
            lines.append("  ".join("-" * w for w in widths))
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True))]
        lines.append("  ".join(cells))
    return lines


def _ms(g: dict[str, float]) -> tuple[str, str, str, str]:
    return f"{g['p50']:.0f}", f"{g['p95']:.0f}", f"{g['p99']:.0f}", f"{g['max']:.0f}"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tracebacks(log: Path) -> dict[str, list[str]]:
    """The server's tracebacks by their last line (the exception), each with its first full text."""
    found: dict[str, list[str]] = {}
    block: list[str] = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("Traceback (most recent call last)"):
            block = [line]
        elif block:
            block.append(line)
            if not line.startswith((" ", "\t", "Traceback")) and not line.startswith(("The above", "During")) and line:
                found.setdefault(line, []).append("\n".join(block))
                block = []
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--users", type=int, default=50, help="concurrent virtual users")
    parser.add_argument("--web-workers", type=int, default=2, help="web processes of the server")
    parser.add_argument("--think-ms", type=int, default=1000, help="mean pause between a user's requests")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--server-log", type=Path, help="keep the server's log here")
    args = parser.parse_args()
    print("$ .venv/bin/python bench/load.py " + " ".join(sys.argv[1:]), flush=True)
    with tempfile.TemporaryDirectory(prefix="mentorloom-load-") as tmp, throwaway_postgres() as url:
        port = free_port()
        env = server_env(url, Path(tmp) / "var", port)
        started = time.monotonic()
        mentorloom("db", "upgrade", env=env)
        mentorloom("demo", env=env)
        accounts = accounts_with_tokens(url)
        print(f"database migrated and demo loaded in {time.monotonic() - started:.0f} s", flush=True)
        log = Path(tmp) / "server.log"
        started = time.monotonic()
        with running_server(env, port, args.web_workers, log) as server:
            print(f"server up in {time.monotonic() - started:.0f} s", flush=True)
            pids = web_processes(server.pid)
            before, client_before, load_before = cpu_seconds(pids), _children_cpu(), os.getloadavg()[0]
            result = drive(port, accounts, args)
            server_cpu, client_cpu = cpu_seconds(pids) - before, _children_cpu() - client_before
        result["web_processes"] = len(pids)
        result["server_cpu_s"], result["client_cpu_s"] = server_cpu, client_cpu
        result["load_average"] = [load_before, os.getloadavg()[0]]
        result["cpus"] = os.cpu_count()
        failures = tracebacks(log)
        result["server_tracebacks"] = sum(len(v) for v in failures.values())
        for last, blocks in failures.items():
            print(f"server traceback, {len(blocks)} times: {last}\n{blocks[0][-6000:]}\n")
        if args.server_log:
            args.server_log.write_bytes(log.read_bytes())
    return report(result, args)


def report(result: dict[str, Any], args: argparse.Namespace) -> int:
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    setup = result["setup"]
    if result.get("setup_failed"):
        print(f"sign-in failed: {setup['errors_by_status']} {setup['error_samples']}")
        return 1
    print(
        f"{result['users']} users (mean pause {args.think_ms} ms), {result['web_processes']} web processes,"
        f" PostgreSQL, {result['elapsed_s']:.1f} s;"
        f" {setup['requests']} sign-ins before the run (p50 {setup['overall']['p50']:.0f} ms);"
        f" {result['paired_users']} users in a running mentorship"
    )
    wall = result["elapsed_s"]
    print(
        f"CPU: {result['cpus']} cores, load average {result['load_average'][0]:.1f} before and"
        f" {result['load_average'][1]:.1f} after; the web processes used {result['server_cpu_s'] / wall:.2f} cores"
        f" and the load client {result['client_cpu_s'] / wall:.2f} (the client's includes its sign-ins)"
    )
    print("\n".join(table(result)))
    errors = result["errors"] + setup["errors"]
    print(
        f"throughput {result['throughput_rps']:.1f} requests/s; errors {errors}"
        + (f" {result['errors_by_status']}" if errors else "")
        + f"; server tracebacks {result['server_tracebacks']}"
    )
    for sample in result["error_samples"]:
        print("  " + sample)
    return 1 if errors or result["server_tracebacks"] or result["web_processes"] != args.web_workers else 0


if __name__ == "__main__":
    sys.exit(main())
