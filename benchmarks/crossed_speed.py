"""Crossed random effects: hlmshell vs lme4 (when Rscript is on the PATH) and statsmodels.

Run from the repository root:  python benchmarks/crossed_speed.py [--statsmodels]
Model: y = 1 + 0.5 x + u_a + v_b + e, a with 1,000 levels crossed with b with 100 levels,
100,000 rows (Stata: mixed y x || _all: R.a || _all: R.b; lme4: y ~ x + (1|a) + (1|b)).
Second and third cases (models/crossed_general.py): crossed effects with a random slope,
y = 1 + 0.5 x + u_a + v0_b + v1_b x + e (Stata: mixed y x || _all: R.a || b: x, cov(un);
lme4: y ~ x + (1|a) + (1+x|b)), hsb-sized (7,185 rows, 25 x 160 levels) and 100,000 rows
with 1,000 x 100 levels.
Prints wall and CPU seconds per fit and the log likelihoods (they must agree). statsmodels'
MixedLM (one group, vc_formula) is slow at this size: with --statsmodels it is timed on a
10,000-row subset with 100 x 20 levels, side by side with hlmshell on the same subset.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hlmshell.models import Factor, ModelSpec, RandomLevel, Term, fit  # noqa: E402

SPEC = ModelSpec("y", (Term((Factor("x"),)),),
                 (RandomLevel("_all", factor="a"), RandomLevel("_all", factor="b")))
SLOPE = ModelSpec("y", (Term((Factor("x"),)),),
                  (RandomLevel("_all", factor="a"),
                   RandomLevel("b", slopes=("x",), covariance="unstructured")))
FORMULA = "y ~ x + (1|a) + (1|b)"
SLOPE_FORMULA = "y ~ x + (1|a) + (1+x|b)"


def data(n=100_000, na=1000, nb=100, seed=0, slope=0.0):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, na, n)
    b = rng.integers(0, nb, n)
    x = rng.normal(size=n)
    y = 1 + 0.5 * x + 0.7 * rng.normal(size=na)[a] + 1.1 * rng.normal(size=nb)[b] + rng.normal(size=n)
    y = y + slope * rng.normal(size=nb)[b] * x
    return dict(y=y, x=x, a=a.astype(float), b=b.astype(float))


def ours(d, reps=3, spec=SPEC):
    best = None
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        r = fit(spec, d)
        w, c = time.perf_counter() - t, time.process_time() - c
        best = (w, c, r.ll) if best is None or w < best[0] else best
    return best


def lme4(d, formula=FORMULA):
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "d.csv")
        np.savetxt(csv, np.column_stack([d["y"], d["x"], d["a"], d["b"]]), delimiter=",",
                   header="y,x,a,b", comments="", fmt="%.10g")
        script = (f'suppressMessages(library(lme4)); d <- read.csv("{csv}"); '
                  'd$a <- factor(d$a); d$b <- factor(d$b); '
                  f't <- system.time(m <- lmer({formula}, data=d, REML=FALSE)); '
                  'cat(t[["elapsed"]], t[["user.self"]] + t[["sys.self"]], format(as.numeric(logLik(m)), digits = 15), "\\n")')
        out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
        w, c, ll = map(float, out.stdout.split())
        return w, c, ll


def statsmodels_fit(d):
    import pandas as pd
    import statsmodels.formula.api as smf
    df = pd.DataFrame(d)
    df["g"] = 1
    t, c = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = smf.mixedlm("y ~ x", df, groups="g", re_formula="0",
                        vc_formula={"a": "0 + C(a)", "b": "0 + C(b)"}).fit(reml=False)
    return time.perf_counter() - t, time.process_time() - c, m.llf


def row(name, res):
    w, c, ll = res
    print(f"{name:<28}{w:>9.2f} s wall {c:>9.2f} s CPU   ll = {ll:.4f}")


def main():
    d = data()
    print("crossed 1,000 x 100 levels, 100,000 rows (ML)")
    row("hlmshell", ours(d))
    if shutil.which("Rscript"):
        row("lme4::lmer", lme4(d))
    else:
        print("lme4: Rscript not found (skipped)")
    for title, kw in [("crossed + slope, 25 x 160 levels, 7,185 rows (ML)",
                       dict(n=7185, na=25, nb=160, seed=2, slope=0.5)),
                      ("crossed + slope, 1,000 x 100 levels, 100,000 rows (ML)",
                       dict(seed=3, slope=0.5))]:
        s = data(**kw)
        print(title)
        row("hlmshell", ours(s, spec=SLOPE))
        if shutil.which("Rscript"):
            row("lme4::lmer", lme4(s, SLOPE_FORMULA))
        else:
            print("lme4: Rscript not found (skipped)")
    if "--statsmodels" in sys.argv:
        s = data(n=10_000, na=100, nb=20, seed=1)
        print("crossed 100 x 20 levels, 10,000 rows (ML)")
        row("hlmshell", ours(s))
        row("statsmodels MixedLM (vc)", statsmodels_fit(s))


if __name__ == "__main__":
    main()
