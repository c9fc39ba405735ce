import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))  # hsb_models, synth helpers


@pytest.fixture(scope="session")
def hsb():
    import pyreadstat
    path = os.path.join(os.path.dirname(__file__), "..", "..", "data", "hsb.dta")
    df, _ = pyreadstat.read_dta(path)
    return {c: df[c].to_numpy() for c in df.columns}


def synth(seed=0, n_outer=7, missing=False):
    """Small 3-level data: classes nested in schools, class ids reused across schools,
    groups of size 1 included, a string school id, optional missing values."""
    rng = np.random.default_rng(seed)
    school, klass, rows = [], [], []
    for s in range(n_outer):
        for c in range(rng.integers(1, 4)):
            m = int(rng.integers(1, 6))
            school += [f"s{s:02d}"] * m
            klass += [c + 1] * m
    n = len(school)
    x = rng.normal(size=n)
    z = rng.normal(size=n)
    f = rng.integers(0, 3, size=n).astype(float)
    us = {s: rng.normal(size=2) for s in set(school)}
    uc = {(s, c): rng.normal() * 0.7 for s, c in zip(school, klass)}
    y = np.array([1 + 0.5 * x[i] - 0.3 * z[i] + 0.4 * f[i] + us[school[i]][0] + us[school[i]][1] * x[i]
                  + uc[(school[i], klass[i])] + rng.normal() for i in range(n)])
    data = {"y": y, "x": x, "z": z, "f": f, "school": np.array(school, dtype=object),
            "class": np.array(klass, dtype=float)}
    if missing:
        for v in ("y", "x", "z"):
            idx = rng.choice(n, size=max(1, n // 15), replace=False)
            data[v] = data[v].copy()
            data[v][idx] = np.nan
    return data
