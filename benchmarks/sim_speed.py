"""Simulation speed: a power simulation over a two-level design, hlmshell's `simulate`
against the same loop written in Python over statsmodels MixedLM.

Run from the repository root:  python benchmarks/sim_speed.py [REPS]   (default 500)
Design: 50 schools x 20 students, y = 1 + 0.08 x + u_school + e with sd(u) = 0.5,
sd(e) = 1; each replication draws new data and fits the random-intercept model by ML.
Prints the total wall time of both and the rejection rate of H0: b_x = 0 at 5%."""
from __future__ import annotations

import io
import os
import sys
import tempfile
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hlmshell.session import Session  # noqa: E402

GEN = """clear
set obs 50
gen school = _n
gen u = rnormal(0, 0.5)
expand 20
gen x = rnormal()
gen y = 1 + 0.08*x + u + rnormal()
mixed y x || school:, nolog
"""


def hlmshell_run(reps: int) -> tuple[float, float]:
    folder = tempfile.mkdtemp(prefix="simspeed-")
    path = os.path.join(folder, "gen.do")
    with open(path, "w") as fh:
        fh.write(GEN)
    s = Session(out=io.StringIO())
    t = time.perf_counter()
    rc = s.run(f"simulate b=_b[x] se=_se[x], reps({reps}) seed(12345) nodots: run {path}")
    elapsed = time.perf_counter() - t
    assert rc == 0, s.out.getvalue()[-500:]
    z = s.data.column("b") / s.data.column("se")
    return elapsed, float(np.mean(np.abs(z) > 1.959964))


def statsmodels_run(reps: int) -> tuple[float, float]:
    import statsmodels.api as sm
    rng = np.random.default_rng(12345)
    school = np.repeat(np.arange(50), 20)
    rejections = 0
    t = time.perf_counter()
    for _ in range(reps):
        u = rng.normal(0, 0.5, 50)
        x = rng.normal(size=1000)
        y = 1 + 0.08 * x + u[school] + rng.normal(size=1000)
        X = np.column_stack([x, np.ones(1000)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sm.MixedLM(y, X, school).fit(reml=False)
        rejections += abs(res.params[0] / res.bse[0]) > 1.959964
    return time.perf_counter() - t, rejections / reps


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    ours, power_ours = hlmshell_run(reps)
    theirs, power_theirs = statsmodels_run(reps)
    print(f"{reps} replications, 50 schools x 20 students, mixed y x || school: (ML)")
    print(f"{'':28}{'total s':>10}{'ms/rep':>10}{'power':>8}")
    print(f"{'hlmshell simulate':28}{ours:10.2f}{1000 * ours / reps:10.1f}{power_ours:8.3f}")
    print(f"{'statsmodels MixedLM loop':28}{theirs:10.2f}{1000 * theirs / reps:10.1f}"
          f"{power_theirs:8.3f}")


if __name__ == "__main__":
    main()
