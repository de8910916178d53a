"""The load generator of bench/load.py, run by it as a separate process (it never imports the app).

    python bench/load_client.py --base-url http://127.0.0.1:PORT --duration 60 --users 50 < accounts.json

stdin holds the accounts, `[{"role": "coordinator"|"mentor"|"mentee", "email", "password", "token"}, ...]`.
Every virtual user signs in with its own cookie session (for pages) and sends its account's API token as
`Authorization: Bearer` (for /api/v1); accounts are shared round-robin, so several users of one account hold
separate sessions, as one person on two devices would. Once all are signed in, each user sends its next request
when the last is answered and it has paused `--think-ms` on average (0: at once), drawn from a weighted mix for
its role, until the duration is over. Users sign in a few at a time (`--sign-in-concurrency`) before the clock starts.
stdout gets one JSON object: counts, statuses, latencies per endpoint group.

A response is correct only with the status its request expects (pages 200, API reads 200, writes 201): a
redirect to /login, a 429 from a rate limit, a 503 from a full pool or a timeout all count as errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

PAIR = "/programs/{program_id}/mentorships/{mentorship_id}"
API = "/api/v1"
REQUEST_TIMEOUT = 30.0


@dataclass(frozen=True)
class Action:
    weight: int
    group: str  # the row of the report
    path: str  # formatted with the user's ids
    method: str = "GET"
    expect: int = 200
    body: Any = None  # a callable(rng) -> JSON body, for writes


def _progress(rng: random.Random) -> dict[str, Any]:
    return {"progress": rng.randint(0, 100), "note": "Load test: steady progress this week."}


def _reflection(rng: random.Random) -> dict[str, Any]:
    return {"challenge": f"Load test note {rng.randint(1, 10**6)}", "learned": "Keep going.", "visibility": "private"}


# Weighted mixes: pages as people click through them, the API as scripts and integrations poll it.
COORDINATOR = [
    Action(12, "page: home", "/"),
    Action(10, "page: program overview", "/programs/{program_id}"),
    Action(8, "page: participants", "/programs/{program_id}/participants"),
    Action(8, "page: health dashboard", "/programs/{program_id}/health"),
    Action(6, "page: pair home", PAIR),
    Action(6, "api: me", f"{API}/me"),
    Action(6, "api: programs", f"{API}/programs"),
    Action(8, "api: mentorships", f"{API}/programs/{{program_id}}/mentorships"),
    Action(4, "api: participants", f"{API}/programs/{{program_id}}/participants"),
]
PAIRED = [  # a mentor or mentee with a running mentorship
    Action(12, "page: home", "/"),
    Action(10, "page: pair home", PAIR),
    Action(8, "page: meetings", f"{PAIR}/meetings"),
    Action(4, "page: program overview", "/programs/{program_id}"),
    Action(6, "api: me", f"{API}/me"),
    Action(4, "api: programs", f"{API}/programs"),
    Action(6, "api: mentorships", f"{API}/programs/{{program_id}}/mentorships"),
    Action(8, "api: meetings", f"{API}{PAIR}/meetings"),
    Action(5, "api: goals", f"{API}{PAIR}/goals"),
    Action(3, "api write: goal progress", f"{API}{PAIR}/goals/{{goal_key}}/progress", "POST", 201, _progress),
    Action(2, "api write: private note", f"{API}{PAIR}/reflections", "POST", 201, _reflection),
]
UNPAIRED = [  # waiting to be matched, or between mentorships
    Action(12, "page: home", "/"),
    Action(8, "page: program overview", "/programs/{program_id}"),
    Action(6, "api: me", f"{API}/me"),
    Action(6, "api: programs", f"{API}/programs"),
    Action(4, "api: mentorships", f"{API}/programs/{{program_id}}/mentorships"),
]


@dataclass
class Seat:
    """What one account sees: its program, and its running mentorship with a goal (mentors and mentees)."""

    program_id: int
    mentorship_id: int | None = None
    goal_key: str | None = None

    def mix(self, role: str) -> list[Action]:
        if role == "coordinator":
            return COORDINATOR if self.mentorship_id else [a for a in COORDINATOR if "{mentorship_id}" not in a.path]
        return PAIRED if self.goal_key else UNPAIRED


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    errors: Counter[str] = field(default_factory=Counter)
    group_errors: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)  # the first few errors, to say what went wrong

    def record(self, group: str, status: str, ms: float, ok: bool, detail: str = "") -> None:
        self.latencies[group].append(ms)
        self.statuses[group][status] += 1
        if not ok:
            self.errors[status] += 1
            self.group_errors[group] += 1
            if len(self.samples) < 10:
                self.samples.append(f"{group}: {status} {detail}"[:400])


async def discover(base_url: str, account: dict[str, Any]) -> Seat:
    """The account's program and running mentorship, asked of the API the way an integration would."""
    headers = {"Authorization": f"Bearer {account['token']}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT) as c:
        programs = (await _ok(c.get(f"{API}/programs")))["items"]
        seat = Seat(program_id=programs[0]["id"])
        pairs = await _ok(c.get(f"{API}/programs/{seat.program_id}/mentorships", params={"status": "active"}))
        if pairs["items"]:
            seat.mentorship_id = pairs["items"][0]["id"]
            if account["role"] != "coordinator":
                goals = await _ok(c.get(f"{API}/programs/{seat.program_id}/mentorships/{seat.mentorship_id}/goals"))
                seat.goal_key = goals[0]["key"] if goals else None
        return seat


async def _ok(pending: Any) -> Any:
    response = await pending
    response.raise_for_status()
    return response.json()


async def sign_in(client: httpx.AsyncClient, account: dict[str, Any], tally: Tally, gate: asyncio.Semaphore) -> bool:
    async with gate:
        return await _sign_in(client, account, tally)


async def _sign_in(client: httpx.AsyncClient, account: dict[str, Any], tally: Tally) -> bool:
    start = time.perf_counter()
    form = await client.get("/login")
    answer = await client.post(
        "/login",
        data={"email": account["email"], "password": account["password"], "csrf_token": client.cookies.get("ml_csrf")},
    )
    ok = form.status_code == 200 and answer.status_code == 303 and "/login" not in answer.headers.get("location", "")
    tally.record("sign-in (before the run)", str(answer.status_code), (time.perf_counter() - start) * 1000, ok)
    return ok


class VirtualUser:
    def __init__(self, n: int, account: dict[str, Any], seat: Seat, base_url: str, think_ms: int) -> None:
        self.account, self.seat = account, seat
        self.rng = random.Random(n)
        self.actions = seat.mix(account["role"])
        self.weights = [a.weight for a in self.actions]
        self.think = think_ms / 1000
        self.ids = {"program_id": seat.program_id, "mentorship_id": seat.mentorship_id, "goal_key": seat.goal_key}
        # one connection per user, as one browser tab keeps one; half of them read German
        self.client = httpx.AsyncClient(
            base_url=base_url,
            timeout=REQUEST_TIMEOUT,
            limits=httpx.Limits(max_connections=1),
            headers={"Accept-Language": "de" if n % 2 else "en"},
        )
        self.bearer = {"Authorization": f"Bearer {account['token']}"}

    async def run(self, until: float, tally: Tally) -> None:
        # each request of the mix once (even past the end), so a short run on a busy machine still covers every
        # group; then drawn by weight
        tour = self.rng.sample(self.actions, len(self.actions))
        if self.think:
            # Arrive after a pause like any other, not all at the same instant: 50 first requests at once to cold
            # processes took 1-4 s and made up every answer over a second in the old runs' p99 and max.
            await asyncio.sleep(self.rng.expovariate(1 / self.think))
        while tour or time.monotonic() < until:
            action = tour.pop() if tour else self.rng.choices(self.actions, self.weights)[0]
            await self.send(action, tally)
            if self.think:
                await asyncio.sleep(self.rng.expovariate(1 / self.think))

    async def send(self, action: Action, tally: Tally) -> None:
        is_api = action.path.startswith(API)
        path = action.path.format(**self.ids)
        start = time.perf_counter()
        try:
            response = await self.client.request(
                action.method,
                path,
                json=action.body(self.rng) if action.body else None,
                headers=self.bearer if is_api else None,  # pages run on the session cookie alone
            )
            status, detail = str(response.status_code), f"{action.method} {path} {response.text[:200]!r}"
            ok = response.status_code == action.expect
        except httpx.HTTPError as exc:
            status, detail, ok = type(exc).__name__, f"{action.method} {path} {exc!r}", False
        tally.record(action.group, status, (time.perf_counter() - start) * 1000, ok, detail)


def percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        only = values[0] if values else 0.0
        return {"p50": only, "p95": only, "p99": only, "max": only}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(values)}


