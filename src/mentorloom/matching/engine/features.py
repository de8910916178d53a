"""Input arrays for the matching engine: one side's profile features, the program rules and weights.

The service layer builds these from the database (or the bench from random data); the engine never sees
a model object. Row ``i`` of every mentee array is mentee ``i``; row ``j`` of every mentor array is mentor ``j``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

HOURS_PER_WEEK = 168
MAX_LEVEL = 5
MAX_PRIORITY = 3

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
F32Array = NDArray[np.float32]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, eq=False, kw_only=True)
class ProfileFeatures:
    """Fields both sides share; all arrays have one row per participant.

    - ``values``: (n, n_values) bool, multi-hot of chosen values.
    - ``interests``: (n, n_interests) sparse CSR, nonzero = interest chosen.
    - ``languages``: (n,) int64 bitmask, bit b set = speaks language b (at most 63 languages).
    - ``utc_offset``: (n,) float hours east of UTC (e.g. 1.0 for Berlin in winter).
    - ``availability``: (n, 168) bool, hour-of-week in UTC (Monday 00:00 UTC = 0); an all-False row means unknown.
    - ``embeddings``: (n, d) float32 L2-normalised bio embeddings, zero row = no text; ``None`` = nobody has text.
    - ``department``: (n,) int64 department id, -1 = none.
    """

    values: BoolArray
    interests: sp.csr_matrix
    languages: IntArray
    utc_offset: FloatArray
    availability: BoolArray
    embeddings: F32Array | None
    department: IntArray

    @property
    def n(self) -> int:
        """Number of participants on this side."""
        return int(self.languages.shape[0])

    def _check_rows(self) -> None:
        """Every array must have one row per participant; catching it here beats a broadcast error deep inside."""
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _TAG_SPACE:
                continue
            if value is not None and hasattr(value, "shape") and value.shape[0] != self.n:
                raise ValueError(f"{type(self).__name__}.{f.name} has {value.shape[0]} rows, expected {self.n}")
        if self.availability.shape[1] != HOURS_PER_WEEK:
            raise ValueError("availability must have 168 columns (hours of the week, UTC)")


_TAG_SPACE = ("skill_credit", "interest_credit")


@dataclass(frozen=True, eq=False, kw_only=True)
class MentorFeatures(ProfileFeatures):
    """Mentor side: ``expertise`` (n, n_skills) levels 0–5 and ``capacity`` (n,) mentees they take.

    ``skill_credit`` / ``interest_credit``: optional (k, k) sparse credit matrices over the skill / interest
    columns (see :mod:`.similarity`): how far a mentor's tag ``j`` also stands for tag ``i`` by meaning.
    ``None`` compares tags exactly.
    """

    expertise: NDArray[np.uint8]
    capacity: IntArray
    skill_credit: sp.csr_matrix | None = None
    interest_credit: sp.csr_matrix | None = None

    def __post_init__(self) -> None:
        self._check_rows()
        for name, columns in (("skill_credit", self.expertise.shape[1]), ("interest_credit", self.interests.shape[1])):
            credit = getattr(self, name)
            if credit is not None and credit.shape != (columns, columns):
                raise ValueError(f"MentorFeatures.{name} must be {columns}×{columns}, one row and column per tag")


@dataclass(frozen=True, eq=False, kw_only=True)
class MenteeFeatures(ProfileFeatures):
    """Mentee side: ``wanted`` (n, n_skills) skill priority: 0 = not wanted, 1 = most important … 3 = nice to have."""

    wanted: NDArray[np.uint8]

    def __post_init__(self) -> None:
        self._check_rows()


@dataclass(frozen=True, eq=False)
class PairSet:
    """A set of (mentee index, mentor index) pairs, e.g. excluded, preferred, locked or rejected pairs."""

    mentee: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    mentor: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def of(cls, pairs: Iterable[tuple[int, int]]) -> PairSet:
        """Build from an iterable of (mentee, mentor) tuples."""
        arr = np.asarray(list(pairs), dtype=np.int64).reshape(-1, 2)
        return cls(arr[:, 0].copy(), arr[:, 1].copy())

    def __len__(self) -> int:
        return int(self.mentee.shape[0])

    def union(self, other: PairSet) -> PairSet:
        """Both sets together (duplicates are harmless everywhere pairs are used)."""
        return PairSet(np.concatenate([self.mentee, other.mentee]), np.concatenate([self.mentor, other.mentor]))


@dataclass(frozen=True)
class Rules:
    """Program rules: hard exclusions and the mentees' prefer lists.

    ``excluded`` holds every pair the service forbids: "avoid" from either side, the mentee's line manager and
    management chain, and coordinator rejections. ``priority`` lists mentee
    indices whose pairs count :data:`~.pipeline.PRIORITY_BONUS` points more in the optimal modes' objective.
    """

    excluded: PairSet = field(default_factory=PairSet)
    preferred: PairSet = field(default_factory=PairSet)
    exclude_same_department: bool = False
    # mentees owed a new match (their mentorship ended early): the optimal modes place them first
    priority: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))


CRITERIA = ("expertise", "values", "interests", "text", "time")


@dataclass(frozen=True)
class Weights:
    """Relative criterion weights (normalised per mentee) and the preference bonus.

    ``preference`` is the share of the gap to 100 that a mentee's "prefer" closes, so a preferred pair always
    scores higher than the same pair unpreferred and never above 100.
    """

    # Ordered by the evidence (README, "Why these weights"): shared values and attitudes predict the best
    # outcomes (Eby et al. 2013), then what the goals and bios mean, then coverage of the wanted skills;
    # interests help rapport, and time only needs to be good enough to meet.
    values: float = 0.30
    text: float = 0.25
    expertise: float = 0.20
    interests: float = 0.15
    time: float = 0.10
    preference: float = 0.30
    availability_target_hours: float = 4.0

    @classmethod
    def from_mapping(cls, weights: Mapping[str, float] | None) -> Weights:
        """Accept the coordinator's weights dict; unknown keys are an error so typos don't pass silently."""
        if weights is None:
            return cls()
        known = {f.name for f in fields(cls)}
        unknown = set(weights) - known
        if unknown:
            raise ValueError(f"unknown weight(s): {', '.join(sorted(unknown))}")
        result = cls(**{k: float(v) for k, v in weights.items()})
        if any(getattr(result, c) < 0 for c in CRITERIA) or not 0 <= result.preference <= 1:
            raise ValueError("criterion weights must be >= 0 and preference in [0, 1]")
        if sum(getattr(result, c) for c in CRITERIA) <= 0:
            raise ValueError("at least one criterion weight must be positive")
        return result

    def vector(self) -> FloatArray:
        """Criterion weights in ``CRITERIA`` order, to 1/10,000: a weight too small to matter is 0, not a float32
        underflow that would score a pair compared on that criterion alone differently in blocks and breakdown."""
        vector: FloatArray = np.array([round(float(getattr(self, c)), 4) for c in CRITERIA], dtype=np.float64)
        return vector


@dataclass(frozen=True)
class Labels:
    """Human-readable names of feature columns, used only for explanation facts."""

    skills: Sequence[str] = ()
    values: Sequence[str] = ()
    interests: Sequence[str] = ()
    languages: Sequence[str] = ()


def languages_to_mask(langs: Sequence[Sequence[int]]) -> IntArray:
    """Language index lists per participant → int64 bitmask array."""
    out = np.zeros(len(langs), dtype=np.int64)
    for i, row in enumerate(langs):
        for b in row:
            if not 0 <= b < 63:
                raise ValueError("language index must be in [0, 63)")
            out[i] |= np.int64(1) << np.int64(b)
    return out
