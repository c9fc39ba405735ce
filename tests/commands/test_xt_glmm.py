"""xtlogit / xtprobit / xtcloglog / xtpoisson, re through the shell.

References:
- tests/fixtures/xt_glmm_lme4.json, made by tests/fixtures/xt_glmm_lme4.R: lme4's glmer
  with nAGQ = 12 (mode-curvature adaptive; ours is Stata's mean-variance adaptive rule,
  both exact to far below the tolerance at 12 points). Tolerance 1e-5 on the coefficients,
  the variance and the log likelihood (R's logLik for Poisson with nAGQ > 1 omits the
  −ln y! terms, so there only the estimates are compared).
- melogit with intpoints(12) fits the same model: identical numbers (1e-8).
- The gamma model (xtpoisson default): an independent closed form written here with
  scipy.special and maximised by scipy.optimize, and that closed form itself against
  numerical integration over the gamma density (scipy.integrate.quad).
"""
from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest

from session_helpers import hsb_after, run_lines, state

FIX = json.load(open(os.path.join(os.path.dirname(__file__), "..", "fixtures",
                                  "xt_glmm_lme4.json")))
SETUP = ("gen hi = mathach > 15", "gen cnt = max(0, round(mathach/4))",
         "encode id, gen(school)", "xtset school")


@pytest.fixture(scope="module")
def s():
    return hsb_after(*SETUP)


def _fit(s, cmd):
    rc, lines = run_lines(s, cmd)
    assert rc == 0, lines
    return s.estimates.active, lines


def _lme4(key):
    f = FIX[key]["fixef"]            # (Intercept), ses, sector -> ses, 0b.sector, 1.sector, _cons
    return np.array([f[1], 0.0, f[2], f[0]])


@pytest.mark.parametrize("cmd,key", [("xtlogit", "logit"), ("xtprobit", "probit"),
                                     ("xtcloglog", "cloglog")])
def test_binary_models_match_glmer_nagq12(s, cmd, key):
    e, _ = _fit(s, f"{cmd} hi ses i.sector, nolog")
    b = e.matrices["b"].values.ravel()
    assert e.matrices["b"].colnames == ["hi:ses", "hi:0b.sector", "hi:1.sector", "hi:_cons",
                                        "/:lnsig2u"]
    assert np.allclose(b[:4], _lme4(key), rtol=0, atol=1e-5)
    assert math.exp(b[4]) == pytest.approx(FIX[key]["var_u"], abs=1e-5)
    assert e.scalars["ll"] == pytest.approx(FIX[key]["loglik"], abs=1e-5)
    assert e.scalars["sigma_u"] == pytest.approx(math.exp(b[4] / 2), rel=1e-12)
    c = {"logit": math.pi ** 2 / 3, "probit": 1.0, "cloglog": math.pi ** 2 / 6}[key]
    su2 = e.scalars["sigma_u"] ** 2
    assert e.scalars["rho"] == pytest.approx(su2 / (su2 + c), rel=1e-12)
    assert e.scalars["n_quad"] == 12 and e.macros["intmethod"] == "mvaghermite"
    assert e.scalars["N"] == 7185 and e.scalars["N_g"] == 160
    assert (e.scalars["g_min"], e.scalars["g_max"]) == (14, 67)
    assert e.scalars["chi2_c"] == pytest.approx(2 * (e.scalars["ll"] - e.scalars["ll_c"]))


def test_xtpoisson_normal_matches_glmer(s):
    e, _ = _fit(s, "xtpoisson cnt ses i.sector, normal nolog")
    b = e.matrices["b"].values.ravel()
    assert e.matrices["b"].colnames[-1] == "/:lnsig2u" and e.macros["distrib"] == "Gaussian"
    assert np.allclose(b[:4], _lme4("poisson"), rtol=0, atol=1e-5)
    assert math.exp(b[4]) == pytest.approx(FIX["poisson"]["var_u"], abs=1e-5)
    assert "rho" not in e.scalars


