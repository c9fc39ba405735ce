"""me* postestimation speed: vce(robust) and predict, marginal, with a peer in the same run.

Run from the repository root:  python benchmarks/me_post_speed.py [reps]
1. `melogit hi ses i.sector || id:` on the handout data (hi = mathach > 15), with the
   default VCE and with vce(robust): the median time of the whole command, so the second
   line minus the first is the cost of the sandwich (per-school scores by central
   differences of each school's integrated log likelihood, one more Hessian). Peer:
   statsmodels' GEE logit with an exchangeable working correlation and its robust
   (sandwich) VCE clustered on the schools — a population-averaged model, not the same
   estimator, shown for the scale of a cluster-robust binary fit on these data.
2. `predict p, marginal` (the estimation's 7-point Gauss–Hermite per row) next to the
   same model's conditional `predict p` (empirical Bayes means): the cost of integrating
   out the random effect for 7,185 rows.
"""
from __future__ import annotations

import io
import os
import sys
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hlmshell.session import Session  # noqa: E402
from timing import median_time  # noqa: E402


def gee_time(reps):
    import pyreadstat
    import statsmodels.api as sm
    df, _ = pyreadstat.read_dta(os.path.join(ROOT, "data", "hsb.dta"))
    y = (df["mathach"] > 15).astype(float).to_numpy()
    X = np.column_stack([np.ones_like(y), df["ses"].to_numpy(),
                         (df["sector"] == 1).astype(float).to_numpy()])
    _, g = np.unique(df["id"].to_numpy(), return_inverse=True)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sm.GEE(y, X, groups=g, family=sm.families.Binomial(),
                   cov_struct=sm.cov_struct.Exchangeable()).fit()
    return median_time(run, reps, warmup=True)


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    s = Session(out=io.StringIO())
    s.run("use data/hsb.dta")
    s.run("gen hi = mathach > 15")
    base = "quietly melogit hi ses i.sector || id:"
    t_oim = median_time(lambda: s.run(base), reps, warmup=True)
    t_rob = median_time(lambda: s.run(base + ", vce(robust)"), reps, warmup=True)
    t_gee = gee_time(reps)
    print("melogit hi ses i.sector || id:   (7,185 rows, 160 schools, 7 points)")
    print(f"  hlmshell, vce(oim)                      {t_oim * 1000:8.1f} ms")
    print(f"  hlmshell, vce(robust)                   {t_rob * 1000:8.1f} ms   "
          f"(sandwich {1000 * (t_rob - t_oim):.1f} ms)")
    print(f"  statsmodels GEE exchangeable, robust    {t_gee * 1000:8.1f} ms")
    s.run(base)

    def pred(opt):
        def run():
            s.run(f"quietly predict double p{opt}")
            s.run("drop p")
        return run
    t_cond = median_time(pred(""), reps, warmup=True)
    t_marg = median_time(pred(", marginal"), reps, warmup=True)
    print("predict after it (7,185 rows)")
    print(f"  predict p (EB means, conditional)       {t_cond * 1000:8.1f} ms")
    print(f"  predict p, marginal (7 points)          {t_marg * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
