"""`mentorloom match-csv` as a user runs it: whole-process times on generated files, for bench/matching.py.

The pairs file is the synthetic 5k×2k program's 40 best mentors per mentee (200,000 lines, scores as the engine
gives them, 2,000 mentors of capacity 3). The peer is the PyPI package ``matching`` (HospitalResident) solving
the same lists in-process, in a fresh interpreter: its time counts from building the game to the solution, not
the parsing of the file into the Python dicts it takes. The participant files (20k mentees, 8k mentors) come from
bench/import.py's spreadsheet generator and go through the importer and the text encoder, as in the product.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

PAIRS_SHAPE = (5_000, 2_000, 3, 40)  # mentees, mentors, capacity, candidates per mentee
PROFILE_SHAPE = (20_000, 8_000)  # mentees, mentors
TARGET_SPEEDUP = 15.0
HERE = Path(__file__).resolve().parent


def mentorloom_command() -> list[str]:
    """The installed ``mentorloom`` script next to this interpreter (what a user runs), else ``python -m``."""
    script = Path(sys.executable).with_name("mentorloom")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mentorloom"]


def write_pairs_files(folder: Path, seed: int) -> tuple[Path, Path]:
    """pairs.csv (each mentee's best mentors of the synthetic program) and capacities.csv."""
    from mentorloom.matching.engine import Scorer, top_candidates
    from mentorloom.matching.engine.synthetic import synthetic_program

    n, m, cap, k = PAIRS_SHAPE
    mentees, mentors, rules, _ = synthetic_program(n, m, cap, seed=seed, dim=512)
    cands = top_candidates(Scorer(mentees, mentors, rules=rules), k)
    pairs, capacities = folder / "pairs.csv", folder / "capacities.csv"
    lines = (
        f"e{i},m{j},{s:.3f}\n"
        for i, j, s in zip(cands.mentee.tolist(), cands.mentor.tolist(), cands.score.tolist(), strict=True)
    )
    pairs.write_text("mentee_id,mentor_id,score\n" + "".join(lines), encoding="utf-8")
    capacities.write_text("mentor_id,capacity\n" + "".join(f"m{j},{cap}\n" for j in range(m)), encoding="utf-8")
    return pairs, capacities


def write_profile_files(folder: Path) -> tuple[Path, Path]:
    """mentors.csv and mentees.csv: participant spreadsheets as bench/import.py writes them."""
    spec = importlib.util.spec_from_file_location("bench_import", HERE / "import.py")
    assert spec is not None and spec.loader is not None
    spreadsheet = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(spreadsheet)
    n_mentees, n_mentors = PROFILE_SHAPE
    rows = spreadsheet.generate_rows(int((n_mentees + n_mentors) * 1.6), seed=11)
    mentors = [r for r in rows if r["role"].casefold() in ("mentor", "mentorin")][:n_mentors]
    mentees = [r for r in rows if r["role"].casefold() == "mentee"][:n_mentees]
    assert (len(mentees), len(mentors)) == PROFILE_SHAPE
    (folder / "mentors.csv").write_bytes(spreadsheet.to_csv(mentors))
    (folder / "mentees.csv").write_bytes(spreadsheet.to_csv(mentees))
    return folder / "mentors.csv", folder / "mentees.csv"


def time_process(args: Sequence[str], *, timeout: float = 3600) -> dict[str, Any]:
    """Wall time of one ``mentorloom`` process (start-up included) and the JSON line it prints."""
    import json

    started = time.perf_counter()
    done = subprocess.run([*mentorloom_command(), *args], capture_output=True, text=True, timeout=timeout, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1], "wall": wall}
    return {"wall": wall, "summary": json.loads(done.stdout.strip().splitlines()[-1])}


def import_peer() -> Any:
    """``matching.games.HospitalResident`` (bench/matching.py shadows the package's name on sys.path)."""
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    from matching.games import HospitalResident

    return HospitalResident


def run_peer(
    resident: dict[int, list[int]], hospital: dict[int, list[int]], capacity: dict[int, int]
) -> tuple[float, dict[int, int]]:
    """Seconds to build and solve the resident-optimal game, and resident → hospital (it recurses deeply)."""
    hospital_resident = import_peer()
    out: dict[str, Any] = {}

    def run() -> None:
        started = time.perf_counter()
        game = hospital_resident.create_from_dictionaries(resident, hospital, capacity)
        solved = game.solve(optimal="resident")
        out["seconds"] = time.perf_counter() - started
        out["pairs"] = {r.name: h.name for h, rs in solved.items() for r in rs}

    sys.setrecursionlimit(1_000_000)
    threading.stack_size(512 * 1024 * 1024)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return out["seconds"], out["pairs"]


