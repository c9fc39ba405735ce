"""vce(robust) and vce(cluster v) after melogit/mepoisson: the sandwich against an
independent numpy derivation (tests/fixtures/glmm_robust.py → .json: its own adaptive
quadrature centred at the modes, scores by central differences of each school's ℓ_g), the
display and e() entries, lrtest refused, bad clusters."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from session_helpers import hsb_after, run_lines, state

REF = json.loads((Path(__file__).parents[1] / "fixtures" / "glmm_robust.json").read_text())
SETUP = ("egen g = group(id)", "keep if g <= 40", "gen hi = mathach > 15",
         "gen cnt = max(0, round(mathach/4))", "gen cl = floor((g-1)/4)")


@pytest.fixture(scope="module")
def s():
    return hsb_after(*SETUP)


@pytest.mark.parametrize("cmd,key", [("melogit hi", "logit"), ("mepoisson cnt", "poisson")])
@pytest.mark.parametrize("vce,se", [("vce(robust)", "se_robust"),
                                    ("vce(cluster cl)", "se_cluster")])
def test_sandwich_matches_independent_derivation(s, cmd, key, vce, se):
    """Tolerance: 2e-4 relative on the SEs (the reference centres its 7 nodes at the
    posterior modes, ours at the posterior means: the two quadratures differ by ~1e-5);
    point estimates as the OIM fit (1e-4)."""
    assert s.run(f"quietly {cmd} ses || id:, {vce}") == 0
    e = s.estimates.active
    b = e.matrices["b"].values.ravel()
    ses = np.sqrt(np.diag(e.matrices["V"].values))
    assert b == pytest.approx(REF[key]["b"], rel=1e-4)
    assert ses == pytest.approx(REF[key][se], rel=2e-4)
    assert e.macros["vcetype"] == "Robust" and e.macros["vce"] == ("robust" if "robust" in vce else "cluster")
    assert e.scalars["N_clust"] == (40 if "robust" in vce else 10)
    assert e.macros["clustvar"] == ("id" if "robust" in vce else "cl")
    assert "chi2_c" not in e.scalars


def test_robust_display_and_lrtest_refused(s):
    rc, lines = run_lines(s, "melogit hi ses || id:, vce(robust)")
    assert rc == 0
    assert "Iteration 0:   log pseudolikelihood = " in "\n".join(lines)
    assert any(ln.startswith("Log pseudolikelihood = ") for ln in lines)
    i = lines.index("(Std. err. adjusted for 40 clusters in id)".rjust(78))
    assert lines[i + 1].startswith("-----") and lines[i + 2] == " " * 13 + "|" + " " * 15 + "Robust"
    assert lines[i + 3].startswith("          hi | Coefficient  std. err.")
    assert not any(ln.startswith("LR test") for ln in lines)
    e = s.estimates.active
    # Wald chi2 from the robust V
    z = e.matrices["b"].values[0, 0] / np.sqrt(e.matrices["V"].values[0, 0])
    assert e.scalars["chi2"] == pytest.approx(z * z, rel=1e-12)
    assert s.run("estimates store rob") == 0 and s.run("quietly melogit hi || id:") == 0
    rc, lines = run_lines(s, "lrtest rob .")
    assert rc == 498 and "LR test likely invalid for models with robust vce" in lines
    rc, again = run_lines(s, "estimates replay rob")
    assert rc == 0 and "(Std. err. adjusted for 40 clusters in id)".rjust(78) in again


@pytest.mark.parametrize("cmd,code,message", [
    ("melogit hi ses || id:, vce(cluster sector)", 459,
     "highest-level groups are not nested within sector"),
    ("melogit hi ses || id:, vce(cluster one)", 459, "only one cluster in one"),
    ("melogit hi ses || id:, vce(opg)", 198, "vcetype opg not allowed"),
    ("melogit hi ses || id:, vce(cluster)", 198, "invalid vce()"),
])
def test_bad_clusters(cmd, code, message):
    s = hsb_after(*SETUP, "gen one = 1", "replace sector = mod(_n, 2)", "quietly logit hi ses")
    before, b = state(s), s.estimates.active
    rc, lines = run_lines(s, cmd)
    assert rc == code and message in "\n".join(lines)
    assert state(s) == before and s.estimates.active is b


def test_missing_cluster_values_leave_the_sample(s):
    assert s.run("gen cl2 = cl") == 0 and s.run("replace cl2 = . if g == 1") == 0
    assert s.run("quietly melogit hi ses || id:, vce(cluster cl2)") == 0
    e = s.estimates.active
    assert e.scalars["N"] == int((s.data.column("g") > 1).sum())
    assert e.scalars["N_clust"] == 10
    assert s.run("drop cl2") == 0


def test_menbreg_without_overdispersion_reaches_the_poisson_fit(s):
    """Counts less dispersed than Poisson: ln(alpha) runs off to -inf along a flat
    likelihood; the fit stops there (both criteria hold) instead of running 300 noisy
    iterations, and its fixed part is the mepoisson one (checked in this file against an
    independent derivation); tolerance 1e-4 relative."""
    assert s.run("quietly menbreg cnt ses || id:") == 0
    e = s.estimates.active
    assert e.scalars["converged"] == 1 and e.scalars["ic"] < 40
    b = e.matrices["b"].values.ravel()
    assert b[2] < -10
    assert [b[0], b[1], b[3]] == pytest.approx(REF["poisson"]["b"], rel=1e-4)


def test_single_level_logit_robust_matches_statsmodels(s):
    """Sanity check of the same rule one level down: logit, vce(robust) is statsmodels'
    HC0 sandwich times N/(N−1); vce(cluster id) its cluster sandwich times G/(G−1)
    (statsmodels' use_correction adds (N−1)/(N−K) too, so it is left off); rel 1e-6."""
    import statsmodels.api as sm
    assert s.run("quietly logit hi ses, vce(robust)") == 0
    se_r = np.sqrt(np.diag(s.estimates.active.matrices["V"].values))
    assert s.run("quietly logit hi ses, vce(cluster id)") == 0
    se_c = np.sqrt(np.diag(s.estimates.active.matrices["V"].values))
    y = np.asarray(s.data.column("hi"), dtype=float)
    X = np.column_stack([np.asarray(s.data.column("ses"), dtype=float), np.ones(len(y))])
    n = len(y)
    m = sm.Logit(y, X).fit(disp=0, cov_type="HC0")
    assert se_r == pytest.approx(np.sqrt(np.diag(m.cov_params())) * np.sqrt(n / (n - 1)),
                                 rel=1e-6)
    g = np.asarray(s.data.column("g"), dtype=int)
    m = sm.Logit(y, X).fit(disp=0, cov_type="cluster",
                           cov_kwds={"groups": g, "use_correction": False})
    assert se_c == pytest.approx(np.sqrt(np.diag(m.cov_params())) * np.sqrt(40 / 39), rel=1e-6)
