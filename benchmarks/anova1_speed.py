"""oneway, loneway and ttest: hlmshell vs scipy/statsmodels on the same 1,000,000-row data.

Run from the repository root:  python benchmarks/anova1_speed.py
Prints the median wall time of each hlmshell command (through Session.run, quietly, so the
state snapshot, the sample selection and the table layout are included) next to the
nearest scipy computation of the same numbers (no layout): f_oneway + bartlett for oneway
(and statsmodels' anova_lm on an OLS fit with the factor, the usual route), f_oneway for
loneway's ANOVA part, ttest_ind/ttest_rel for ttest.
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


def main(n=1_000_000, k=1000):
    rng = np.random.default_rng(1)
    g = rng.integers(0, k, n).astype(float)
    y = rng.normal(size=k)[g.astype(int)] + rng.normal(size=n)
    cols = {"y": y, "x": y + rng.normal(size=n), "g": g, "b": (g < k / 2).astype(float),
            "s": rng.integers(0, 5, n).astype(float)}
    s = Session(out=io.StringIO())
    d = Dataset()
    for name, v in cols.items():
        d.add(name, v, "double")
    s.data = d
    from scipy import stats

    def ours(line):
        return lambda: s.run("quietly " + line)

    def groups(by):
        order = np.argsort(cols[by], kind="stable")
        cuts = np.flatnonzero(np.diff(cols[by][order])) + 1
        return np.split(cols["y"][order], cuts)

    def sm_anova(by):
        import pandas as pd
        import statsmodels.api as sm
        import statsmodels.formula.api as smf
        fit = smf.ols(f"y ~ C({by})", data=pd.DataFrame({"y": y, by: cols[by]})).fit()
        return sm.stats.anova_lm(fit)

    cases = [
        ("oneway y s, tabulate", ours("oneway y s, tabulate"),
         lambda: (stats.f_oneway(*groups("s")), stats.bartlett(*groups("s"))),
         "f_oneway+bartlett"),
        ("oneway y s", ours("oneway y s"), lambda: sm_anova("s"), "statsmodels anova_lm"),
        (f"loneway y g ({k} groups)", ours("loneway y g"), lambda: stats.f_oneway(*groups("g")),
         "f_oneway"),
        ("ttest y, by(b)", ours("ttest y, by(b)"),
         lambda: stats.ttest_ind(y[cols["b"] == 0], y[cols["b"] == 1]), "ttest_ind"),
        ("ttest y == x", ours("ttest y == x"), lambda: stats.ttest_rel(y, cols["x"]),
         "ttest_rel"),
    ]
    print(f"{n:,} rows; median of 5 runs, seconds")
    print(f"{'command':<30}{'hlmshell':>10}{'peer':>10}  peer")
    for name, mine, peer, what in cases:
        assert s.run("quietly " + name.split(" (")[0]) == 0, name
        print(f"{name:<30}{median_time(mine):>10.3f}{median_time(peer, reps=3 if 'statsmodels' in what else 5):>10.3f}  {what}")


if __name__ == "__main__":
    main()
