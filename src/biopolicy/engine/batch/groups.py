"""Group-wise operations over rows kept in processing order: the batch engine's only loops are here."""

from __future__ import annotations

import numpy as np

_INDICES = np.zeros(0, dtype=np.int64)


def indices(n: int) -> np.ndarray:
    """``np.arange(n)`` as a read-only view of one buffer kept by the process (grown when needed):
    "row i is event i" costs no allocation per run. Writing to it raises."""
    global _INDICES
    if len(_INDICES) < n:
        _INDICES = np.arange(max(n, 2 * len(_INDICES)), dtype=np.int64)
        _INDICES.flags.writeable = False
    return _INDICES[:n]


def one_value(a: np.ndarray):
    """The value of a column of one value held as a read-only broadcast (stride 0), else None.

    Columns that hold one value for every row (a population file's constant column, a measure's
    rows that are all eligible) are kept as broadcasts: no memory, and a question about every row
    ("are all eligible?") is answered by one element instead of a pass.
    """
    if a.ndim == 1 and len(a) > 1 and a.strides[0] == 0:
        return a[0]
    return None


def all_true(mask: np.ndarray) -> bool:
    """``mask.all()``, without a pass when the mask is a broadcast of one value."""
    v = one_value(mask)
    return bool(mask.all()) if v is None else bool(v)


def any_true(mask: np.ndarray) -> bool:
    """``mask.any()``, without a pass when the mask is a broadcast of one value."""
    v = one_value(mask)
    return bool(mask.any()) if v is None else bool(v)


def span(a: np.ndarray) -> tuple[int, int]:
    """(min, max) of a non-empty column, without a pass when it holds one value."""
    v = one_value(a)
    if v is not None:
        return int(v), int(v)
    return int(a.min()), int(a.max())


def writable(a: np.ndarray) -> np.ndarray:
    """The array itself if it may be written, else a copy of its own (a broadcast becomes real)."""
    return a if a.flags.writeable else a.copy()


def constant(value, n: int, dtype) -> np.ndarray:
    """A read-only column of ``n`` rows holding one value: no memory. Write to a ``writable`` copy."""
    out = np.ndarray((n,), dtype=dtype, buffer=np.array([value], dtype=dtype), strides=(0,))
    out.flags.writeable = False
    return out


def run_starts(keys: np.ndarray) -> np.ndarray:
    """For sorted keys, the index where each element's run of equal keys starts."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.ones(n, dtype=bool)
    starts[1:] = keys[1:] != keys[:-1]
    return np.maximum.accumulate(np.where(starts, np.arange(n), 0))


def runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted keys: (start index, length) of each run of equal keys."""
    n = len(keys)
    if n == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z
    change = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    starts = np.concatenate(([0], change))
    lengths = np.diff(np.concatenate((starts, [n])))
    return starts, lengths


def sum_before(
    groups: np.ndarray, x: np.ndarray, first=None, sums: np.ndarray | None = None, inclusive: bool = False
) -> np.ndarray:
    """For rows sorted by group (then order): the sum of x over the earlier rows of the same group.

    ``first``: ``runs(groups)`` (or ``run_starts(groups)``), when the caller keeps it across calls;
    ``sums``: with runs, each run's sum of x (``np.add.reduceat(x, starts)``) when the caller has it:
    the running sum then restarts at each run without a per-row offset array.
    """
    if len(x) == 0:
        return x.copy()
    if first is None:
        first = runs(groups)
    if sums is not None and isinstance(first, tuple):
        starts = first[0]
        if inclusive:  # this row's x counted too
            cs = x.copy()
        else:  # each row adds the row before it: the running sum excludes the row itself
            cs = np.empty_like(x)
            cs[0] = 0
            cs[1:] = x[:-1]
        cs[starts[1:]] -= sums[:-1]  # each run starts from zero again
        np.cumsum(cs, out=cs)
        return cs
    cs = np.cumsum(x)
    cs -= x  # the sum over every earlier row
    if isinstance(first, tuple):  # (starts, lengths): each run's offset, repeated over the run
        starts, lengths = first
        if len(starts) == 1:
            return cs
        cs -= np.repeat(cs[starts], lengths)
        return cs
    cs -= cs[first]
    return cs


def first_of_runs(groups: np.ndarray) -> np.ndarray:
    """Boolean: the first row of each run of equal keys."""
    out = np.ones(len(groups), dtype=bool)
    out[1:] = groups[1:] != groups[:-1]
    return out


def group_sums(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unique keys, int64 sums), exact (no float weights); no sort when the keys are sorted already."""
    if len(keys) == 0:
        return keys[:0], values[:0]
    if len(keys) > 1 and not bool((keys[1:] >= keys[:-1]).all()):
        order = np.argsort(keys, kind="stable")
        keys, values = keys[order], values[order]
    starts = np.nonzero(first_of_runs(keys))[0]
    return keys[starts], np.add.reduceat(values, starts)


def lookup(keys: np.ndarray, sums: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The sum for each wanted key, 0 where the key has none."""
    if len(keys) == 0:
        return np.zeros(len(wanted), dtype=np.int64)
    pos = np.clip(np.searchsorted(keys, wanted), 0, len(keys) - 1)
    return np.where(keys[pos] == wanted, sums[pos], 0)


def run_starts_pair(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For rows sorted by (a, b): the index where each row's run of equal (a, b) starts."""
    n = len(a)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.ones(n, dtype=bool)
    starts[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return np.maximum.accumulate(np.where(starts, np.arange(n), 0))


def among(values: np.ndarray, choices) -> np.ndarray:
    """``np.isin`` for a handful of choices: one comparison each, no sort."""
    choices = list(choices)
    if len(choices) > 8:
        return np.isin(values, choices)
    out = np.zeros(len(values), dtype=bool)
    for c in choices:
        out |= values == c
    return out


def order_by(owner: np.ndarray) -> np.ndarray:
    """A stable order of non-negative ints below 2^32 by value: two 16-bit radix passes (linear)."""
    owner = np.asarray(owner)
    if len(owner) == 0 or int(owner.max()) < 2**16:
        return np.argsort(owner.astype(np.uint16), kind="stable")
    low = np.argsort((owner & 0xFFFF).astype(np.uint16), kind="stable")
    high = (owner[low] >> 16).astype(np.uint16)
    return low[np.argsort(high, kind="stable")]
