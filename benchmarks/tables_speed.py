"""Table commands: hlmshell vs pandas/scipy on the same 1,000,000-row data.

Run from the repository root:  python benchmarks/tables_speed.py
Prints the median wall time of each hlmshell command (through Session.run, quietly, so the
state snapshot and the table layout are included) next to the nearest pandas/scipy
computation of the same numbers (no text layout).
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


def main(n=1_000_000):
    rng = np.random.default_rng(1)
    cols = {"a": rng.integers(0, 5, n).astype(float), "b": rng.integers(0, 4, n).astype(float),
            "g": rng.integers(0, 50, n).astype(float), "x": rng.normal(size=n),
            "y": rng.normal(size=n), "z": rng.normal(size=n)}
    s = Session(out=io.StringIO())
    d = Dataset()
    for k, v in cols.items():
        d.add(k, v, "double")
    s.data = d
    import pandas as pd
    from scipy.stats import chi2_contingency
    frame = pd.DataFrame(cols)

    def ours(line):
        return lambda: s.run("quietly " + line)

    cases = [
        ("tabulate a b, chi2 lrchi2", ours("tabulate a b, chi2 lrchi2"),
         lambda: [chi2_contingency(pd.crosstab(frame.a, frame.b).to_numpy(), correction=False,
                                   lambda_=lam) for lam in (None, "log-likelihood")]),
        ("tabstat x y, by(g) s(mean sd p50 n)", ours("tabstat x y, by(g) s(mean sd p50 n)"),
         lambda: frame.groupby("g")[["x", "y"]].agg(["mean", "std", "median", "count"])),
        ("correlate x y z", ours("correlate x y z"), lambda: frame[["x", "y", "z"]].corr()),
        ("pwcorr x y z, sig", ours("pwcorr x y z, sig"), lambda: frame[["x", "y", "z"]].corr()),
        ("codebook x, compact", ours("codebook x, compact"),
         lambda: (frame.x.count(), frame.x.nunique(), frame.x.mean(), frame.x.min(), frame.x.max())),
    ]
    print(f"{n:,} rows; median of 5 runs, seconds")
    print(f"{'command':<38}{'hlmshell':>10}{'pandas':>10}")
    for name, mine, peer in cases:
        assert s.run("quietly " + name) == 0, name
        print(f"{name:<38}{median_time(mine):>10.3f}{median_time(peer):>10.3f}")


if __name__ == "__main__":
    main()
