"""Speed of mixed, residuals(ar 1, t()): an AR(1) growth model, 10,000 persons x 6 occasions,
random intercept and slope, ML. hlmshell side by side with R's nlme (lme with corAR1) when
Rscript with nlme is installed (the peer's time is measured inside R, fit only).

Then each inference option beside the plain fit it adds to (issue 11: each within 3x the
plain fit): REML + dfmethod(kroger) beside the REML fit, ML + vce(robust) beside the ML fit,
on the same panel and on a 200-person one (the handout's growth_ar1.do size); and
Kenward-Roger on the handout's model 4 (hsb: mathach ses sector || id: ses, cov(un), reml;
target 0.5 s) beside its REML fit.

Run from the repository root:  python benchmarks/resid_speed.py
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hlmshell.models import ModelSpec, RandomLevel, Term, Factor, fit  # noqa: E402
from hlmshell.models.residuals import ResidualSpec  # noqa: E402


def panel(P=10_000, T=6, rho=0.6, seed=1):
    rng = np.random.default_rng(seed)
    person = np.repeat(np.arange(P), T).astype(float)
    t = np.tile(np.arange(T), P).astype(float)
    e = np.empty((P, T))
    e[:, 0] = rng.normal(size=P)
    for j in range(1, T):
        e[:, j] = rho * e[:, j - 1] + np.sqrt(1 - rho ** 2) * rng.normal(size=P)
    u0 = np.repeat(rng.normal(size=P), T)
    u1 = np.repeat(rng.normal(scale=0.3, size=P), T)
    y = 2 + u0 + (0.5 + u1) * t + e.ravel()
    return {"y": y, "time": t, "person": person}


def ours(d, method="ML"):
    spec = ModelSpec("y", fixed=(Term((Factor("time"),)),),
                     levels=(RandomLevel("person", ("time",)),), method=method,
                     extra={"residuals": ResidualSpec("ar", 1, "time", None, "ar 1, t(time)",
                                                      group="person")})
    t0 = time.perf_counter()
    r = fit(spec, d)
    return time.perf_counter() - t0, r


def timed(f, *a):
    t0 = time.perf_counter()
    f(*a)
    return time.perf_counter() - t0


def options(d, label):
    """(plain fit, fit + option) seconds, median of 3, for K-R (REML) and robust (ML)."""
    from hlmshell.models.robust import sandwich
    from hlmshell.models.smallsample import infer
    rows = []
    for method, name, extra in (("REML", "dfmethod(kroger)", lambda f: infer(f, "kroger")),
                                ("ML", "vce(robust)", lambda f: sandwich(f))):
        plain, opt = [], []
        for _ in range(3):
            sec, f = ours(d, method)
            plain.append(sec)
            opt.append(sec + timed(extra, f))
        p, o = float(np.median(plain)), float(np.median(opt))
        rows.append(f"{label:<28}{method + ' ' + name:<24}{p:>9.3f}{o:>9.3f}{o / p:>7.2f}")
    return rows


def handout_model4():
    """Kenward-Roger on the handout's model 4 through the shell, beside the REML fit."""
    import io
    from hlmshell.session import Session
    s = Session(out=io.StringIO())
    assert s.run(f"use {os.path.join(ROOT, 'data', 'hsb.dta')}") == 0
    cmd = "mixed mathach ses sector || id: ses, cov(unstructured) reml"
    assert s.run(cmd) == 0 and s.run(cmd + " dfmethod(kroger)") == 0
    plain = float(np.median([timed(s.run, cmd) for _ in range(3)]))
    kr = float(np.median([timed(s.run, cmd + " dfmethod(kroger)") for _ in range(3)]))
    return f"{'hsb model 4 (7,185 obs)':<28}{'REML dfmethod(kroger)':<24}{plain:>9.3f}{kr:>9.3f}" \
           f"{kr / plain:>7.2f}"


R_CODE = """suppressMessages(library(nlme)); d <- read.csv("CSVPATH")
t0 <- proc.time()[["elapsed"]]
m <- lme(y ~ time, random = list(person = pdDiag(~ time)), data = d, method = "ML",
         correlation = corAR1(form = ~ time | person))
cat(sprintf("%.3f %.10f\\n", proc.time()[["elapsed"]] - t0, as.numeric(logLik(m))))
"""


def nlme(d):
    if not shutil.which("Rscript"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "d.csv")
        np.savetxt(csv, np.column_stack([d["y"], d["time"], d["person"]]), delimiter=",",
                   header="y,time,person", comments="", fmt="%.17g")
        r = subprocess.run(["Rscript", "-e", R_CODE.replace("CSVPATH", csv)], capture_output=True, text=True)
        if r.returncode:
            return None
        sec, ll = r.stdout.split()
        return float(sec), float(ll)


if __name__ == "__main__":
    d = panel()
    ours(d)     # warm-up (imports)
    times = [ours(d) for _ in range(3)]
    sec = float(np.median([t for t, _ in times]))
    ll = times[0][1].ll
    print(f"AR(1) growth model, 10,000 persons x 6 occasions (60,000 obs), ML")
    print(f"{'engine':<12}{'seconds':>10}{'log likelihood':>20}")
    print(f"{'hlmshell':<12}{sec:>10.3f}{ll:>20.6f}")
    peer = nlme(d)
    if peer is None:
        print(f"{'nlme':<12}{'(R with nlme not available)':>30}")
    else:
        print(f"{'nlme':<12}{peer[0]:>10.3f}{peer[1]:>20.6f}")
    print()
    print("Inference options beside the plain fit (seconds; ratio = with option / plain)")
    print(f"{'data':<28}{'fit':<24}{'plain':>9}{'option':>9}{'ratio':>7}")
    for row in options(d, "AR(1) 10,000 x 6") + options(panel(P=200, seed=2), "AR(1) 200 x 6"):
        print(row)
    print(handout_model4())
