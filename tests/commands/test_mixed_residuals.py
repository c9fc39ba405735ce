"""mixed, residuals(): estimates and likelihood against R's nlme, the table rows, e(), and
the refusals.

Reference: tests/fixtures/residuals_nlme.json, made by tests/fixtures/residuals_nlme.py
(+ residuals_nlme.R; nlme 3.1-162, tolerance 1e-10): lme with pdDiag(~time) random effects and corAR1(form = ~time|person)
on the simulated panel tests/fixtures/residuals_panel.csv (gaps in time), lme with
varIdent(form = ~1|sector) and gls with corCompSymm(form = ~1|id) on data/hsb.dta.
Tolerances: log likelihood 1e-5 absolute (both optimizers stop near 1e-7), estimates 2e-4
relative (nlme's own stopping; VarCorr prints 8 digits)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from session_helpers import hsb_session, state


ROOT = Path(__file__).resolve().parents[2]
FIX = json.loads((ROOT / "tests" / "fixtures" / "residuals_nlme.json").read_text())


def _panel():
    s = hsb_session(data=False)
    assert s.run(f"import delimited {ROOT / 'tests' / 'fixtures' / 'residuals_panel.csv'}, clear") == 0
    return s


def close(a, b, rel=2e-4):
    return abs(a - b) <= rel * max(abs(b), 1e-8)


@pytest.mark.parametrize("meth", ["ML", "REML"])
def test_ar1_matches_nlme(meth):
    ref = FIX[f"ar1_{meth}"]
    s = _panel()
    opt = " reml" if meth == "REML" else ""
    assert s.run(f"qui mixed y time || person: time, residuals(ar 1, t(time)){opt}") == 0
    fit = s.estimates.active.model
    assert abs(fit.ll - ref["ll"]) < 1e-5
    assert close(fit.beta[0], ref["beta"][1]) and close(fit.beta[1], ref["beta"][0])
    assert close(math.tanh(fit.theta[-1]), ref["rho"])
    assert close(fit.sigma2, ref["sigma2"])
    S = fit.levels[0].Sigma        # (time, _cons)
    assert close(S[1, 1], ref["var_re"][0], 1e-3) and close(S[0, 0], ref["var_re"][1], 1e-3)


@pytest.mark.parametrize("meth", ["ML", "REML"])
def test_by_matches_nlme(meth):
    ref = FIX[f"by_{meth}"]
    s = hsb_session()
    opt = " reml" if meth == "REML" else ""
    assert s.run(f"qui mixed mathach ses || id:, residuals(independent, by(sector)){opt}") == 0
    fit = s.estimates.active.model
    assert abs(fit.ll - ref["ll"]) < 1e-5
    assert close(fit.beta[1], ref["beta"][0]) and close(fit.beta[0], ref["beta"][1])
    assert close(fit.sigma2, ref["sigma2"])
    assert close(math.exp(fit.theta[-1]), ref["ratio"])
    assert close(fit.levels[0].Sigma[0, 0], ref["var_re"], 1e-3)


@pytest.mark.parametrize("meth", ["ML", "REML"])
def test_exchangeable_matches_gls(meth):
    ref = FIX[f"exch_{meth}"]
    s = hsb_session()
    opt = " reml" if meth == "REML" else ""
    assert s.run(f"qui mixed mathach ses || id:, noconstant residuals(exchangeable){opt}") == 0
    fit = s.estimates.active.model
    assert abs(fit.ll - ref["ll"]) < 1e-5
    assert close(math.tanh(fit.theta[-1]), ref["rho"])
    assert close(fit.sigma2, ref["sigma2"])


def test_table_rows_and_ereturn():
    s = hsb_session()
    start = s.out.tell()
    assert s.run("mixed mathach ses || id:, residuals(ind, by(sector)) nolog") == 0
    text = s.out.getvalue()[start:]
    assert "Residual: Independent,       |\n    by sector                |\n" \
           "                   0: var(e) |   40.27812" in text
    r = s.estimates.active
    assert r.macros["rstructure"] == "independent"
    assert r.macros["rstructlab"] == "Independent, by sector"
    assert r.macros["rbyvar"] == "sector"
    assert r.scalars["nrgroups"] == 2 and r.scalars["k_res"] == 1
    assert r.scalars["df_c"] == 2
    s = _panel()
    start = s.out.tell()
    assert s.run("mixed y time || person: time, residuals(ar 1, t(time)) nolog") == 0
    text = s.out.getvalue()[start:]
    assert "Residual: AR(1)              |\n                         rho |" in text
    r = s.estimates.active
    assert r.macros["rstructure"] == "ar" and r.macros["timevar"] == "time"
    assert list(r.model.b_names[-2:]) == ["lnsig_e:_cons", "r_atr1:_cons"]


@pytest.mark.parametrize("cmd, rc", [
    ("mixed y time || person:, residuals(ar 1)", 198),            # t() required
    ("mixed y time || person:, residuals(ar 9, t(time))", 198),   # lags beyond the data
    ("mixed y time || person:, residuals(ar, t(time))", 198),
    ("mixed y time || person:, residuals(toeplitz 1)", 198),
    ("mixed y time || person:, residuals(toeplitz 9, t(time))", 198),
    ("mixed y time || person:, residuals(ma 1)", 198),
    ("mixed y time || person:, residuals(bogus)", 198),
    ("mixed y time || person:, residuals(ind, by(person) foo(x))", 198),
    ("mixed y time [fw=person] || person:, residuals(ar 1, t(time))", 198),
    ("mixed y time || person:, residuals(ar 1, t(nosuch))", 111),
])
def test_refusals_leave_state(cmd, rc):
    s = _panel()
    before = state(s)
    assert s.run(cmd) == rc
    assert state(s) == before and s.estimates.active is None


def test_repeated_time_and_one_level_by():
    s = _panel()
    assert s.run("gen t2 = floor(time/2)") == 0
    assert s.run("mixed y time || person:, residuals(ar 1, t(t2))") == 451
    assert s.run("gen one = 1") == 0
    assert s.run("mixed y time || person:, residuals(ind, by(one))") == 198


def test_ar1_blups_and_gls_against_dense():
    """BLUPs Sigma Z' V^-1 (y - X b), beta and its VCE from the dense V_i = Z Sigma Z' + R_i
    (R_i = s2 rho^|t_i - t_j|) built per person in numpy; agreement to 1e-10."""
    import pandas as pd
    s = _panel()
    assert s.run("qui mixed y time || person: time, residuals(ar 1, t(time))") == 0
    fit = s.estimates.active.model
    d = pd.read_csv(ROOT / "tests" / "fixtures" / "residuals_panel.csv")
    u = fit.reffects(0)
    rho, s2, Sig, b = math.tanh(fit.theta[-1]), fit.sigma2, fit.levels[0].Sigma, fit.beta
    XVX = np.zeros((2, 2))
    XVy = np.zeros(2)
    for _, grp in d.groupby("person"):
        t = grp.time.to_numpy(float)
        Z = np.column_stack([t, np.ones(len(t))])
        V = Z @ Sig @ Z.T + s2 * rho ** np.abs(t[:, None] - t[None, :])
        y = grp.y.to_numpy()
        uu = Sig @ Z.T @ np.linalg.solve(V, y - Z @ b)
        assert np.abs(uu - u[grp.index[0]]).max() < 1e-10
        XVX += Z.T @ np.linalg.solve(V, Z)
        XVy += Z.T @ np.linalg.solve(V, y)
    assert np.abs(np.linalg.solve(XVX, XVy) - b).max() < 1e-10
    assert np.abs(np.linalg.inv(XVX) - fit.V_beta).max() < 1e-12


@pytest.mark.parametrize("kind, by, reml", [("ar", None, False), ("ar", None, True),
                                            ("exchangeable", None, False),
                                            ("independent", "by", True)])
def test_analytic_gradient_matches_differences(kind, by, reml):
    """StructuredLMM's gradient (theta analytic, phi through the adjoint of M_g) against
    central differences of its own value (h = 1e-5): relative agreement 1e-7."""
    import pandas as pd
    from hlmshell.models import Factor, ModelSpec, RandomLevel, Term
    from hlmshell.models.design import build_design
    from hlmshell.models.residuals import ResidualSpec, Structure, StructuredLMM
    d = pd.read_csv(ROOT / "tests" / "fixtures" / "residuals_panel.csv")
    data = {c: d[c].to_numpy(float) for c in d}
    data["by"] = data["person"] % 3
    rs = ResidualSpec(kind, 1 if kind == "ar" else 0, "time" if kind == "ar" else None, by)
    spec = ModelSpec("y", fixed=(Term((Factor("time"),)),),
                     levels=(RandomLevel("person", ("time",)),), extra={"residuals": rs})
    des = build_design(spec, data)
    sm = StructuredLMM(des, reml, Structure(rs, des, data))
    x = np.r_[0.3, 0.8, [0.4, -0.2][:sm.structure.k]]
    for fn, xx in (("deviance", x), ("m2ll", np.r_[x, 0.1])):
        _, g = getattr(sm, fn)(xx, True)
        num = [(getattr(sm, fn)(xx + e) - getattr(sm, fn)(xx - e)) / 2e-5
               for e in np.eye(len(xx)) * 1e-5]
        assert np.abs(g - num).max() < 1e-7 * np.abs(g).max()


@pytest.mark.parametrize("meth", ["ML", "REML"])
def test_exponential_and_unstructured_match_nlme(meth):
    """exponential vs lme corExp(form = ~time|person) (rho = exp(-1/range)); unstructured
    (no random effects) vs gls corSymm + varIdent(~1|time)."""
    s = _panel()
    opt = " reml" if meth == "REML" else ""
    ref = FIX[f"exp_{meth}"]
    assert s.run(f"qui mixed y time || person: time, residuals(exponential, t(time)){opt}") == 0
    fit = s.estimates.active.model
    assert abs(fit.ll - ref["ll"]) < 1e-5
    assert close(1 / (1 + math.exp(-fit.theta[-1])), ref["rho"])
    assert close(fit.sigma2, ref["sigma2"])
    ref = FIX[f"un_{meth}"]
    assert s.run(f"qui mixed y time || person:, nocons residuals(un, t(time)){opt}") == 0
    fit = s.estimates.active.model
    assert abs(fit.ll - ref["ll"]) < 1e-5
    assert close(fit.beta[0], ref["beta"][1]) and close(fit.beta[1], ref["beta"][0])
    assert close(fit.sigma2, ref["sigma2"])


def test_toeplitz_likelihood_against_dense():
    """-2 ll at the toeplitz(2) estimates recomputed from the dense V_i in numpy (ML): 1e-8."""
    import pandas as pd
    s = _panel()
    assert s.run("qui mixed y time || person: time, residuals(toeplitz 2, t(time))") == 0
    fit = s.estimates.active.model
    d = pd.read_csv(ROOT / "tests" / "fixtures" / "residuals_panel.csv")
    r = np.r_[1.0, np.tanh(fit.theta[-2:]), 0.0, 0.0, 0.0, 0.0]
    Sig, s2, b = fit.levels[0].Sigma, fit.sigma2, fit.beta
    m2ll = 0.0
    for _, grp in d.groupby("person"):
        t = grp.time.to_numpy(int)
        Z = np.column_stack([t, np.ones(len(t))])
        V = Z @ Sig @ Z.T + s2 * r[np.abs(t[:, None] - t[None, :])]
        e = grp.y.to_numpy() - Z @ b
        m2ll += np.linalg.slogdet(V)[1] + e @ np.linalg.solve(V, e) + len(t) * np.log(2 * np.pi)
    assert abs(-m2ll / 2 - fit.ll) < 1e-8 * abs(fit.ll)
    rows = s.estimates.active.model.re_table()[-1]
    assert rows.title == "Residual: Toeplitz(2)"
    assert [r.label for r in rows.rows] == ["rho1", "rho2", "var(e)"]


def test_banded_full_width_is_unstructured():
    s = _panel()
    assert s.run("qui mixed y time || person:, nocons residuals(un, t(time))") == 0
    ll = s.estimates.active.model.ll
    assert s.run("qui mixed y time || person:, nocons residuals(banded 5, t(time))") == 0
    assert abs(s.estimates.active.model.ll - ll) < 1e-7
    assert s.estimates.active.macros["rstructlab"] == "Banded(5)"


def test_estat_wcorrelation_first_group():
    """r(sd) and r(Corr) of person 1 from the dense V = Z Sigma Z' + s2 rho^|t_i - t_j|."""
    s = _panel()
    assert s.run("qui mixed y time || person: time, residuals(ar 1, t(time))") == 0
    assert s.run("estat wcorrelation") == 0
    fit = s.estimates.active.model
    t = np.arange(6.0)         # person 1 is observed at 0..5 in the fixture
    Z = np.column_stack([t, np.ones(6)])
    V = Z @ fit.levels[0].Sigma @ Z.T + fit.sigma2 * math.tanh(fit.theta[-1]) ** np.abs(
        t[:, None] - t[None, :])
    sd = np.sqrt(np.diag(V))
    assert np.allclose(s.r.matrices["sd"].values[0], sd, rtol=1e-12)
    assert np.allclose(s.r.matrices["Corr"].values, V / np.outer(sd, sd), rtol=1e-12)
    assert s.run("qui regress y time") == 0
    assert s.run("estat wcorrelation") == 321