def test_xtlogit_equals_melogit_intpoints12(s):
    """The same model and rule: identical estimates; e(V) of /lnsig2u is the delta method
    from melogit's var(_cons) (d ln v = dv / v)."""
    me, _ = _fit(s, "melogit hi ses i.sector || school:, intpoints(12)")
    bm, Vm = me.matrices["b"].values.ravel(), me.matrices["V"].values
    xt, lines = _fit(s, "xtlogit hi ses i.sector, re")
    bx, Vx = xt.matrices["b"].values.ravel(), xt.matrices["V"].values
    assert np.allclose(bx[:4], bm[:4], rtol=0, atol=1e-8)
    assert bx[4] == pytest.approx(math.log(bm[4]), abs=1e-8)
    assert np.allclose(Vx[:4, :4], Vm[:4, :4], rtol=1e-6, atol=1e-12)
    assert Vx[4, 4] == pytest.approx(Vm[4, 4] / bm[4] ** 2, rel=1e-6)
    assert xt.scalars["ll"] == pytest.approx(me.scalars["ll"], abs=1e-8)
    text = "\n".join(lines)
    assert "Fitting comparison model:" in lines and "Fitting full model:" in lines
    assert "Random effects u_i ~ Gaussian                   Obs per group:" in lines
    assert "Integration method: mvaghermite                 Integration pts.  =         12" \
        in lines
    assert any(ln.startswith("    /lnsig2u |  -1.21417") for ln in lines)
    assert any(ln.startswith("     sigma_u |   .54493") for ln in lines)
    assert any(ln.startswith("         rho |   .08279") for ln in lines)
    lr = next(ln for ln in lines if ln.startswith("LR test of rho=0"))
    assert lr == "LR test of rho=0: chibar2(01) = 182.97" + " " * 17 + "Prob >= chibar2 = 0.000"
    assert lr.index("Prob") == 55             # _col(56)
    assert "Log likelihood  = -4405.4225                    Prob > chi2       =     0.0000" \
        in text


# ------------------------------------------------------------------- gamma (xtpoisson re)
def _gamma_ll(params, X, y, g):
    """Independent form: per panel, the negative-binomial-type marginal
    Π_t λ^y/y! · Γ(θ+Y)/Γ(θ) · θ^θ (θ+Λ)^-(θ+Y), θ = 1/α."""
    from scipy.special import gammaln
    beta, a = params[:-1], math.exp(params[-1])
    th = 1 / a
    lam = np.exp(X @ beta)
    total = 0.0
    for i in np.unique(g):
        yi, li = y[g == i], lam[g == i]
        Y, L = yi.sum(), li.sum()
        total += (np.sum(yi * np.log(li) - gammaln(yi + 1)) + gammaln(th + Y) - gammaln(th)
                  + th * np.log(th) - (th + Y) * np.log(th + L))
    return total


def test_gamma_closed_form_is_the_integral():
    """The closed form against ∫ Π_t Poisson(y_t; ν λ_t) Gamma(ν; 1/α, α) dν by quad."""
    from scipy import integrate
    from scipy.special import gammaln
    y = np.array([0.0, 2, 5, 1])
    lam = np.array([0.7, 1.9, 3.2, 1.1])
    a = 0.4
    c = float(np.sum(y * np.log(lam) - gammaln(y + 1))) - gammaln(1 / a) - math.log(a) / a
    Y, L = float(y.sum()), float(lam.sum())
    # Poisson likelihood of the panel times the Gamma(shape 1/α, scale α) density of ν
    f = lambda nu: math.exp(c + Y * math.log(nu) - nu * L + (1 / a - 1) * math.log(nu)
                            - nu / a) if nu > 0 else 0.0
    val = integrate.quad(f, 0, np.inf, epsabs=1e-13, epsrel=1e-11)[0]
    X = np.log(lam)[:, None]
    assert _gamma_ll(np.array([1.0, math.log(a)]), X, y, np.zeros(4, int)) == \
        pytest.approx(math.log(val), abs=1e-9)


def test_xtpoisson_gamma_matches_independent_maximisation():
    from scipy.optimize import minimize
    from session_helpers import data_session
    rng = np.random.default_rng(7)
    G, T = 30, 6
    g = np.repeat(np.arange(G), T)
    x = rng.normal(size=G * T)
    nu = rng.gamma(2.0, 0.5, size=G)
    y = rng.poisson(np.exp(0.3 + 0.5 * x) * nu[g]).astype(float)
    s, _ = data_session({"id": ("int", g.astype(float) + 1), "x": ("float", x.astype(np.float32)
                                                                   .astype(float)),
                         "y": ("int", y)})
    assert s.run("xtset id") == 0
    e, lines = _fit(s, "xtpoisson y x")
    X = np.column_stack([s.data.column("x"), np.ones(G * T)])
    res = minimize(lambda p: -_gamma_ll(p, X, y, g), np.array([0.0, 0.0, 0.0]),
                   method="BFGS", options={"gtol": 1e-9})
    b = e.matrices["b"].values.ravel()
    assert e.matrices["b"].colnames == ["y:x", "y:_cons", "/:lnalpha"]
    assert np.allclose(b, res.x, rtol=0, atol=1e-5)
    assert e.scalars["ll"] == pytest.approx(-res.fun, abs=1e-7)
    assert e.scalars["alpha"] == pytest.approx(math.exp(b[2]), rel=1e-12)
    # e(V): inverse of the numerical Hessian of the independent form (1e-4 relative)
    h = 1e-4
    H = np.zeros((3, 3))
    f = lambda p: _gamma_ll(p, X, y, g)
    for i in range(3):
        for j in range(3):
            ei, ej = np.eye(3)[i] * h, np.eye(3)[j] * h
            H[i, j] = (f(b + ei + ej) - f(b + ei - ej) - f(b - ei + ej) + f(b - ei - ej)) / (4 * h * h)
    assert np.allclose(e.matrices["V"].values, np.linalg.inv(-H), rtol=1e-4, atol=1e-7)
    assert "Random effects u_i ~ Gamma" in "\n".join(lines)
    assert any(ln.startswith("LR test of alpha=0: chibar2(01) = ") for ln in lines)
    assert not any("Integration" in ln for ln in lines)


