"""Multilevel logit speed: hlmshell's melogit vs lme4's glmer (nAGQ = 7) in the same run.

Run from the repository root:  python benchmarks/glmm_speed.py [reps]
1. `melogit hi ses i.sector || id:` on the handout data (hi = mathach > 15), 7-point
   mean-variance adaptive quadrature: the median wall time of the whole command (parse,
   design, fit, e(), display objects) and of the numeric core alone, next to glmer's
   median for the same model with nAGQ = 7 (timed inside R, so R's start-up is not
   counted). Without Rscript and lme4 the peer is statsmodels' BinomialBayesMixedGLM
   (variational Bayes: a different estimator, shown for scale only).
2. A synthetic random-intercept logit with 2,000 groups at 50,000, 100,000 and 200,000 rows:
   time and peak traced memory (tracemalloc), to show both grow linearly in the rows.
3. Several levels (skipped cleanly without Rscript/lme4 for the peer column):
   three-level `melogit hi ses || id: || cls:` on the handout data with a made-up class
   level (cls = mod(_n, 4): 640 classes in 160 schools), ours with 7-point mvaghermite
   and with intmethod(laplace), next to glmer (Laplace: lme4 allows nAGQ > 1 only with
   one grouping factor); and a crossed `melogit yc xc || _all: R.a || b:` on simulated
   rows (100 x 80 levels, 2 replicates: 16,000 rows), ours (Laplace) next to glmer.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hlmshell.models.glmm import GLMMData  # noqa: E402
from hlmshell.models.glmm_fit import fit_glmm  # noqa: E402
from hlmshell.session import Session  # noqa: E402
from timing import median_time  # noqa: E402

R_SCRIPT = r"""
suppressMessages(library(lme4))
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1]); d$id <- factor(d$id); reps <- as.integer(a[2])
f <- function() glmer(hi ~ ses + sector + (1 | id), d, binomial, nAGQ = 7)
invisible(f())
t <- sapply(seq_len(reps), function(i) system.time(f())[["elapsed"]])
cat(median(t), "\n")
"""


def hsb_arrays():
    import pyreadstat
    df, _ = pyreadstat.read_dta(os.path.join(ROOT, "data", "hsb.dta"))
    y = (df["mathach"] > 15).astype(float).to_numpy()
    sector = (df["sector"] == 1).astype(float).to_numpy()
    ses = df["ses"].to_numpy()
    _, g = np.unique(df["id"].to_numpy(), return_inverse=True)
    return df, y, ses, sector, g


def glmer_time(df, reps):
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv, script = os.path.join(tmp, "hsb.csv"), os.path.join(tmp, "t.R")
        out = df[["id", "ses", "sector"]].copy()
        out["hi"] = (df["mathach"] > 15).astype(int)
        out.to_csv(csv, index=False)
        with open(script, "w") as fh:
            fh.write(R_SCRIPT)
        r = subprocess.run(["Rscript", script, csv, str(reps)], capture_output=True, text=True)
        if r.returncode != 0:
            return None
        return float(r.stdout.split()[0])


def statsmodels_time(y, ses, sector, g, reps):
    import warnings

    from statsmodels.genmod.bayes_mixed_glm import BinomialBayesMixedGLM
    X = np.column_stack([np.ones_like(y), ses, sector])
    Z = np.zeros((len(y), g.max() + 1))
    Z[np.arange(len(y)), g] = 1.0
    model = BinomialBayesMixedGLM(y, X, Z, np.zeros(Z.shape[1], dtype=int))

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit_vb()
    return median_time(run, reps)


def synthetic(n, groups=2000, seed=1):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, n)
    x = rng.normal(size=n)
    u = rng.normal(0, 0.7, groups)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-0.3 + 0.8 * x + u[g])))).astype(float)
    _, g = np.unique(g, return_inverse=True)
    return GLMMData(y, np.column_stack([x, np.ones(n)]), np.ones((n, 1)), g, g.max() + 1,
                    "bernoulli", "logit")


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    df, y, ses, sector, g = hsb_arrays()
    s = Session(out=io.StringIO())
    s.run("use data/hsb.dta")
    s.run("gen hi = mathach > 15")
    cmd = "quietly melogit hi ses i.sector || id:"
    s.run(cmd)
    c0 = time.process_time()
    t_cmd = median_time(lambda: s.run(cmd), reps)
    c_cmd = (time.process_time() - c0) / reps
    d = GLMMData(y, np.column_stack([ses, sector, np.ones_like(y)]), np.ones((len(y), 1)), g,
                 g.max() + 1, "bernoulli", "logit")
    t_core = median_time(lambda: fit_glmm(d, "mvaghermite", 7), reps)
    print("melogit hi ses i.sector || id:   (7,185 rows, 160 groups, 7 points)")
    print(f"  hlmshell melogit (whole command)   {t_cmd * 1000:8.1f} ms   (cpu {c_cmd * 1000:.1f} ms)")
    print(f"  hlmshell numeric core              {t_core * 1000:8.1f} ms")
    t_r = glmer_time(df, reps)
    if t_r is not None:
        print(f"  lme4 glmer(nAGQ = 7)               {t_r * 1000:8.1f} ms   "
              f"(ratio {t_r / t_cmd:.1f}x)")
    else:
        t_sm = statsmodels_time(y, ses, sector, g, reps)
        print(f"  statsmodels BinomialBayesMixedGLM  {t_sm * 1000:8.1f} ms   (fit_vb; "
              "no R/lme4 here)")
    print()
    print("random-intercept logit, 2,000 groups, 7 points: time and peak memory")
    for n in (50_000, 100_000, 200_000):
        data = synthetic(n)
        tracemalloc.start()
        t, c = time.perf_counter(), time.process_time()
        fit = fit_glmm(data, "mvaghermite", 7)
        el, cpu = time.perf_counter() - t, time.process_time() - c
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"  {n:>8,} rows  {el:6.2f} s (cpu {cpu:5.2f} s)  peak {peak / 2**20:7.1f} MiB  "
              f"({peak / n:6.0f} bytes/row)  converged={fit.converged}")
    levels(reps)


R_LEVELS = r"""
suppressMessages(library(lme4))
a <- commandArgs(trailingOnly = TRUE)
d <- read.csv(a[1]); reps <- as.integer(a[3])
d$g1 <- factor(d$g1); d$g2 <- factor(d$g2)
f <- if (a[2] == "nested") function() glmer(y ~ x + (1 | g1) + (1 | g1:g2), d, binomial) else
  function() glmer(y ~ x + (1 | g1) + (1 | g2), d, binomial)