def test_rstandard_whitens_with_the_residual_covariance():
    """predict rstandard = L^-1 e per person, R = s2 rho^|t_i - t_j| = L L' (numpy): 1e-10."""
    import pandas as pd
    s = _panel()
    assert s.run("qui mixed y time || person: time, residuals(ar 1, t(time))") == 0
    assert s.run("predict r, residuals") == 0
    assert s.run("predict rs, rstandard") == 0
    fit = s.estimates.active.model
    rho, s2 = math.tanh(fit.theta[-1]), fit.sigma2
    d = pd.read_csv(ROOT / "tests" / "fixtures" / "residuals_panel.csv")
    r, rs = s.data.column("r"), s.data.column("rs")
    for _, grp in list(d.groupby("person"))[:20]:
        t = grp.time.to_numpy(float)
        L = np.linalg.cholesky(s2 * rho ** np.abs(t[:, None] - t[None, :]))
        idx = grp.index.to_numpy()
        assert np.allclose(rs[idx], np.linalg.solve(L, r[idx]), atol=1e-10)


@pytest.mark.parametrize("spec, key", [("ar 2", "arma20_ML"), ("ma 1", "arma01_ML")])
def test_arma_match_nlme(spec, key):
    """ar 2 / ma 1 vs lme corARMA(form = ~time|person, p = 2 / q = 1) (ML)."""
    ref = FIX[key]
    s = _panel()
    assert s.run(f"qui mixed y time || person: time, residuals({spec}, t(time))") == 0
    fit = s.estimates.active.model
    assert abs(fit.ll - ref["ll"]) < 1e-5
    assert close(fit.sigma2, ref["sigma2"])
    rows = fit.re_table()[-1].rows
    assert [close(r.estimate, c) for r, c in zip(rows, ref["coef"])] == [True] * len(ref["coef"])
