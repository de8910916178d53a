"""Tags matched by meaning: a sparse tag × tag credit matrix, and mentor tags spread over the tags they mean.

A mentee who wants ``Verhandlungsführung`` and a mentor who offers ``negotiation`` mean the same skill, but as
columns they are two different tags. Every distinct tag carries a sentence embedding (stored with the tag, so a
run never encodes text); two tags' cosine similarity becomes a *credit* in [0, 1]:

- at or above :data:`SAME_SKILL` the tags count as the same skill (credit 1);
- between :data:`RELATED` and :data:`SAME_SKILL` partial credit rises linearly (``Java`` for a ``Python``
  wish, ``presenting`` for ``public speaking``);
- below :data:`RELATED` nothing; a tag always gives itself credit 1, so exact matches stay exact.

Calibrated on a labelled list of German/English translations, same-language synonyms, related and unrelated
tag pairs with the multilingual sentence encoder (``tests/matching/engine/tag_pairs.py`` keeps the figures):
translations score 0.6–0.9, unrelated tags below 0.3, related-but-different skills 0.4–0.6.

The mentor side is then *expanded* once per run: mentor tag ``j`` at level ``v`` also fills every column ``i``
with ``credit[i, j] · v`` (the best source wins), so scoring stays the same matrix products as for exact tags.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .features import F32Array, IntArray

SAME_SKILL = 0.70
RELATED = 0.40
_CHUNK = 2048


def tag_credit(vectors: F32Array, *, related: float = RELATED, same: float = SAME_SKILL) -> sp.csr_matrix:
    """(k, k) credit matrix of tags with L2-normalised ``vectors`` (a zero row = not embedded: itself only)."""
    k = vectors.shape[0]
    rows: list[IntArray] = [np.arange(k, dtype=np.int64)]
    cols: list[IntArray] = [np.arange(k, dtype=np.int64)]
    vals: list[NDArray[np.float32]] = [np.ones(k, dtype=np.float32)]
    v = np.asarray(vectors, dtype=np.float32)
    for start in range(0, k, _CHUNK):
        sims = v[start : start + _CHUNK] @ v.T
        r, c = np.nonzero(sims > related)
        off = r + start != c
        r, c = r[off], c[off]
        credit = np.clip((sims[r, c] - related) / (same - related), 0.0, 1.0).astype(np.float32)
        rows.append(r.astype(np.int64) + start)
        cols.append(c.astype(np.int64))
        vals.append(credit)
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(k, k))


def expand_rows(
    values: NDArray[Any], rows: NDArray[np.int64], credit: sp.csr_matrix | None
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """:func:`expand` of ``values[rows]``, computed once per distinct row: explaining a matching names each
    mentor once per mentee she got, and spreading tags is the costly part of the facts."""
    distinct, back = np.unique(rows, return_inverse=True)
    out, src = expand(sp.csr_matrix(values[distinct]), credit)
    return sp.csr_matrix(out[back]), sp.csr_matrix(src[back])


def expand(m: sp.csr_matrix, credit: sp.csr_matrix | None) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """``out[r, i] = max_j credit[i, j] · m[r, j]`` and, per cell, the ``j`` it came from (as a second matrix).

    Without a credit matrix both are ``m`` itself and its own column index.
    """
    m = sp.csr_matrix(m, dtype=np.float32)
    m.eliminate_zeros()
    coo = m.tocoo()
    if credit is None:
        return m, sp.csr_matrix((coo.col.astype(np.float32) + 1, (coo.row, coo.col)), shape=m.shape)
    by_source = sp.csr_matrix(credit.T)  # row j: the tags i that tag j stands for, with their credit
    degree = np.diff(by_source.indptr)[coo.col]
    total = int(degree.sum())
    entry = np.repeat(np.arange(coo.nnz), degree)
    offset = np.arange(total) - np.repeat(np.cumsum(degree) - degree, degree)
    at = by_source.indptr[coo.col][entry] + offset
    rows = coo.row[entry].astype(np.int64)
    cols = by_source.indices[at].astype(np.int64)
    values = coo.data[entry] * by_source.data[at]
    source = coo.col[entry].astype(np.int64)
    key = rows * m.shape[1] + cols
    order = np.lexsort((source, -values, key))  # per cell: the highest value first, ties to the lower source
    first = np.r_[True, key[order][1:] != key[order][:-1]] if total else np.zeros(0, np.bool_)
    best = order[first]
    shape = m.shape
    out = sp.csr_matrix((values[best], (rows[best], cols[best])), shape=shape)
    # stored +1 so that source column 0 is not an implicit zero
    src = sp.csr_matrix((source[best].astype(np.float32) + 1, (rows[best], cols[best])), shape=shape)
    return out, src