async def main_async(args: argparse.Namespace, accounts: list[dict[str, Any]]) -> dict[str, Any]:
    seats = {a["email"]: await discover(args.base_url, a) for a in accounts}
    by_role = {r: [a for a in accounts if a["role"] == r] for r in ("coordinator", "mentor", "mentee")}
    # a fifth coordinators, the rest split between mentors and mentees
    roles = ["coordinator" if n % 5 == 0 else ("mentor" if n % 2 else "mentee") for n in range(args.users)]
    users = []
    for n, role in enumerate(roles):
        pool = by_role[role] or accounts
        account = pool[n % len(pool)]
        users.append(VirtualUser(n, account, seats[account["email"]], args.base_url, args.think_ms))
    setup, tally = Tally(), Tally()
    try:
        # People arrive over time: a burst of 50 Argon2 checks at once (about 0.2 s of CPU each) would wait past
        # the request slots' timeout on two cores and rightly get 503 (see the README's performance notes).
        gate = asyncio.Semaphore(args.sign_in_concurrency)
        signed_in = await asyncio.gather(*(sign_in(u.client, u.account, setup, gate) for u in users))
        if not all(signed_in):
            return {"setup_failed": True, "setup": summarise(setup, 1.0, len(users))}
        start = time.monotonic()
        await asyncio.gather(*(u.run(start + args.duration, tally) for u in users))
        elapsed = time.monotonic() - start
    finally:
        await asyncio.gather(*(u.client.aclose() for u in users))
    result = summarise(tally, elapsed, len(users))
    result["setup"] = summarise(setup, 1.0, len(users))
    result["mix"] = {role: sorted({u.account["email"] for u in users if u.account["role"] == role}) for role in by_role}
    result["paired_users"] = sum(1 for u in users if u.seat.goal_key)
    return result


def summarise(tally: Tally, elapsed: float, users: int) -> dict[str, Any]:
    everything = [ms for values in tally.latencies.values() for ms in values]
    return {
        "users": users,
        "elapsed_s": elapsed,
        "requests": len(everything),
        "errors": sum(tally.errors.values()),
        "errors_by_status": dict(tally.errors),
        "error_samples": tally.samples,
        "throughput_rps": len(everything) / elapsed if elapsed else 0.0,
        "overall": percentiles(everything),
        "groups": {
            group: {
                "requests": len(values),
                "errors": tally.group_errors[group],
                "statuses": dict(tally.statuses[group]),
                **percentiles(values),
            }
            for group, values in sorted(tally.latencies.items())
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think-ms", type=int, default=0, help="mean pause between a user's requests")
    parser.add_argument("--sign-in-concurrency", type=int, default=4, help="sign-ins at a time before the run")
    args = parser.parse_args()
    accounts = json.load(sys.stdin)
    result = asyncio.run(main_async(args, accounts))
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
