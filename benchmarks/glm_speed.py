"""glm, nbreg, logistic: hlmshell vs statsmodels (GLM, NegativeBinomial, Logit) on hsb.dta
(7,185 rows) and on 200,000 simulated rows.

Run from the repository root:  python benchmarks/glm_speed.py
Our figure is the whole command through Session.run (quietly: sample selection, design,
fit, e() and the table layout included); statsmodels' is the bare fit of the same model
(GLM.fit by IRLS with its default tolerance; NegativeBinomial by Newton; Logit by Newton).
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


def session_for(cols):
    s = Session(out=io.StringIO())
    d = Dataset()
    for name, v in cols.items():
        d.add(name, np.asarray(v, float), "double")
    s.data = d
    return s


def hsb_cols():
    import pyreadstat
    df, _ = pyreadstat.read_dta(os.path.join(ROOT, "data", "hsb.dta"))
    m = df["mathach"].to_numpy(float)
    return {"hi": (m > 15).astype(float), "cnt": np.maximum(0, np.floor(m / 4 + 0.5)),
            "nbc": np.floor(np.maximum(m, 0) ** 2 / 40 + 0.5), "pos": m + 5,
            "ses": df["ses"].to_numpy(float), "female": df["female"].to_numpy(float),
            "sector": df["sector"].to_numpy(float)}


def sim_cols(n=200_000):
    rng = np.random.default_rng(7)
    ses, female, sector = rng.normal(size=n), rng.integers(0, 2, n), rng.integers(0, 2, n)
    eta = 0.3 + 0.4 * ses - 0.2 * female + 0.3 * sector
    mu = np.exp(1 + 0.3 * ses - 0.1 * female)
    nb = rng.poisson(rng.gamma(1 / 0.6, 0.6 * mu))
    return {"hi": (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float),
            "cnt": rng.poisson(mu).astype(float), "nbc": nb.astype(float),
            "pos": rng.gamma(4.0, mu / 4.0), "ses": ses, "female": female.astype(float),
            "sector": sector.astype(float)}


def main():
    import statsmodels.api as sm
    F, L = sm.families, sm.families.links
    for label, cols in (("hsb (7,185 rows)", hsb_cols()), ("simulated (200,000 rows)", sim_cols())):
        s = session_for(cols)
        X2 = np.column_stack([cols["ses"], cols["female"], np.ones(len(cols["ses"]))])
        X3 = np.column_stack([cols["ses"], cols["female"], cols["sector"],
                              np.ones(len(cols["ses"]))])
        cases = [
            ("glm hi ses female sector, family(binomial)",
             lambda: sm.GLM(cols["hi"], X3, family=F.Binomial()).fit(), "GLM Binomial"),
            ("glm hi ses female, family(binomial) link(probit)",
             lambda: sm.GLM(cols["hi"], X2, family=F.Binomial(L.Probit())).fit(),
             "GLM Binomial probit"),
            ("glm cnt ses female, family(poisson)",
             lambda: sm.GLM(cols["cnt"], X2, family=F.Poisson()).fit(), "GLM Poisson"),
            ("glm pos ses female, family(gamma) link(log)",
             lambda: sm.GLM(cols["pos"], X2, family=F.Gamma(L.Log())).fit(), "GLM Gamma log"),
            ("glm pos ses female, family(gamma) link(log) irls",
             lambda: sm.GLM(cols["pos"], X2, family=F.Gamma(L.Log())).fit(), "GLM Gamma log"),
            ("nbreg nbc ses female",
             lambda: sm.NegativeBinomial(cols["nbc"], X2).fit(method="newton", disp=0),
             "NegativeBinomial"),
            ("logistic hi ses female sector",
             lambda: sm.Logit(cols["hi"], X3).fit(method="newton", disp=0), "Logit"),
        ]
        print(f"\n{label}")
        print(f"{'command':<52}{'hlmshell':>10}  {'statsmodels':>11}  peer")
        for line, peer, name in cases:
            assert s.run("quietly " + line) == 0, line
            t1 = median_time(lambda: s.run("quietly " + line), reps=5, warmup=True)
            t2 = median_time(peer, reps=5, warmup=True)
            print(f"{line:<52}{t1 * 1000:>8.1f}ms  {t2 * 1000:>9.1f}ms  {name}")


if __name__ == "__main__":
    main()
