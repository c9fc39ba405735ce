"""predict after melogit/mepoisson/menbreg: marginal, density, distribution, pearson,
deviance, anscombe and scores, each against an independent computation (scipy's
integrate.quad and scipy.stats over the model's own estimates, or plain formulas)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from session_helpers import hsb_after, run_lines, state

SETUP = ("egen g = group(id)", "keep if g <= 40", "gen hi = mathach > 15",
         "gen cnt = max(0, round(mathach/4))", "gen od = round(mathach^2/30)")


@pytest.fixture(scope="module")
def s():
    return hsb_after(*SETUP)


def col(s, name):
    return np.asarray(s.data.column(name), dtype=float)


def drop(s, *names):
    assert s.run("drop " + " ".join(names)) == 0


def test_marginal_probability_is_the_integral_over_the_random_intercept(s):
    """quad of expit(xb + u) N(u; 0, var) for 8 rows; tolerance 1e-7 absolute (the
    prediction is stored as double)."""
    assert s.run("quietly melogit hi ses || id:") == 0
    assert s.run("predict double m, marginal intpoints(30)") == 0
    assert s.run("predict double xb, xb") == 0
    var = s.estimates.active.matrices["b"].values[0, -1]
    sd = math.sqrt(var)
    xb, m = col(s, "xb"), col(s, "m")
    for i in range(0, len(xb), len(xb) // 8):
        f = lambda u: 1 / (1 + math.exp(-(xb[i] + sd * u))) * stats.norm.pdf(u)
        assert m[i] == pytest.approx(integrate.quad(f, -12, 12, epsabs=1e-12)[0], abs=1e-7)
    # by default the estimation's 7 points, as Stata's predict: numpy's own 7-point rule
    assert s.run("predict double m7, marginal") == 0
    t, w = np.polynomial.hermite_e.hermegauss(7)
    want = (1 / (1 + np.exp(-(xb[:, None] + sd * t[None, :])))) @ (w / w.sum())
    assert col(s, "m7") == pytest.approx(want, rel=1e-12)
    assert 0 < np.max(np.abs(col(s, "m7") - m)) < 1e-5
    drop(s, "m7")
    # the marginal mean is flatter than the conditional one at zero random effect
    assert np.all(np.abs(m - 0.5) <= np.abs(1 / (1 + np.exp(-xb)) - 0.5) + 1e-12)
    drop(s, "m", "xb")


def test_density_distribution_and_residuals_after_melogit(s):
    assert s.run("quietly melogit hi ses || id:") == 0
    for cmd in ("predict double p", "predict double d, density",
                "predict double F, distribution", "predict double r, pearson",
                "predict double v, deviance", "predict double a, anscombe",
                "predict double dm, density marginal", "predict double m, marginal"):
        assert s.run(cmd) == 0, cmd
    y, p = col(s, "hi"), col(s, "p")
    assert col(s, "d") == pytest.approx(np.where(y == 1, p, 1 - p), abs=1e-12)
    assert col(s, "F") == pytest.approx(np.where(y == 1, 1.0, 1 - p), abs=1e-12)
    assert col(s, "dm") == pytest.approx(np.where(y == 1, col(s, "m"), 1 - col(s, "m")),
                                         abs=1e-12)
    assert col(s, "r") == pytest.approx((y - p) / np.sqrt(p * (1 - p)), rel=1e-10)
    dev = np.sign(y - p) * np.sqrt(-2 * np.log(np.where(y == 1, p, 1 - p)))
    assert col(s, "v") == pytest.approx(dev, rel=1e-10)
    # Anscombe: A(x) = ∫_0^x t^(-1/3) (1-t)^(-1/3) dt by quadrature, for a few rows
    A = lambda x: integrate.quad(lambda t: t ** (-1 / 3) * (1 - t) ** (-1 / 3), 0, x)[0]
    a = col(s, "a")
    for i in range(0, len(y), len(y) // 6):
        want = (A(y[i]) - A(p[i])) / (p[i] * (1 - p[i])) ** (1 / 6)
        assert a[i] == pytest.approx(want, rel=1e-7)
    drop(s, "p", "d", "F", "r", "v", "a", "dm", "m")


def test_poisson_and_nbinomial_densities_and_residuals(s):
    assert s.run("quietly mepoisson cnt ses || id:") == 0
    for cmd in ("predict double mu", "predict double d, density",
                "predict double F, distribution", "predict double r, pearson",
                "predict double v, deviance", "predict double a, anscombe",
                "predict double mf, fixedonly", "predict double df, density fixedonly"):
        assert s.run(cmd) == 0, cmd
    y, mu = col(s, "cnt"), col(s, "mu")
    assert col(s, "d") == pytest.approx(stats.poisson.pmf(y, mu), rel=1e-10)
    assert col(s, "df") == pytest.approx(stats.poisson.pmf(y, col(s, "mf")), rel=1e-10)
    assert col(s, "F") == pytest.approx(stats.poisson.cdf(y, mu), rel=1e-10)
    assert col(s, "r") == pytest.approx((y - mu) / np.sqrt(mu), rel=1e-10)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = 2 * (np.where(y > 0, y * np.log(y / mu), 0) - (y - mu))
    assert col(s, "v") == pytest.approx(np.sign(y - mu) * np.sqrt(d), rel=1e-9, abs=1e-12)
    assert col(s, "a") == pytest.approx(1.5 * (y ** (2 / 3) - mu ** (2 / 3)) / mu ** (1 / 6),
                                        rel=1e-10)
    drop(s, "mu", "d", "F", "r", "v", "a", "mf", "df")
    assert s.run("quietly menbreg od ses || id:") == 0
    assert s.run("predict double mu") == 0 and s.run("predict double d, density") == 0
    assert s.run("predict double F, distribution") == 0
    alpha = math.exp(s.estimates.active.matrices["b"].values[0, 2])
    y, mu = col(s, "od"), col(s, "mu")
    r, pr = 1 / alpha, 1 / (1 + alpha * mu)
    assert col(s, "d") == pytest.approx(stats.nbinom.pmf(y, r, pr), rel=1e-9)
    assert col(s, "F") == pytest.approx(stats.nbinom.cdf(y, r, pr), rel=1e-9)
    drop(s, "mu", "d", "F")


def test_scores_reproduce_the_robust_vce(s):
    """The group scores in e(b)'s metric: they sum to ~0 at the maximum, and
    G/(G-1) V S'S V with the OIM V is the vce(robust) V (checked itself against an
    independent derivation in tests/commands/test_me_robust.py); rel 1e-6."""
    assert s.run("quietly melogit hi ses || id:") == 0
    V = s.estimates.active.matrices["V"].values
    rc, lines = run_lines(s, "predict double sc*, scores")
    assert rc == 0 and "(1,745 missing values generated)" in lines
    S = np.column_stack([col(s, f"sc{j}") for j in (1, 2, 3)])
    S = S[~np.isnan(S[:, 0])]
    assert S.shape == (40, 3)
    assert np.abs(S.sum(0)).max() < 1e-3
    assert s.run("quietly melogit hi ses || id:, vce(robust)") == 0
    Vr = s.estimates.active.matrices["V"].values
    assert 40 / 39 * V @ S.T @ S @ V == pytest.approx(Vr, rel=1e-6)
    assert s.data.var("sc3").label == "score for _b[/:var(_cons[id])]"
    drop(s, "sc1", "sc2", "sc3")


@pytest.mark.parametrize("cmd,message", [
    ("predict x, pearson marginal", "option marginal not allowed with pearson"),
    ("predict x, marginal conditional(fixedonly)",
     "options marginal and conditional() may not be combined"),
    ("predict x, eta marginal", "option marginal not allowed with eta"),
    ("predict x, density pearson", "only one statistic may be specified"),
    ("predict x, scores", "you must specify 3 new variables"),
])
def test_refusals(s, cmd, message):
    assert s.run("quietly melogit hi ses || id:") == 0
    before = state(s)
    rc, lines = run_lines(s, cmd)
    assert rc in (102, 198) and message in "\n".join(lines)
    assert state(s) == before


def test_single_level_models_keep_refusing(s):
    assert s.run("quietly logit hi ses") == 0
    for opt in ("marginal", "density", "pearson", "scores"):
        rc, lines = run_lines(s, f"predict x, {opt}")
        assert rc == 198 and f"option {opt} not allowed" in lines


def test_marginal_means_in_closed_form(s):
    """intpoints(30): probit E[Φ(xb + u)] = Φ(xb/√(1+σ²)); Poisson: E[exp(xb + u)] = exp(xb + σ²/2);
    random slope (q = 2, intpoints(15): 15² nodes, independent): E[exp(xb + z'u)] = exp(xb + z'Σz/2). Tolerances
    1e-9 (one effect) and 1e-7 (two) relative."""
    from scipy.stats import norm
    assert s.run("quietly meprobit hi ses || id:") == 0
    assert s.run("predict double m, marginal intp(30)") == 0 and s.run("predict double xb, xb") == 0
    var = s.estimates.active.matrices["b"].values[0, -1]
    assert col(s, "m") == pytest.approx(norm.cdf(col(s, "xb") / math.sqrt(1 + var)), rel=1e-9)
    drop(s, "m", "xb")
    assert s.run("quietly mepoisson cnt ses || id:") == 0
    assert s.run("predict double m, marginal intp(30)") == 0
    assert s.run("predict double xb, xb") == 0
    var = s.estimates.active.matrices["b"].values[0, -1]
    assert col(s, "m") == pytest.approx(np.exp(col(s, "xb") + var / 2), rel=1e-9)
    drop(s, "m", "xb")
    assert s.run("quietly mepoisson cnt ses || id: ses, cov(ind)") == 0
    assert s.run("predict double m, marginal intp(15)") == 0 and s.run("predict double xb, xb") == 0
    b = s.estimates.active.matrices["b"].values.ravel()
    v1, v0 = b[2], b[3]                          # var(ses), var(_cons)
    z = col(s, "ses")
    quad = v1 * z * z + v0
    assert col(s, "m") == pytest.approx(np.exp(col(s, "xb") + quad / 2), rel=1e-7)
    drop(s, "m", "xb")


def test_reffects_with_reses_names(s):
    """Stata 14+'s form `predict r*, reffects reses(se*)` gives both sets (the older
    `predict s*, reses` still works): the same numbers either way."""
    assert s.run("quietly melogit hi ses || id:") == 0
    assert s.run("predict double r*, reffects reses(se*)") == 0
    assert s.run("predict double u*, reffects") == 0 and s.run("predict double us*, reses") == 0
    assert np.array_equal(col(s, "r1"), col(s, "u1"), equal_nan=True)
    assert np.array_equal(col(s, "se1"), col(s, "us1"), equal_nan=True)
    assert s.data.var("se1").label == "S.E. of empirical Bayes' means for _cons[id]"
    rc, lines = run_lines(s, "predict q*, reses(w*)")
    assert rc == 198 and "option reses() requires option reffects" in lines
    drop(s, "r1", "se1", "u1", "us1")


def test_messages_as_meglm_p_prints_them(s):
    """meglm_p.ado: `(calculating posterior means of random effects)` for reffects, the
    `(predictions based on …)` line for eta too, nothing for fixedonly or marginal; pr
    only for a Bernoulli family."""
    assert s.run("quietly mepoisson cnt ses || id:") == 0
    rc, lines = run_lines(s, "predict r, reffects")
    assert rc == 0 and "(calculating posterior means of random effects)" in lines
    rc, lines = run_lines(s, "predict e, eta")
    assert "(predictions based on fixed effects and posterior means of random effects)" \
        in lines
    rc, lines = run_lines(s, "predict f, conditional(fixedonly)")
    assert rc == 0 and not any(ln.startswith("(predictions") for ln in lines)
    rc, lines = run_lines(s, "predict m, marginal")
    assert rc == 0 and not any(ln.startswith("(predictions") for ln in lines)
    rc, lines = run_lines(s, "predict p, pr")
    assert rc == 198 and "statistic pr not available with poisson family" in lines
    drop(s, "r", "e", "f", "m")
