"""Estimator speed: `regress` and `xtreg, re|fe` through the shell vs statsmodels, one run.

Run from the repository root:  python benchmarks/est_speed.py
- regress: 1,000,000 rows x 10 regressors, `regress y x1-x10` (Session.run: parse, design,
  fit, e()) vs statsmodels OLS(y, X).fit() on the same arrays (numbers only, no table).
- xtreg, re: 1,000,000 rows in 10,000 panels, `xtreg y x1-x10` (Swamy-Arora GLS) vs the
  same steps with pandas group means and statsmodels OLS (within, between, quasi-demeaned
  regressions); statsmodels has no random-effects GLS of its own.
Median of 5 runs each after one warm-up run; targets: regress <= 0.3 s, xtreg re <= 0.5 s.
"""
from __future__ import annotations

import io
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hlmshell.dataset.dataset import Dataset  # noqa: E402
from hlmshell.session import Session  # noqa: E402
from timing import median_time  # noqa: E402

N, K, G = 1_000_000, 10, 10_000


def make():
    rng = np.random.default_rng(1)
    g = np.sort(rng.integers(0, G, N))
    X = rng.normal(size=(N, K))
    u = rng.normal(size=G)
    y = X @ np.linspace(0.1, 1.0, K) + u[g] + rng.normal(size=N)
    s = Session(out=io.StringIO())
    d = Dataset()
    d.add("id", g.astype(float), "long")
    for j in range(K):
        d.add(f"x{j + 1}", X[:, j], "double")
    d.add("y", y, "double")
    s.data = d
    assert s.run("xtset id") == 0
    return s, y, X, g


def sm_ols(y, X):
    import statsmodels.api as sm
    Xc = np.column_stack([X, np.ones(len(y))])
    return lambda: sm.OLS(y, Xc).fit()


def sm_re(y, X, g):
    import pandas as pd
    import statsmodels.api as sm

    def run():
        df = pd.DataFrame(np.column_stack([y, X]))
        means = df.groupby(g).transform("mean").to_numpy()
        gm = df.groupby(g).mean().to_numpy()
        T = np.bincount(g)
        w = sm.OLS(y - means[:, 0], X - means[:, 1:]).fit()
        s2e = w.ssr / (N - G - K)
        b = sm.OLS(gm[:, 0], sm.add_constant(gm[:, 1:])).fit()
        s2u = max(b.ssr / (G - K - 1) - s2e / (G / (1 / T).sum()), 0)
        th = (1 - np.sqrt(s2e / (T * s2u + s2e)))[g]
        Xs = np.column_stack([X, np.ones(N)]) - th[:, None] * np.column_stack([means[:, 1:], np.ones(N)])
        return sm.OLS(y - th * means[:, 0], Xs).fit()
    return run


def main():
    s, y, X, g = make()
    rows = [
        ("regress, 1M x 10", lambda: s.run("quietly regress y x1-x10"), sm_ols(y, X), 0.3),
        ("xtreg re, 1M / 10k panels", lambda: s.run("quietly xtreg y x1-x10, re"),
         sm_re(y, X, g), 0.5),
        ("xtreg fe, 1M / 10k panels", lambda: s.run("quietly xtreg y x1-x10, fe"), None, None),
    ]
    print(f"{'model':<28}{'hlmshell':>10}{'peer':>10}   target")
    for name, ours, peer, target in rows:
        a = median_time(ours, warmup=True)
        b = median_time(peer, warmup=True) if peer else float("nan")
        print(f"{name:<28}{a:>9.3f}s{b:>9.3f}s   {'<= %.1f s' % target if target else ''}")


if __name__ == "__main__":
    main()