# ----------------------------------------------------------------------------- predict
def test_predict_xb_pu0_pr(s):
    from scipy import integrate
    from scipy.special import expit
    _fit(s, "xtlogit hi ses, nolog")
    for cmd in ("predict xbv", "predict p0, pu0", "predict pm, pr"):
        assert s.run(cmd) == 0
    e = s.estimates.active
    b = e.matrices["b"].values.ravel()
    xb = b[0] * s.data.column("ses") + b[1]
    assert np.allclose(s.data.column("xbv"), xb, atol=1e-6)           # float storage
    assert np.allclose(s.data.column("p0"), expit(xb), atol=1e-6)
    su = e.scalars["sigma_u"]
    i = int(np.argmax(xb))
    ref = integrate.quad(lambda u: expit(xb[i] + u) * math.exp(-u * u / (2 * su * su))
                         / math.sqrt(2 * math.pi) / su, -12 * su, 12 * su, epsabs=1e-13)[0]
    assert s.data.column("pm")[i] == pytest.approx(ref, abs=1e-6)
    rc, _ = run_lines(s, "predict zz, reffects")
    assert rc == 198


def test_probit_marginal_pr_closed_form():
    from scipy.special import ndtr
    from hlmshell.postest.predict_xt import marginal_pr
    eta = np.linspace(-3, 3, 7)
    # the closed form Φ(η/√(1+σ²)) against the Gauss–Hermite path of the other links
    gh = marginal_pr("logit", eta * 0, 0.0)
    assert np.allclose(gh, 0.5)
    assert np.allclose(marginal_pr("probit", eta, 0.8), ndtr(eta / math.sqrt(1.64)))


# ------------------------------------------------------------------------- bad input
ERRORS = [
    ("xtprobit hi ses, fe", 198), ("xtpoisson cnt ses, fe", 198), ("xtlogit hi ses, pa re", 198),
    ("xtlogit hi ses, fe intpoints(7)", 198), ("xtlogit hi, fe", 102),
    ("xtnbreg cnt ses, fe", 198), ("xtnbreg cnt ses, intpoints(7)", 198),
    ("xtlogit hi ses, re fe", 198),
    ("xtlogit hi ses, intpoints(3)", 198), ("xtlogit hi ses, intmethod(laplace)", 198),
    ("xtpoisson cnt ses, intpoints(7)", 198), ("xtlogit hi ses, vce(robust)", 198),
    ("xtlogit hi ses [fw=size]", 101), ("xtlogit ses hi", 2000), ("xtlogit hi ses if 0", 2000),
    ("xtpoisson cnt ses, exposure(ses)", 459), ("xtlogit nosuch ses", 111),
    ("xtprobit id ses", 109), ("xtcloglog hi ses, or", 198)]


def test_errors_leave_state(s):
    _fit(s, "xtprobit hi ses, nolog")
    before, active = state(s), s.estimates.active
    for cmd, code in ERRORS:
        rc, _ = run_lines(s, cmd)
        assert rc == code, cmd
        assert s.estimates.active is active, cmd
    assert state(s) == before


def test_panel_not_set():
    t = hsb_after("gen hi = mathach > 15")
    rc, lines = run_lines(t, "xtlogit hi ses")
    assert rc == 459 and "panel variable not set; use xtset varname ..." in lines


def test_replay_and_nocons(s):
    _fit(s, "xtprobit hi ses, nolog")
    rc, lines = run_lines(s, "xtprobit, level(90)")
    assert rc == 0 and any("[90% conf. interval]" in ln for ln in lines)
    rc, _ = run_lines(s, "xtlogit")
    assert rc == 301
    e, _ = _fit(s, "xtlogit hi ses, nocons nolog")
    assert e.matrices["b"].colnames == ["hi:ses", "/:lnsig2u"]


