"""Arrow ↔ numpy through the arrays' buffers.

pyarrow's own conversions (``to_numpy``, ``pa.array``, Python scalars as compute arguments) first ask whether
the value is a pandas object, and asking imports pandas — half a second, more than reading and solving a
200,000-pair file. These helpers touch only Arrow's columnar layout: a validity bitmap, then the values
(bit-packed for booleans), from the array's offset on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

_NUMPY = {
    pa.int8(): np.int8,
    pa.int16(): np.int16,
    pa.int32(): np.int32,
    pa.int64(): np.int64,
    pa.float64(): np.float64,
}


def one_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array (Arrow reads in chunks)."""
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _bits(buffer: pa.Buffer, offset: int, length: int) -> NDArray[np.bool_]:
    packed = np.frombuffer(buffer, dtype=np.uint8)
    return np.unpackbits(packed, bitorder="little")[offset : offset + length].astype(np.bool_)


def _valid(array: pa.Array) -> NDArray[np.bool_] | None:
    """Which entries are set, or None when none is null."""
    if array.null_count == 0:
        return None
    return _bits(array.buffers()[0], array.offset, len(array))


def to_bools(mask: pa.Array | pa.ChunkedArray) -> NDArray[np.bool_]:
    """A boolean array as numpy; nulls count as false."""
    array = one_array(mask)
    if len(array) == 0:
        return np.zeros(0, dtype=np.bool_)
    out = _bits(array.buffers()[1], array.offset, len(array))
    valid = _valid(array)
    return out if valid is None else out & valid


def _values(values: pa.Array | pa.ChunkedArray) -> tuple[NDArray[np.generic], NDArray[np.bool_] | None]:
    """The value buffer from the array's offset on (read-only), and which entries are set."""
    array = one_array(values)
    dtype = _NUMPY[array.type]
    if len(array) == 0:
        return np.zeros(0, dtype=dtype), None
    data = np.frombuffer(array.buffers()[1], dtype=dtype, count=array.offset + len(array))[array.offset :]
    return data, _valid(array)


def to_ints(values: pa.Array | pa.ChunkedArray, null: int = -1) -> NDArray[np.int64]:
    """An integer array as numpy int64; nulls become ``null``."""
    data, valid = _values(values)
    out = data.astype(np.int64)  # a copy: Arrow's buffers are read-only
    if valid is not None:
        out[~valid] = null
    return out


def to_floats(values: pa.Array | pa.ChunkedArray) -> NDArray[np.float64]:
    """A float64 array without nulls as numpy."""
    data, _ = _values(values)
    return data.astype(np.float64)


def from_ints(values: NDArray[np.integer]) -> pa.Array:
    """A numpy integer array as an Arrow int64 array (for ``take``)."""
    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), data.size, [None, pa.py_buffer(data)])


def from_strings(values: Sequence[str]) -> pa.Array:
    """Python strings as an Arrow string array."""
    joined = "".join(values)
    data = joined.encode("utf-8")
    # ASCII text (the common case) has one byte per character: the lengths come without encoding each value
    sizes = map(len, values) if len(data) == len(joined) else (len(v.encode("utf-8")) for v in values)
    ends = np.cumsum(np.fromiter(sizes, dtype=np.int64, count=len(values)))
    if ends.size and ends[-1] >= 2**31:
        raise ValueError("more than 2 GB of text in one column")
    offsets = np.concatenate([np.zeros(1, dtype=np.int32), ends.astype(np.int32)])
    return pa.Array.from_buffers(pa.string(), len(values), [None, pa.py_buffer(offsets), pa.py_buffer(data)])
