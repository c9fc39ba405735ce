"""margins speed: hlmshell's `margins` vs statsmodels' get_margeff, side by side.

Run from the repository root:  python benchmarks/margins_speed.py
After the handout's model 5 (`mixed mathach c.ses##i.sector || id: ses, cov(unstr)`):
- the whole command `margins sector, at(ses=(-2(0.5)2))` through Session.run (parsing,
  18 margins with delta-method SEs, the rendered table; target <= 50 ms);
- `margins, dydx(ses)` through Session.run, next to statsmodels' OLS get_margeff
  (dydx, overall average, delta-method SEs) of a Gaussian GLM (= OLS) on the same fixed
  design (it differentiates each column separately, not through the interaction) — the closest peer:
  statsmodels has no margins after MixedLM.
Prints median wall times over repeated runs.
"""
from __future__ import annotations

import io
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hlmshell.session import Session  # noqa: E402


def median_ms(f, reps=30):
    f()  # warm (lazy imports)
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return 1000 * float(np.median(ts))


def main():
    os.chdir(ROOT)
    s = Session(out=io.StringIO())
    assert s.run("use data/hsb.dta") == 0
    assert s.run("qui mixed mathach c.ses##i.sector || id: ses, cov(unstr)") == 0

    def run(line):
        s.out = io.StringIO()
        assert s.run(line) == 0, s.out.getvalue()

    grid = median_ms(lambda: run("margins sector, at(ses=(-2(0.5)2))"))
    ours_dydx = median_ms(lambda: run("margins, dydx(ses)"))

    import statsmodels.api as sm
    ses = np.asarray(s.data.column("ses"), dtype=float)
    sector = np.asarray(s.data.column("sector"), dtype=float)
    y = np.asarray(s.data.column("mathach"), dtype=float)
    X = np.column_stack([ses, sector, ses * sector, np.ones_like(ses)])
    ols = sm.GLM(y, X).fit()  # Gaussian GLM = OLS; OLSResults has no get_margeff
    peer_dydx = median_ms(lambda: ols.get_margeff(at="overall", method="dydx").summary_frame())

    print(f"{'task':<52}{'hlmshell':>12}{'statsmodels':>14}")
    print(f"{'margins sector, at(ses=(-2(0.5)2))  [18 margins]':<52}{grid:>10.1f}ms{'n/a':>14}")
    print(f"{'margins, dydx(ses) / get_margeff(dydx, overall)':<52}{ours_dydx:>10.1f}ms"
          f"{peer_dydx:>12.1f}ms")
    print("target: margins sector, at(ses=(-2(0.5)2)) <= 50 ms")


if __name__ == "__main__":
    main()
