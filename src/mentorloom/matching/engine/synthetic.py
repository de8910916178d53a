"""Synthetic but realistic-looking programs with a fixed seed, for tests and the benchmark (no real data)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .features import HOURS_PER_WEEK, Labels, MenteeFeatures, MentorFeatures, PairSet, ProfileFeatures, Rules

LANGUAGES = ("en", "de", "fr", "es", "pl", "tr")
_LANG_P = np.array([0.85, 0.6, 0.1, 0.08, 0.05, 0.05])
_TZ = np.array([0.0, 1.0, 2.0, -5.0, 5.5, 8.0])
_TZ_P = np.array([0.2, 0.45, 0.15, 0.1, 0.05, 0.05])


def _zipf_choice(rng: np.random.Generator, n_items: int, n_rows: int, lo: int, hi: int) -> list[np.ndarray]:
    """Per row a set of lo..hi items, popular items (low index) more likely, as real vocabularies are."""
    p = 1.0 / np.arange(1, n_items + 1) ** 0.8
    p /= p.sum()
    sizes = rng.integers(lo, hi + 1, size=n_rows)
    return [rng.choice(n_items, size=min(int(s), n_items), replace=False, p=p) for s in sizes]


def _multi_hot(rows: list[np.ndarray], n_items: int) -> np.ndarray:
    """Bool matrix with the listed items set."""
    out = np.zeros((len(rows), n_items), dtype=np.bool_)
    for i, r in enumerate(rows):
        out[i, r] = True
    return out


def _availability(rng: np.random.Generator, offsets: np.ndarray) -> np.ndarray:
    """2–4 weekday evening/lunch slots of 2–3 local hours each, shifted to UTC; 10% leave it empty."""
    n = offsets.size
    av = np.zeros((n, HOURS_PER_WEEK), dtype=np.bool_)
    for i in range(n):
        if rng.random() < 0.1:
            continue
        for _ in range(int(rng.integers(2, 5))):
            start = int(rng.integers(0, 5)) * 24 + int(rng.choice([12, 17, 18, 19, 20])) - int(round(offsets[i]))
            av[i, [(start + h) % HOURS_PER_WEEK for h in range(int(rng.integers(2, 4)))]] = True
    return av


def _embeddings(rng: np.random.Generator, n: int, dim: int, centers: np.ndarray) -> np.ndarray:
    """Topic-clustered unit vectors (bios on similar subjects are similar), 10% without text (zero rows)."""
    topic = rng.integers(0, centers.shape[0], size=n)
    emb = centers[topic] + 0.9 * rng.standard_normal((n, dim)).astype(np.float32) / np.sqrt(dim)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    emb[rng.random(n) < 0.1] = 0
    return emb.astype(np.float32)


def _common(rng: np.random.Generator, n: int, sizes: tuple[int, int, int], dim: int, centers: np.ndarray) -> dict[str, object]:
    """Fields both sides share."""
    n_values, n_interests, n_depts = sizes
    langs = rng.random((n, len(LANGUAGES))) < _LANG_P
    langs[~langs.any(axis=1), 0] = True
    mask = (langs * (1 << np.arange(len(LANGUAGES)))).sum(axis=1).astype(np.int64)
    offsets = rng.choice(_TZ, size=n, p=_TZ_P)
    interests = _multi_hot(_zipf_choice(rng, n_interests, n, 3, 10), n_interests)
    return {
        "values": _multi_hot(_zipf_choice(rng, n_values, n, 3, 5), n_values),
        "interests": sp.csr_matrix(interests),
        "languages": mask,
        "utc_offset": offsets.astype(np.float64),
        "availability": _availability(rng, offsets),
        "embeddings": _embeddings(rng, n, dim, centers) if dim else None,
        "department": rng.integers(-1, n_depts, size=n).astype(np.int64),
    }


def synthetic_program(
    n_mentees: int, n_mentors: int, capacity: int = 3, *, seed: int = 0, dim: int = 512,
    n_skills: int = 60, n_values: int = 20, n_interests: int = 200,
) -> tuple[MenteeFeatures, MentorFeatures, Rules, Labels]:
    """A program with skewed popularity, clustered time zones, en/de-heavy languages and a few avoid/prefer pairs."""
    rng = np.random.default_rng(seed)
    centers = (rng.standard_normal((30, dim)).astype(np.float32) / np.sqrt(max(dim, 1))) if dim else np.zeros((30, 0))
    sizes = (n_values, n_interests, 40)
    expertise = np.zeros((n_mentors, n_skills), dtype=np.uint8)
    for j, skills in enumerate(_zipf_choice(rng, n_skills, n_mentors, 3, 8)):
        expertise[j, skills] = rng.integers(2, 6, size=skills.size)
    wanted = np.zeros((n_mentees, n_skills), dtype=np.uint8)
    for i, skills in enumerate(_zipf_choice(rng, n_skills, n_mentees, 2, 5)):
        wanted[i, skills] = rng.integers(1, 4, size=skills.size)
    wanted[rng.random(n_mentees) < 0.05] = 0  # some mentees name no skills at all
    mentors = MentorFeatures(**_common(rng, n_mentors, sizes, dim, centers), expertise=expertise,  # type: ignore[arg-type]
                             capacity=np.full(n_mentors, capacity, dtype=np.int64))
    mentees = MenteeFeatures(**_common(rng, n_mentees, sizes, dim, centers), wanted=wanted)  # type: ignore[arg-type]
    return mentees, mentors, _rules(rng, n_mentees, n_mentors), _labels(n_skills, n_values, n_interests)


def _rules(rng: np.random.Generator, n_mentees: int, n_mentors: int) -> Rules:
    """~1% avoid pairs (either side) plus management-chain exclusions; ~5% of mentees prefer 1–2 mentors."""
    n_ex = max(1, n_mentees // 100) if n_mentors else 0
    excluded = PairSet(rng.integers(0, n_mentees, n_ex), rng.integers(0, max(n_mentors, 1), n_ex))
    n_pref = max(1, n_mentees // 20) if n_mentors else 0
    preferred = PairSet(rng.integers(0, n_mentees, n_pref), rng.integers(0, max(n_mentors, 1), n_pref))
    return Rules(excluded=excluded, preferred=preferred, exclude_same_department=True)


def _labels(n_skills: int, n_values: int, n_interests: int) -> Labels:
    """Readable placeholder labels."""
    return Labels(
        skills=[f"skill-{s}" for s in range(n_skills)],
        values=[f"value-{v}" for v in range(n_values)],
        interests=[f"interest-{t}" for t in range(n_interests)],
        languages=list(LANGUAGES),
    )


__all__ = ["ProfileFeatures", "synthetic_program"]
