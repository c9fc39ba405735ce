"""e(sample) that stays with its observations. Stata keeps e(sample) in a hidden variable, so
it follows the rows through `sort`, `drop`, `expand` and `merge`; here a result remembers the
data's row identities at estimation (Dataset.row_ids) and these functions map its per-row
arrays onto the data in memory now."""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from hlmshell.errors import StataError


def stamp(result, data) -> None:
    """Remember the rows a new result was estimated on (Session.call, after every command
    that posted one)."""
    if result is not None and result.rowids is None and result.sample is not None \
            and len(result.sample) == data.nobs:
        result.rowids = data.row_ids()


def positions(result, data) -> np.ndarray | None:
    """For each observation now in memory, its row in the estimation data (-1: none);
    None when the data are those rows in that order (the usual case)."""
    ids = getattr(result, "rowids", None)
    if ids is None:
        if result.sample is not None and len(result.sample) != data.nobs:
            return np.full(data.nobs, -1)
        return None
    now = data.row_ids()
    if ids is now or (len(ids) == len(now) and np.array_equal(ids, now)):
        return None
    return _lookup(ids, now)


def _lookup(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The position in `ids` (unique) of each wanted identity, -1 where it is not there."""
    if not len(ids):
        return np.full(len(wanted), -1)
    order = np.argsort(ids, kind="stable")
    at = order[np.minimum(np.searchsorted(ids, wanted, sorter=order), len(ids) - 1)]
    return np.where(ids[at] == wanted, at, -1)


def esample(result, data) -> np.ndarray | None:
    """e(sample) over the observations in memory (None: the result has no sample)."""
    if result.sample is None:
        return None
    sample = np.asarray(result.sample, dtype=bool)
    pos = positions(result, data)
    if pos is None:
        return sample
    if result.rowids is not None:        # a copy made since (expand) carries the marker too
        pos = np.where(pos >= 0, pos, _lookup(result.rowids, data.row_origins()))
    return (pos >= 0) & sample[np.maximum(pos, 0)] if len(sample) else pos >= 0


@contextmanager
def in_estimation_order(session, result):
    """Run postestimation that reads the result's per-row arrays (the random-effects
    designs of mixed and me*) with the data in the order of estimation: a sorted dataset is
    put back for the duration and returned to its order after, new variables included.
    Observations dropped, added or duplicated since cannot be matched: r(459)."""
    pos = positions(result, session.data)
    if pos is None:
        yield
        return
    if result.rowids is None or len(pos) != len(result.rowids) or (pos < 0).any() or \
            len(np.unique(pos)) != len(pos):
        raise StataError(459, "data have changed since estimation")
    sortedby = session.data.sortedby
    session.data.take(np.argsort(pos))
    try:
        yield
    finally:
        session.data.take(pos, sortedby=sortedby)


def same_sample(a, b) -> bool:
    """Whether two results were estimated on the same observations (True when either
    cannot tell)."""
    if a.sample is None or b.sample is None:
        return True
    if a.rowids is None or b.rowids is None:
        return np.shape(a.sample) != np.shape(b.sample) or np.array_equal(a.sample, b.sample)
    ids_a = np.sort(a.rowids[np.asarray(a.sample, dtype=bool)])
    ids_b = np.sort(b.rowids[np.asarray(b.sample, dtype=bool)])
    return np.array_equal(ids_a, ids_b)
