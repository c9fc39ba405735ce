"""Random-effects panel GLMs: hlmshell's xtlogit / xtpoisson vs peers in the same run.

Run from the repository root:  python benchmarks/xt_glmm_speed.py [reps]
1. `xtlogit hi ses i.sector, re` on the handout data (hi = mathach > 15, 12-point
   mean-variance adaptive quadrature, Stata's default): the median wall time of the whole
   command next to lme4's glmer with nAGQ = 12 (timed inside R; R's start-up not counted).
2. `xtpoisson cnt ses i.sector` (gamma effects, closed form) next to statsmodels' pooled
   negative binomial on the same rows (a different model; the nearest closed-form
   likelihood statsmodels offers, shown for scale) and glmer's Poisson with nAGQ = 12.
3. `xtlogit hi ses female minority, fe` (conditional logit) next to statsmodels'
   ConditionalLogit on the same rows (the same estimator).
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hlmshell.session import Session  # noqa: E402
from timing import median_time  # noqa: E402

R_SCRIPT = r"""
suppressMessages(library(lme4))
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1]); d$id <- factor(d$id); reps <- as.integer(a[2])
f <- function() glmer(hi ~ ses + sector + (1 | id), d, binomial, nAGQ = 12)
p <- function() glmer(cnt ~ ses + sector + (1 | id), d, poisson, nAGQ = 12)
invisible(f()); invisible(p())
t <- sapply(seq_len(reps), function(i) system.time(f())[["elapsed"]])
u <- sapply(seq_len(reps), function(i) system.time(p())[["elapsed"]])
cat(median(t), median(u), "\n")
"""


def frame():
    import pyreadstat
    df, _ = pyreadstat.read_dta(os.path.join(ROOT, "data", "hsb.dta"))
    df["hi"] = (df["mathach"] > 15).astype(int)
    df["cnt"] = np.maximum(0, np.round(df["mathach"] / 4)).astype(int)
    return df


def glmer_times(df, reps):
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv, script = os.path.join(tmp, "hsb.csv"), os.path.join(tmp, "t.R")
        df[["id", "ses", "sector", "hi", "cnt"]].to_csv(csv, index=False)
        with open(script, "w") as fh:
            fh.write(R_SCRIPT)
        r = subprocess.run(["Rscript", script, csv, str(reps)], capture_output=True, text=True)
        if r.returncode != 0:
            return None
        return [float(v) for v in r.stdout.split()[:2]]


def statsmodels_nb_time(df, reps):
    import warnings

    import statsmodels.api as sm
    X = sm.add_constant(np.column_stack([df["ses"], (df["sector"] == 1).astype(float)]))
    model = sm.NegativeBinomial(df["cnt"].to_numpy(float), X)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(disp=0)
    return median_time(run, reps)


def statsmodels_clogit_time(df, reps):
    from statsmodels.discrete.conditional_models import ConditionalLogit
    X = df[["ses", "female", "minority"]].to_numpy(float)
    model = ConditionalLogit(df["hi"].to_numpy(float), X, groups=df["id"].to_numpy())
    return median_time(lambda: model.fit(disp=0), reps)


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    df = frame()
    s = Session(out=io.StringIO())
    for line in ("use data/hsb.dta", "gen hi = mathach > 15",
                 "gen cnt = max(0, round(mathach/4))", "encode id, gen(school)",
                 "xtset school"):
        assert s.run(line) == 0, line
    logit, pois = "quietly xtlogit hi ses i.sector, re", "quietly xtpoisson cnt ses i.sector"
    s.run(logit)
    t_logit = median_time(lambda: s.run(logit), reps)
    s.run(pois)
    t_pois = median_time(lambda: s.run(pois), reps)
    fe = "quietly xtlogit hi ses female minority, fe"
    s.run(fe)
    t_fe = median_time(lambda: s.run(fe), reps)
    peers = glmer_times(df, reps)
    print("xtlogit hi ses i.sector, re   (7,185 rows, 160 panels, 12 points)")
    print(f"  hlmshell xtlogit (whole command)   {t_logit * 1000:8.1f} ms")
    if peers:
        print(f"  lme4 glmer(nAGQ = 12)              {peers[0] * 1000:8.1f} ms   "
              f"(ratio {peers[0] / t_logit:.1f}x)")
    print("xtpoisson cnt ses i.sector   (gamma random effects, closed form)")
    print(f"  hlmshell xtpoisson (whole command) {t_pois * 1000:8.1f} ms")
    print(f"  statsmodels NegativeBinomial       {statsmodels_nb_time(df, reps) * 1000:8.1f} ms"
          "   (pooled NB2: for scale only)")
    if peers:
        print(f"  lme4 glmer poisson (nAGQ = 12)     {peers[1] * 1000:8.1f} ms   "
              "(normal effects: for scale only)")
    print("xtlogit hi ses female minority, fe   (conditional logit, 160 panels)")
    print(f"  hlmshell xtlogit, fe               {t_fe * 1000:8.1f} ms")
    t_cl = statsmodels_clogit_time(df, max(1, reps // 3))
    print(f"  statsmodels ConditionalLogit       {t_cl * 1000:8.1f} ms   "
          f"(ratio {t_cl / t_fe:.1f}x)")


if __name__ == "__main__":
    main()
