"""xtgee: hlmshell vs statsmodels GEE on hsb.dta (7,185 rows, 160 schools) and on 100,000
simulated rows (10,000 panels of 10 times).

Run from the repository root:  python benchmarks/xtgee_speed.py
Our figure is the whole command through Session.run (quietly: sample, design, sorting, the
glm start, the GEE iterations to Stata's tolerance 1e-6, e() and the table); statsmodels'
is the bare GEE(...).fit() of the same model (its default ctol 1e-6 on the step norm).
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


def session_for(cols, xtset):
    s = Session(out=io.StringIO())
    d = Dataset()
    for name, v in cols.items():
        d.add(name, np.asarray(v, float), "double")
    s.data = d
    assert s.run(xtset) == 0
    return s


def hsb_cols():
    import pyreadstat
    df, _ = pyreadstat.read_dta(os.path.join(ROOT, "data", "hsb.dta"))
    m = df["mathach"].to_numpy(float)
    g = np.unique(df["id"].to_numpy(), return_inverse=True)[1] + 1.0
    t = np.zeros(len(g))
    for k in np.unique(g):                    # a within-school sequence number
        t[g == k] = np.arange(1, np.sum(g == k) + 1)
    return {"g": g, "t": t, "y": m, "hi": (m > 13).astype(float),
            "ses": df["ses"].to_numpy(float), "female": df["female"].to_numpy(float)}


def sim_cols(G=10_000, T=10):
    rng = np.random.default_rng(5)
    n = G * T
    g = np.repeat(np.arange(1, G + 1), T).astype(float)
    t = np.tile(np.arange(1, T + 1), G).astype(float)
    ses, female = rng.normal(size=n), rng.integers(0, 2, n).astype(float)
    u = np.repeat(rng.normal(size=G), T)
    y = 1 + 0.5 * ses - 0.3 * female + u + rng.normal(size=n)
    return {"g": g, "t": t, "y": y, "hi": (y > 1).astype(float), "ses": ses, "female": female}


def main():
    import statsmodels.api as sm
    F, cs = sm.families, sm.cov_struct
    models = [("gaussian exchangeable", "xtgee y ses female", "y", F.Gaussian(), cs.Exchangeable),
              ("binomial exchangeable", "xtgee hi ses female, family(binomial)", "hi",
               F.Binomial(), cs.Exchangeable),
              ("gaussian ar 1", "xtgee y ses female, corr(ar 1)", "y", F.Gaussian(),
               cs.Autoregressive)]
    for label, cols in (("hsb (7,185 rows)", hsb_cols()), ("simulated (100,000 rows)", sim_cols())):
        s = session_for(cols, "xtset g t")
        X = np.column_stack([cols["ses"], cols["female"], np.ones(len(cols["g"]))])
        print(f"\n{label}")
        print(f"{'model':<26}{'hlmshell':>12}{'statsmodels':>14}")
        for name, line, dep, fam, struct in models:
            ours = median_time(lambda: s.run("quietly " + line), reps=3, warmup=True)

            def theirs():
                sm.GEE(cols[dep], X, groups=cols["g"], time=cols["t"] - 1, family=fam,
                       cov_struct=struct()).fit()
            ref = median_time(theirs, reps=3)
            print(f"{name:<26}{ours:>10.3f} s{ref:>12.3f} s")


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore")
    main()