invisible(f())
t <- sapply(seq_len(reps), function(i) system.time(f())[["elapsed"]])
cat(median(t), "\n")
"""


def glmer_levels(y, x, g1, g2, kind, reps):
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv, script = os.path.join(tmp, "d.csv"), os.path.join(tmp, "t.R")
        np.savetxt(csv, np.column_stack([y, x, g1, g2]), delimiter=",", header="y,x,g1,g2",
                   comments="", fmt="%.17g")
        with open(script, "w") as fh:
            fh.write(R_LEVELS)
        r = subprocess.run(["Rscript", script, csv, kind, str(reps)], capture_output=True,
                           text=True)
        return float(r.stdout.split()[0]) if r.returncode == 0 else None


def crossed_rows(A=100, B=80, R=2, seed=3):
    rng = np.random.default_rng(seed)
    a = np.tile(np.repeat(np.arange(A), B), R)
    b = np.tile(np.tile(np.arange(B), A), R)
    x = rng.normal(size=A * B * R)
    eta = 0.2 + 0.6 * x + 0.9 * rng.normal(size=A)[a] + 0.6 * rng.normal(size=B)[b]
    y = (rng.random(len(x)) < 1 / (1 + np.exp(-eta))).astype(float)
    return y, x, a, b


def levels(reps):
    reps = max(1, min(reps, 3))
    df, y, ses, sector, g = hsb_arrays()
    s = Session(out=io.StringIO())
    s.run("use data/hsb.dta")
    s.run("gen hi = mathach > 15")
    s.run("gen cls = mod(_n, 4)")
    print()
    print("three-level melogit hi ses || id: || cls:   (7,185 rows, 160 schools, 640 classes)")
    for opt, what in (("", "7-point mvaghermite"), (", intmethod(laplace)", "Laplace")):
        cmd = f"quietly melogit hi ses || id: || cls:{opt}"
        t = median_time(lambda: s.run(cmd), reps)
        print(f"  hlmshell melogit, {what:<20}{t * 1000:8.1f} ms   ll = "
              f"{s.estimates.active.scalars['ll']:.4f}")
    cls = np.arange(1, len(y) + 1) % 4
    t_r = glmer_levels(y, ses, g, cls, "nested", reps)
    print(f"  lme4 glmer (Laplace)                  {t_r * 1000:8.1f} ms" if t_r is not None
          else "  lme4 glmer: skipped (no Rscript/lme4)")
    yc, xc, a, b = crossed_rows()
    s2 = Session(out=io.StringIO())
    s2.run(f"set obs {len(yc)}")
    for name, col in (("yc", yc), ("xc", xc), ("a", a), ("b", b)):
        s2.data.add(name, np.asarray(col, float), "double")
    cmd = "quietly melogit yc xc || _all: R.a || b:"
    print()
    print(f"crossed melogit yc xc || _all: R.a || b:   ({len(yc):,} rows, 100 x 80 levels)")
    t = median_time(lambda: s2.run(cmd), reps)
    print(f"  hlmshell melogit (Laplace)            {t * 1000:8.1f} ms   ll = "
          f"{s2.estimates.active.scalars['ll']:.4f}")
    t_r = glmer_levels(yc, xc, a, b, "crossed", reps)
    print(f"  lme4 glmer (Laplace)                  {t_r * 1000:8.1f} ms" if t_r is not None
          else "  lme4 glmer: skipped (no Rscript/lme4)")


if __name__ == "__main__":
    main()