def peer_file_worker(folder: Path) -> dict[str, Any]:
    """The peer on the lists of ``folder``'s pairs file, and whether it finds our stable matching."""
    from mentorloom.matching.engine.stable import stable_from_candidates
    from mentorloom.matching.filematch import read_problem

    problem = read_problem(folder / "pairs.csv", folder / "capacities.csv")
    cands, n = problem.candidates, problem.candidates.n_mentees
    resident = {i: cands.mentor[cands.indptr[i] : cands.indptr[i + 1]].tolist() for i in range(n)}
    resident = {i: p for i, p in resident.items() if p}
    order = np.lexsort((cands.mentee, -cands.score, cands.mentor))  # mentors rank by score, then mentee index
    hospital: dict[int, list[int]] = {j: [] for j in range(cands.n_mentors)}
    for i, j in zip(cands.mentee[order].tolist(), cands.mentor[order].tolist(), strict=True):
        hospital[j].append(i)
    capacity = dict(enumerate(problem.capacity.tolist()))
    seconds, pairs = run_peer(resident, hospital, capacity)
    ours = stable_from_candidates(cands, problem.capacity).assignment
    theirs = np.array([pairs.get(i, -1) for i in range(n)], dtype=np.int64)
    return {"seconds": seconds, "same_matching": bool((theirs == ours).all()), "entries": int(cands.mentor.size)}


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = sorted((r for r in runs if "error" not in r), key=lambda r: r["wall"])
    return ok[len(ok) // 2] if ok else runs[0]


def report_pairs(folder: Path, spawn: Any, seed: int, repeat: int = 3) -> None:
    """The whole ``match-csv --pairs`` process in both modes against the peer, measured in this one run."""
    pairs, capacities = write_pairs_files(folder, seed)
    n, m, cap, k = PAIRS_SHAPE
    lines = sum(1 for _ in pairs.open(encoding="utf-8")) - 1
    print(f"match-csv --pairs: {lines:,} lines ({n:,} mentees × {k} candidates, {m:,} mentors of capacity {cap})")
    base = ["match-csv", "--pairs", str(pairs), "--capacities", str(capacities)]
    ours = {}
    for mode in ("optimal", "stable"):
        runs = [
            time_process([*base, "--out", str(folder / f"matches-{mode}.csv"), "--mode", mode]) for _ in range(repeat)
        ]
        ours[mode] = _median(runs)
    peer = spawn("--peer-file-worker", str(folder))
    for mode, row in ours.items():
        if "error" in row:
            print(f"  {mode:>7}: ERROR {row['error']}")
            continue
        solve = row["summary"]["seconds"]
        line = f"  {mode:>7}: whole process {row['wall']:.2f} s (median of {repeat}; solve {solve:.2f} s)"
        if "error" not in peer:
            ratio = peer["seconds"] / row["wall"]
            verdict = "ok" if ratio >= TARGET_SPEEDUP else "MISS"
            line += f" → {ratio:.1f}× the peer, {verdict} (≥{TARGET_SPEEDUP:g}×)"
        print(line, flush=True)
    if "error" in peer:
        print(f"  peer failed: {peer['error']}")
    else:
        print(
            f"  peer: matching.HospitalResident in-process on the same {peer['entries']:,} entries: "
            f"{peer['seconds']:.1f} s (create + solve); same matching as our stable mode: {peer['same_matching']}",
            flush=True,
        )


def report_profiles(folder: Path, encoders: Sequence[str]) -> None:
    """The whole ``match-csv --mentors/--mentees`` process: importer, text encoder, engine."""
    mentors, mentees = write_profile_files(folder)
    n_mentees, n_mentors = PROFILE_SHAPE
    print(
        f"match-csv --mentors/--mentees: {n_mentees:,} mentees × {n_mentors:,} mentors (participant CSVs)", flush=True
    )
    for encoder in encoders:
        args = ["match-csv", "--mentors", str(mentors), "--mentees", str(mentees), "--out", str(folder / "m.csv")]
        row = time_process([*args, "--text-encoder", encoder])
        if "error" in row:
            print(f"  {encoder:>5}: ERROR after {row['wall']:.0f} s: {row['error']}", flush=True)
            continue
        summary = row["summary"]
        print(
            f"  {encoder:>5}: whole process {row['wall']:.1f} s ({summary['mode']}, matched {summary['matched']:,}, "
            f"{summary['blocking_pairs']} blocking pairs; the command's own clock {summary['seconds']:.1f} s)",
            flush=True,
        )


def cpu_note() -> str:
    return f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
