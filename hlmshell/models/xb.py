"""The fixed portion's design matrix rebuilt from e(b)'s column names, for any data.

Every estimator names its coefficients as Stata does (`ses`, `1.sector`, `0b.sector`,
`1.sector#c.ses`, `o.x`, `_cons`), so one reader of those names rebuilds X for the current,
or a counterfactual, data set: predict xb, margins, contrast and pwcompare use it after any
estimator. Base (`b`) and omitted (`o`) columns are zero, as in the fit.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from hlmshell.dataset.timeseries import OPERATED

from .results import ModelError


def _part(part: str, get: Callable[[str], np.ndarray],
          shares: Mapping[str, Mapping[float, float]] | None = None
          ) -> tuple[np.ndarray | None, bool]:
    """One `#`-factor of a name: (its column, whether it marks a base/omitted cell)."""
    prefix, dot, var = part.rpartition(".")
    if not dot or OPERATED.match(part):  # a continuous variable (`ses`, `L.ses`)
        return get(part), False
    if part.startswith("o") and OPERATED.match(part[1:]):      # omitted: `oL.ses`
        return get(part[1:]), True
    marks = prefix.lstrip("0123456789.-")
    level = prefix[: len(prefix) - len(marks)]
    zero = "b" in marks or "o" in marks
    if level and shares is not None and var in shares:
        return np.float64(shares[var].get(float(level), 0.0)), zero
    x = get(var)
    if level:                            # `2.sector`, `1b.sector`, `3o.x`: an indicator
        ind = (x == float(level)).astype(float)
        ind[np.isnan(x)] = np.nan
        return ind, zero
    if marks.strip("bo") not in ("", "c"):
        raise ModelError(198, f"{part}: invalid name")
    return x, zero                       # `c.ses`, `co.ses`, `o.ses`


def design_from_names(names: Sequence[str], data: Mapping[str, np.ndarray] | Callable,
                      n_rows: int,
                      shares: Mapping[str, Mapping[float, float]] | None = None) -> np.ndarray:
    """X (n_rows x len(names)) for the columns `names` (without equation prefixes).

    `data` maps a variable name to its float column (NaN = missing) or is a function doing
    so. Missing inputs give NaN rows; base and omitted columns are 0.
    `shares` (optional) gives a factor variable's level indicators as fixed numbers instead
    of reading the variable: {var: {level: share}} — margins' atmeans and contrast's
    balanced cells put a factor "at its mean" this way.
    """
    get = data if callable(data) else (lambda v: np.asarray(data[v], dtype=float))
    cache: dict[str, np.ndarray] = {}

    def column(v: str) -> np.ndarray:
        if v not in cache:
            cache[v] = np.asarray(get(v), dtype=float)
        return cache[v]

    X = np.empty((n_rows, len(names)))
    for j, name in enumerate(names):
        if name == "_cons":
            X[:, j] = 1.0
            continue
        col, zero = np.ones(n_rows), False
        for part in name.split("#"):
            x, z = _part(part, column, shares)
            col = col * x
            zero = zero or z
        X[:, j] = np.where(np.isnan(col), np.nan, 0.0) if zero else col
    return X