def test_margins_xb_only(s):
    """margins' default after xtlogit (pr marginal over u_i) is not built: refused, and
    predict(xb) is the linear prediction at the estimates."""
    e, _ = _fit(s, "xtlogit hi ses, nolog")
    before = state(s)
    rc, _ = run_lines(s, "margins")
    assert rc == 198 and state(s) == before
    rc, _ = run_lines(s, "margins, predict(xb)")
    assert rc == 0
    b = e.matrices["b"].values.ravel()
    assert s.last_margins.b[0] == pytest.approx(b[0] * np.mean(s.data.column("ses")) + b[1],
                                                 abs=1e-9)


# ---------------------------------------------------------------------- xtlogit, fe
def test_xtlogit_fe_notes_e_and_layout(s):
    cmd = "xtlogit hi ses female i.sector if school < 40 | mathach > 20, fe"
    e, lines = _fit(s, cmd)
    i = lines.index("note: multiple positive outcomes within groups encountered.")
    assert lines[i + 1:i + 4] == [
        "note: 114 groups (947 obs) dropped because of all positive or",
        "      all negative outcomes.",
        "note: 1.sector omitted because of no within-group variance."]
    assert e.cmd == "clogit" and e.macros["cmd2"] == "xtlogit" and e.macros["model"] == "fe"
    assert e.scalars["N"] == 1732 and e.scalars["N_g"] == 39 and e.scalars["N_drop"] == 947
    assert e.matrices["b"].colnames == ["hi:ses", "hi:female", "hi:0b.sector", "hi:1o.sector"]
    assert e.scalars["chi2"] == pytest.approx(2 * (e.scalars["ll"] - e.scalars["ll_0"]))
    assert "Conditional fixed-effects logistic regression   Number of obs     =      1,732" \
        in lines
    assert " " * 48 + "Obs per group:" in lines
    assert any(ln.startswith(" " * 48 + "LR chi2(2)        =") for ln in lines)
    # the same estimates as statsmodels' ConditionalLogit on the rows e(sample) kept
    from statsmodels.discrete.conditional_models import ConditionalLogit
    rows = np.flatnonzero(e.sample)
    X = np.column_stack([s.data.column("ses")[rows], s.data.column("female")[rows]])
    ref = ConditionalLogit(s.data.column("hi")[rows], X,
                           groups=s.data.column("school")[rows]).fit(disp=0)
    b = e.matrices["b"].values.ravel()
    assert np.allclose(b[:2], ref.params, atol=1e-4)
    assert e.scalars["ll"] == pytest.approx(ref.llf, abs=1e-6)
    rc, _ = run_lines(s, "predict pc")
    assert rc == 0
    pc = s.data.column("pc")
    school = s.data.column("school")
    assert sum(pc[school == 5]) == pytest.approx(1.0, abs=1e-5)     # float storage
    rc, _ = run_lines(s, "predict prx, pr")
    assert rc == 198
    rc, lines = run_lines(s, "xtlogit")
    assert rc == 0 and any(ln.startswith("Conditional fixed-effects") for ln in lines)


def test_variance_at_its_boundary_shows_missing_not_an_error():
    """No overdispersion left: ln alpha runs off towards −inf and its CI's upper end
    overflows; the table shows it as missing (found by the fuzz campaign)."""
    from fuzz_commands import fresh_session
    t = fresh_session(3)
    assert t.run("gen b = y > 1") == 0 and t.run("xtset g") == 0
    rc, lines = run_lines(t, "xtpoisson b g x y")
    assert rc in (0, 430)
    assert not any("internal error" in ln for ln in lines)
    row = next(ln for ln in lines if ln.startswith("       alpha |"))
    assert row.endswith(".")


# ----------------------------------------------------------------- xtnbreg (beta effects)
def _beta_nb_ll(params, X, y, g):
    """Independent form: per panel, Π_t C(λ+y−1, y)-type NB terms times
    B(r + Λ, s + Y) / B(r, s) (the Beta(r, s) mixing of the NB probability)."""
    from scipy.special import betaln, gammaln
    k = X.shape[1]
    beta, r, s = params[:k], math.exp(params[k]), math.exp(params[k + 1])
    lam = np.exp(X @ beta)
    total = 0.0
    for i in np.unique(g):
        li, yi = lam[g == i], y[g == i]
        total += (np.sum(gammaln(li + yi) - gammaln(li) - gammaln(yi + 1))
                  + betaln(r + li.sum(), s + yi.sum()) - betaln(r, s))
    return total


