"""Synthetic but realistic-looking programs with a fixed seed, for tests and the benchmark (no real data)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .features import HOURS_PER_WEEK, Labels, MenteeFeatures, MentorFeatures, PairSet, ProfileFeatures, Rules
from .similarity import tag_credit

LANGUAGES = ("en", "de", "fr", "es", "pl", "tr")
_LANG_P = np.array([0.85, 0.6, 0.1, 0.08, 0.05, 0.05])
_TZ = np.array([0.0, 1.0, 2.0, -5.0, 5.5, 8.0])
_TZ_P = np.array([0.2, 0.45, 0.15, 0.1, 0.05, 0.05])


def _zipf_multi_hot(rng: np.random.Generator, n_items: int, n_rows: int, lo: int, hi: int) -> np.ndarray:
    """Per row lo..hi distinct items, popular items (low index) more likely, as real vocabularies are.

    Gumbel top-k: adding Gumbel noise to log-probabilities and keeping the largest draws without replacement.
    """
    logp = -0.8 * np.log(np.arange(1, n_items + 1, dtype=np.float32))
    keys = logp[None, :] + rng.gumbel(size=(n_rows, n_items)).astype(np.float32)
    order = np.argsort(-keys, axis=1)
    sizes = np.minimum(rng.integers(lo, hi + 1, size=n_rows), n_items)
    out = np.zeros((n_rows, n_items), dtype=np.bool_)
    take = np.arange(n_items)[None, :] < sizes[:, None]
    rows = np.repeat(np.arange(n_rows), take.sum(axis=1))
    out[rows, order[take]] = True
    return out


def _availability(rng: np.random.Generator, offsets: np.ndarray) -> np.ndarray:
    """2–4 weekday lunch/evening slots of 2–3 local hours each, shifted to UTC; 10% leave it empty."""
    n = offsets.size
    av = np.zeros((n, HOURS_PER_WEEK), dtype=np.bool_)
    slots = 4
    used = np.arange(slots)[None, :] < rng.integers(2, slots + 1, size=n)[:, None]
    used &= (rng.random(n) >= 0.1)[:, None]
    day = rng.integers(0, 5, size=(n, slots))
    hour = rng.choice(np.array([12, 17, 18, 19, 20]), size=(n, slots))
    start = day * 24 + hour - np.rint(offsets).astype(np.int64)[:, None]
    length = rng.integers(2, 4, size=(n, slots))
    for h in range(3):
        on = used & (h < length)
        r, s = np.nonzero(on)
        av[r, (start[r, s] + h) % HOURS_PER_WEEK] = True
    return av


def _embeddings(rng: np.random.Generator, n: int, dim: int, centers: np.ndarray) -> np.ndarray:
    """Topic-clustered unit vectors (bios on similar subjects are similar), 10% without text (zero rows)."""
    topic = rng.integers(0, centers.shape[0], size=n)
    emb = centers[topic] + 0.9 * rng.standard_normal((n, dim)).astype(np.float32) / np.sqrt(dim)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    emb[rng.random(n) < 0.1] = 0
    out: np.ndarray = emb.astype(np.float32)
    return out


def _common(
    rng: np.random.Generator, n: int, sizes: tuple[int, int, int], dim: int, centers: np.ndarray
) -> dict[str, Any]:
    """Fields both sides share."""
    n_values, n_interests, n_depts = sizes
    langs = rng.random((n, len(LANGUAGES))) < _LANG_P
    langs[~langs.any(axis=1), 0] = True
    mask = (langs * (1 << np.arange(len(LANGUAGES)))).sum(axis=1).astype(np.int64)
    offsets = rng.choice(_TZ, size=n, p=_TZ_P)
    interests = _zipf_multi_hot(rng, n_interests, n, 3, 10)
    return {
        "values": _zipf_multi_hot(rng, n_values, n, 3, 5),
        "interests": sp.csr_matrix(interests),
        "languages": mask,
        "utc_offset": offsets.astype(np.float64),
        "availability": _availability(rng, offsets),
        "embeddings": _embeddings(rng, n, dim, centers) if dim else None,
        "department": rng.integers(-1, n_depts, size=n).astype(np.int64),
    }


def synthetic_program(
    n_mentees: int,
    n_mentors: int,
    capacity: int = 3,
    *,
    seed: int = 0,
    dim: int = 512,
    n_skills: int = 60,
    n_values: int = 20,
    n_interests: int = 200,
    meaning: bool = True,
) -> tuple[MenteeFeatures, MentorFeatures, Rules, Labels]:
    """A program with skewed popularity, clustered time zones, en/de-heavy languages and a few avoid/prefer pairs.

    With ``meaning`` the tags come in small groups of the same or related meaning (as "negotiation",
    "Verhandlungsführung" and "Verhandeln" would), so a run pays for comparing tags by meaning as a real one does.
    """
    rng = np.random.default_rng(seed)
    centers = (rng.standard_normal((30, dim)).astype(np.float32) / np.sqrt(max(dim, 1))) if dim else np.zeros((30, 0))
    sizes = (n_values, n_interests, 40)
    expertise = (_zipf_multi_hot(rng, n_skills, n_mentors, 3, 8) * rng.integers(2, 6, (n_mentors, n_skills))).astype(
        np.uint8
    )
    wanted = (_zipf_multi_hot(rng, n_skills, n_mentees, 2, 5) * rng.integers(1, 4, (n_mentees, n_skills))).astype(
        np.uint8
    )
    wanted[rng.random(n_mentees) < 0.05] = 0  # some mentees name no skills at all
    tag_rng = np.random.default_rng(seed + 1)  # its own stream: the profiles stay those of earlier versions
    mentors = MentorFeatures(
        **_common(rng, n_mentors, sizes, dim, centers),
        expertise=expertise,
        capacity=np.full(n_mentors, capacity, dtype=np.int64),
        skill_credit=tag_credit(_tag_vectors(tag_rng, n_skills)) if meaning else None,
        interest_credit=tag_credit(_tag_vectors(tag_rng, n_interests)) if meaning else None,
    )
    mentees = MenteeFeatures(**_common(rng, n_mentees, sizes, dim, centers), wanted=wanted)
    return mentees, mentors, _rules(rng, n_mentees, n_mentors), _labels(n_skills, n_values, n_interests)


def _tag_vectors(rng: np.random.Generator, n: int, group: int = 3, dim: int = 32) -> np.ndarray:
    """Unit vectors in groups of about ``group`` tags around one meaning (cosine ≈ 0.5–0.9 inside, ≈ 0 across)."""
    centres = rng.standard_normal((max(1, n // group), dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    v = centres[rng.integers(0, centres.shape[0], n)] + 0.6 * rng.standard_normal((n, dim)) / np.sqrt(dim)
    out: np.ndarray = (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)
    return out


def _rules(rng: np.random.Generator, n_mentees: int, n_mentors: int) -> Rules:
    """~1% avoid pairs (either side) plus management-chain exclusions; ~5% of mentees prefer 1–2 mentors."""
    n_ex = max(1, n_mentees // 100) if n_mentors and n_mentees else 0
    excluded = PairSet(rng.integers(0, max(n_mentees, 1), n_ex), rng.integers(0, max(n_mentors, 1), n_ex))
    n_pref = max(1, n_mentees // 20) if n_mentors and n_mentees else 0
    preferred = PairSet(rng.integers(0, max(n_mentees, 1), n_pref), rng.integers(0, max(n_mentors, 1), n_pref))
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
