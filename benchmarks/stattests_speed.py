"""spearman, ranksum, kwallis (and signrank, robvar): hlmshell vs scipy.stats on the same
1,000,000-row data, with ties (values rounded to 2 decimals).

Run from the repository root:  python benchmarks/stattests_speed.py
Prints the median wall time of each hlmshell command (through Session.run, quietly: the
state snapshot, sample selection and layout included) next to scipy's computation of the
same statistic (no layout): spearmanr, mannwhitneyu (asymptotic, tie corrected), kruskal,
wilcoxon (Pratt, approximate), levene (mean, median; W10 has no scipy peer).
ktau against kendalltau (both O(n log n)-type: Knight's method; ours counts the
discordant pairs by a vectorised merge sort, O(n log^2 n)).
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


def main(n=1_000_000, k=50):
    rng = np.random.default_rng(1)
    g = rng.integers(0, k, n).astype(float)
    y = np.round(rng.normal(size=k)[g.astype(int)] + rng.normal(size=n), 2)
    x = np.round(y + rng.normal(size=n), 2)
    b = (g < k / 2).astype(float)
    cols = {"y": y, "x": x, "g": g, "b": b}
    s = Session(out=io.StringIO())
    d = Dataset()
    for name, v in cols.items():
        d.add(name, v, "double")
    s.data = d
    from scipy import stats

    def ours(line):
        return lambda: s.run("quietly " + line)

    def groups():
        order = np.argsort(g, kind="stable")
        cuts = np.flatnonzero(np.diff(g[order])) + 1
        return np.split(y[order], cuts)

    cases = [
        ("spearman y x", ours("spearman y x"), lambda: stats.spearmanr(y, x), "spearmanr"),
        ("ranksum y, by(b)", ours("ranksum y, by(b)"),
         lambda: stats.mannwhitneyu(y[b == 0], y[b == 1], use_continuity=False,
                                    method="asymptotic"), "mannwhitneyu"),
        (f"kwallis y, by(g) ({k} groups)", ours("kwallis y, by(g)"),
         lambda: stats.kruskal(*groups()), "kruskal"),
        ("signrank y = x", ours("signrank y = x"),
         lambda: stats.wilcoxon(y, x, zero_method="pratt", correction=False, method="approx"),
         "wilcoxon"),
        (f"robvar y, by(g) ({k} groups)", ours("robvar y, by(g)"),
         lambda: (stats.levene(*groups(), center="mean"),
                  stats.levene(*groups(), center="median")), "levene mean+median"),
        ("ktau y x", ours("ktau y x"), lambda: stats.kendalltau(y, x), "kendalltau"),
    ]
    print(f"{n:,} rows; median of 5 runs (ktau: 3), seconds")
    print(f"{'command':<32}{'hlmshell':>10}{'peer':>10}  peer")
    for name, mine, peer, what in cases:
        assert s.run("quietly " + name.split(" (")[0]) == 0, name
        reps = 3 if "ktau" in name else 5
        print(f"{name:<32}{median_time(mine, reps):>10.3f}{median_time(peer, reps):>10.3f}"
              f"  {what}")


if __name__ == "__main__":
    main()