def test_beta_nb_closed_form_is_the_integral():
    """∫ Π_t NB(y_t; λ_t, p) Beta(p; r, s) dp by quad against the closed form."""
    from scipy import integrate, stats
    y = np.array([0.0, 3, 1, 4])
    lam = np.array([0.8, 2.5, 1.2, 3.0])
    r, s = 3.0, 2.0
    f = lambda p: np.prod(stats.nbinom.pmf(y, lam, p)) * stats.beta.pdf(p, r, s)
    val = integrate.quad(f, 0, 1, epsabs=1e-14, epsrel=1e-11)[0]
    X = np.log(lam)[:, None]
    assert _beta_nb_ll(np.array([1.0, math.log(r), math.log(s)]), X, y,
                       np.zeros(4, int)) == pytest.approx(math.log(val), abs=1e-9)


def test_xtnbreg_matches_independent_maximisation():
    from scipy.optimize import minimize
    from session_helpers import data_session
    rng = np.random.default_rng(11)
    G, T = 40, 5
    g = np.repeat(np.arange(G), T)
    x = rng.normal(size=G * T).astype(np.float32).astype(float)
    p = rng.beta(6.0, 3.0, size=G)
    lam = np.exp(0.8 + 0.4 * x)
    y = rng.negative_binomial(lam, p[g]).astype(float)
    s, _ = data_session({"id": ("int", g.astype(float) + 1), "x": ("float", x),
                         "y": ("int", y)})
    assert s.run("xtset id") == 0
    e, lines = _fit(s, "xtnbreg y x")
    X = np.column_stack([x, np.ones(G * T)])
    res = minimize(lambda q: -_beta_nb_ll(q, X, y, g), np.array([0.0, 0.0, 1.0, 1.0]),
                   method="BFGS", options={"gtol": 1e-8})
    b = e.matrices["b"].values.ravel()
    assert e.matrices["b"].colnames == ["y:x", "y:_cons", "/:ln_r", "/:ln_s"]
    assert np.allclose(b, res.x, rtol=0, atol=1e-4)
    assert e.scalars["ll"] == pytest.approx(-res.fun, abs=1e-6)
    assert (e.scalars["r"], e.scalars["s"]) == pytest.approx((math.exp(b[2]), math.exp(b[3])))
    assert "Random effects u_i ~ Beta" in "\n".join(lines)
    assert any(ln.startswith("LR test vs. pooled: chibar2(01) = ") for ln in lines)
    assert any(ln.startswith("           r |") for ln in lines)
    assert e.scalars["chi2_c"] == pytest.approx(2 * (e.scalars["ll"] - e.scalars["ll_c"]))


def test_xtnbreg_comparison_model_is_pooled_nb1():
    """e(ll_c): nbreg, dispersion(constant), against statsmodels' NB1 (1e-6)."""
    import statsmodels.api as sm
    from session_helpers import data_session
    rng = np.random.default_rng(5)
    G, T = 30, 6
    g = np.repeat(np.arange(G), T)
    x = rng.normal(size=G * T).astype(np.float32).astype(float)
    y = rng.negative_binomial(np.exp(0.5 + 0.3 * x), rng.beta(5.0, 3.0, size=G)[g]).astype(float)
    s, _ = data_session({"id": ("int", g.astype(float) + 1), "x": ("float", x),
                         "y": ("int", y)})
    assert s.run("xtset id") == 0
    e, _ = _fit(s, "xtnbreg y x, nolog")
    ref = sm.NegativeBinomial(y, sm.add_constant(x), loglike_method="nb1").fit(
        disp=0, method="newton", maxiter=200)
    assert e.scalars["ll_c"] == pytest.approx(ref.llf, abs=1e-6)


def test_offset_matches_melogit_and_enters_predict(s):
    assert s.run("capture drop off1") == 0 and s.run("gen off1 = female / 2") == 0
    me, _ = _fit(s, "melogit hi ses || school:, offset(off1) intpoints(12)")
    xt, _ = _fit(s, "xtlogit hi ses, offset(off1) nolog")
    bm, bx = me.matrices["b"].values.ravel(), xt.matrices["b"].values.ravel()
    assert np.allclose(bx[:2], bm[:2], atol=1e-8)
    assert xt.macros["offset"] == "off1" and xt.scalars["ll"] == pytest.approx(me.scalars["ll"])
    assert s.run("predict xbo") == 0
    want = bx[0] * s.data.column("ses") + bx[1] + s.data.column("off1")
    assert np.allclose(s.data.column("xbo"), want, atol=1e-6)
