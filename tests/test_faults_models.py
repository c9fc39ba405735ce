"""Models that cannot be fitted, or only degenerately: each gets Stata's message and r() code
(with data, estimates and r() untouched), or a fit that says honestly what happened.

The data are fuzz_commands.fresh_session's small two-level set (120 rows, 12 groups `g` of
10) plus a few degenerate columns."""
from __future__ import annotations

import math

import numpy as np
import pytest

from fuzz_commands import fingerprint, fresh_session

N = 120


def make_session():
    s = fresh_session(0)
    d = s.data
    rng = np.random.default_rng(1)
    g = d.column("g").astype(int)
    x = d.column("x")
    d.add("c", np.ones(N), "float")                              # constant
    d.add("x2", 2 * x, "float")                                  # collinear with x
    d.add("lev2", rng.normal(size=12)[g], "float")               # constant within g
    d.add("obs", np.arange(N, dtype=float), "int")               # groups of one
    d.add("two", (np.arange(N) % 2).astype(float), "byte")       # two groups
    d.add("miss", np.full(N, np.nan), "float")                   # all missing
    d.add("y0", 1 + 0.5 * x + rng.normal(size=N), "float")       # no group effect at all
    d.add("ycon", np.full(N, 3.0), "float")                      # constant outcome
    d.add("k", (np.arange(N) // 40).astype(float), "byte")       # 3 groups, g nested in k
    d.changed = False
    return s


@pytest.fixture
def session():
    s = make_session()
    assert s.run("quietly mixed y x || g:") == 0
    assert s.run("summarize x") == 0  # some r() to keep
    return s


def run(session, line):
    start = session.out.tell()
    rc = session.execute(line)
    return rc, session.out.getvalue()[start:]


def assert_fails(session, line, code, message):
    """The command ends with `message` and r(code) and changes nothing."""
    before = fingerprint(session)
    active = session.estimates.active
    rc, text = run(session, line)
    assert rc == code, text
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert lines[-2:] == [message, f"r({code});"], text
    assert "Traceback" not in text and "internal error" not in text
    assert fingerprint(session) == before
    assert session.estimates.active is active


def fit_ok(session, line):
    rc, text = run(session, line)
    assert rc == 0, text
    assert "Traceback" not in text and "internal error" not in text
    return text, session.estimates.active


def re_rows(text):
    """{label: [estimate, se, lo, hi] as printed} from the random-effects table."""
    out, inside = {}, False
    for ln in text.splitlines():
        if ln.startswith("  Random-effects parameters"):
            inside = True
            continue
        if inside and ln.startswith("-" * 78):
            break
        if inside and "|" in ln and ln.split("|")[0].strip().endswith(")"):
            label, rest = ln.split("|", 1)
            out[label.strip()] = rest.split()
    return out


# ------------------------------------------------------------------ 1. string variables
@pytest.mark.parametrize("line", ["mixed s x || g:", "mixed y s || g:", "mixed y x s || g:",
                                  "mixed y x || g: s", "mixed s", "mixed y i.s || g:"])
def test_string_variables_are_type_mismatch(session, line):
    assert_fails(session, line, 109, "type mismatch")


def test_string_level_variable_is_fine(session):
    text, res = fit_ok(session, "mixed y x || s:")
    assert res.matrices["N_g"].values[0, 0] == 12
    assert "Group variable: s" in text


# ---------------------------------------------------------------- 2. no observations
@pytest.mark.parametrize("line", ["mixed y x if x > 100 || g:", "mixed y miss || g:",
                                  "mixed miss x || g:", "mixed y x || g: miss",
                                  "mixed y x if x > 100", "mixed y x if g > 50 || g: x"])
def test_no_observations(session, line):
    assert_fails(session, line, 2000, "no observations")


@pytest.mark.parametrize("line", ["mixed y x if _n == 1 || g:", "mixed y x if _n <= 2 || g:",
                                  "mixed y x if _n == 1"])
def test_fewer_observations_than_parameters(session, line):
    assert_fails(session, line, 2001, "insufficient observations")


# -------------------------------------------- 3. one group, groups of one, two groups
def test_single_group_variance_on_boundary(session):
    text, res = fit_ok(session, "mixed y x || c:")
    assert res.matrices["N_g"].values[0, 0] == 1
    assert re_rows(text)["var(_cons)"] == ["0", ".", ".", "."]
    assert "LR test vs. linear model: chibar2(01) = 0.00          Prob >= chibar2 = 1.0000" in text
    assert "Note: c: var(_cons) is estimated at 0 (boundary)." in text
    assert res.scalars["chi2_c"] == 0 and res.scalars["p_c"] == 1
    assert res.scalars["converged"] == 1


def test_groups_of_one_observation_say_not_identified(session):
    text, res = fit_ok(session, "mixed y x || obs:")
    assert res.matrices["g_max"].values[0, 0] == 1
    flat = " ".join(text.split())
    assert ("Note: Each group of obs holds a single observation, so the random intercept at "
            "level obs is not identified separately from the residual; how the variance is "
            "split between them is arbitrary.") in flat
    rows = re_rows(text)
    assert rows["var(_cons)"][1:] == [".", ".", "."]
    assert rows["var(Residual)"][1:] == [".", ".", "."]
    # the total variance is the OLS one: ll equals the linear model's
    assert res.scalars["ll"] == pytest.approx(res.scalars["ll_c"], abs=1e-6)
    var_total = math.exp(2 * res.matrices["b"].values[0, -2]) + math.exp(2 * res.matrices["b"].values[0, -1])
    _, ols = fit_ok(session, "mixed y x")
    assert var_total == pytest.approx(math.exp(2 * ols.matrices["b"].values[0, -1]), rel=1e-6)


def test_groups_of_one_with_tiny_residual_is_not_an_exact_fit(session):
    # a ridge (intercept vs residual), not an unbounded likelihood: no r(430) 'missing'
    rc, text = run(session, "mixed y if g < 2 || obs: x c, cov(id) || k: x lev2 two, nocons "
                            "|| h: x, cov(un)")
    assert rc in (0, 430) and "likelihood evaluates to missing" not in text
    assert "Each group of h holds a single observation" in " ".join(text.split())


def test_two_groups_fit(session):
    text, res = fit_ok(session, "mixed y x || two:")
    assert res.matrices["N_g"].values[0, 0] == 2
    assert res.scalars["converged"] == 1
    assert "Group variable: two" in text


# -------------------------------------------------------------- 4. collinear predictors
@pytest.mark.parametrize("var", ["c", "x2"])
def test_collinear_predictor_omitted(session, var):
    text, res = fit_ok(session, f"mixed y x {var} || g:")
    assert text.lstrip("\n").startswith(f"note: {var} omitted because of collinearity.\n")
    assert f"{var:>12} |          0  (omitted)" in text
    b = res.matrices["b"]
    j = b.colnames.index(f"y:o.{var}")
    assert b.values[0, j] == 0
    assert np.all(res.matrices["V"].values[j] == 0)
    # the omitted column changes nothing else
    _, plain = fit_ok(session, "mixed y x || g:")
    assert res.scalars["ll"] == pytest.approx(plain.scalars["ll"], abs=1e-9)
    assert res.scalars["df_m"] == 1 and res.scalars["rank"] == plain.scalars["rank"]


def test_two_collinear_predictors_two_notes(session):
    text, res = fit_ok(session, "mixed y x c x2 || g:")
    assert "note: c omitted because of collinearity.\nnote: x2 omitted because of collinearity." in text
    assert res.matrices["b"].colnames[:4] == ["y:x", "y:o.c", "y:o.x2", "y:_cons"]


def test_only_fixed_term_constant_and_nocons(session):
    text, res = fit_ok(session, "mixed y c, nocons || g:")
    assert "           c |" in text and "(omitted)" not in text
    text, res = fit_ok(session, "mixed y, nocons || g:")
    assert res.scalars["k_f"] == 0
    assert "Coefficient" not in text  # Stata shows no fixed-effects table without k_f


# --------------------------------------------- collinear random effects (Stata's _rmcoll)
def test_collinear_random_slope_dropped(session):
    text, res = fit_ok(session, "mixed y x || g: c")
    assert text.lstrip("\n").startswith("note: c omitted because of collinearity.\n")
    assert "g: Identity" in text and "var(c)" not in text
    assert res.macros["revars"] == "_cons" and res.macros["vartypes"] == "Identity"
    _, plain = fit_ok(session, "mixed y x || g:")
    assert res.scalars["ll"] == pytest.approx(plain.scalars["ll"], abs=1e-9)
    text, res = fit_ok(session, "mixed y x || g: x x2, cov(un)")
    assert "note: x2 omitted because of collinearity." in text
    assert res.macros["revars"] == "x _cons" and "g: Unstructured" in text
    # without the constant, a constant slope is not collinear
    text, res = fit_ok(session, "mixed y x || g: c, nocons")
    assert "omitted" not in text and res.macros["revars"] == "c"


# ------------------------------------------------ 5. random slope without within variation
def test_level2_variable_as_random_slope(session):
    text, res = fit_ok(session, "mixed y x || g: lev2")
    assert res.macros["revars"] == "lev2 _cons"
    assert "var(lev2)" in text
    rows = re_rows(text)
    if rows["var(lev2)"][0] == "0":
        assert "Note: g: var(lev2) is estimated at 0 (boundary)." in text
        assert rows["var(lev2)"][1:] == [".", ".", "."]


# ---------------------------------------------------------- 6. boundary and flat likelihood
def test_zero_variance_boundary(session):
    text, res = fit_ok(session, "mixed y0 x || g:")
    assert re_rows(text)["var(_cons)"] == ["0", ".", ".", "."]
    assert "LR test vs. linear model: chibar2(01) = 0.00          Prob >= chibar2 = 1.0000" in text
    assert res.scalars["chi2_c"] == 0 and res.scalars["p_c"] == 1.0
    assert res.matrices["b"].values[0, -2] == -math.inf  # lns1_1_1 = ln(0)
    flat = " ".join(text.split())
    assert ("Note: g: var(_cons) is estimated at 0 (boundary). Standard errors of parameters "
            "on the boundary are not defined (shown as missing)") in flat
    # at the boundary the fit is the linear model
    assert res.scalars["ll"] == pytest.approx(res.scalars["ll_c"], abs=1e-9)
    assert re_rows(text)["var(Residual)"][1] != "."


@pytest.mark.parametrize("line", ["mixed ycon x || g:", "mixed ycon || g:, reml",
                                  "mixed ycon x", "mixed lev2 x || g:", "mixed lev2 || g:, reml",
                                  "mixed lev2 || g: x",
                                  "mixed two c.x#c.x obs || two: c, cov(id) reml",
                                  "mixed lev2 i.two in 1/30 || g: obs, cov(un) iterate(3)"])
def test_exact_fit_likelihood_missing(session, line):
    # y constant, or constant within groups: var(Residual) -> 0 and the likelihood -> +inf
    assert_fails(session, line, 430, "likelihood evaluates to missing")


def test_overflowing_outcome_initial_values_not_feasible(session):
    # squares of +-1e300 overflow: no start value has a finite likelihood (Stata's r(1400))
    assert session.run("generate double big = cond(mod(_n,2), 1e300, -1e300)") == 0
    session.data.changed = False
    assert_fails(session, "mixed big x || g: x, cov(exch)", 1400, "initial values not feasible")


# ------------------------------------------------------------------- 7. not converged
@pytest.mark.parametrize("it", [0, 1])
def test_iterate_not_converged(session, it):
    before = fingerprint(session)
    # without EM: the 20 EM steps bring this small model so close that NR stops at 1
    rc, text = run(session, f"mixed y x || g: x, cov(un) emiterate(0) iterate({it})")
    assert rc == 430
    lines = text.rstrip("\n").splitlines()
    assert lines[-2:] == ["convergence not achieved", "r(430);"]
    assert "Warning: convergence not achieved" in text
    assert "var(Residual)" in text and "Coefficient" in text   # the results are shown
    assert fingerprint(session) != before                       # ... and kept
    res = session.estimates.active
    assert res.scalars["converged"] == 0 and res.scalars["rc"] == 430
    assert res.scalars["ic"] == it
    assert res.macros["cmdline"] == f"mixed y x || g: x, cov(un) emiterate(0) iterate({it})"
    # postestimation works on them, and a replay repeats the warning
    rc2, replay = run(session, "mixed")
    assert rc2 == 0 and "Warning: convergence not achieved" in replay


def test_iterate_not_converged_under_capture(session):
    rc, text = run(session, "capture mixed y x || g: x, iterate(0)")
    assert rc == 0 and text.strip() == ""
    assert session.rc == 430
    assert session.estimates.active.scalars["converged"] == 0


def test_iterate_enough_converges(session):
    text, res = fit_ok(session, "mixed y x || g:, iterate(50)")
    assert res.scalars["converged"] == 1 and res.scalars["rc"] == 0
    assert "Warning" not in text


# ------------------------------------------------- 8. no random-effects equation: regression
def _ols(session, depvar="y"):
    d = session.data
    y = d.column(depvar)
    X = np.column_stack([d.column("x"), np.ones(N)])
    beta, rss = np.linalg.lstsq(X, y, rcond=None)[:2]
    return X, y, beta, float(rss[0])


def test_no_random_effects_is_ml_linear_regression(session):
    text, res = fit_ok(session, "mixed y x")
    X, y, beta, rss = _ols(session)
    k = X.shape[1]
    ll = -N / 2 * (math.log(2 * math.pi) + 1 + math.log(rss / N))
    assert res.scalars["ll"] == pytest.approx(ll, abs=1e-8)
    b = res.matrices["b"]
    assert b.colnames == ["y:x", "y:_cons", "lnsig_e:_cons"]
    assert b.values[0, :2] == pytest.approx(beta, rel=1e-10)
    assert b.values[0, 2] == pytest.approx(math.log(math.sqrt(rss / N)), rel=1e-10)
    V = res.matrices["V"].values
    V_ols = rss / (N - k) * np.linalg.inv(X.T @ X)
    assert V[:2, :2] == pytest.approx(V_ols * (N - k) / N, rel=1e-8)  # ML rescaling df_r/N
    assert V[2, 2] == pytest.approx(1 / (2 * N), rel=1e-8)  # numerically, Stata sets it
    assert V[2, :2].tolist() == [0, 0]
    s = res.scalars
    assert (s["k_f"], s["k_r"], s["k_rs"], s["k_rc"], s["converged"], s["rc"]) == (2, 1, 1, 0, 1, 0)
    assert "ll_c" not in s and "chi2_c" not in s
    assert res.macros["ivars"] == "" and "N_g" not in res.matrices
    # display: header without groups, both tables (residual row only), no log, no LR test
    assert "Performing" not in text and "Iteration" not in text
    assert "Group variable" not in text and "LR test" not in text
    assert "Mixed-effects ML regression                     Number of obs     =        120" in text
    assert "               var(Residual) |   1.870992    .241544      1.452721    2.409692" in text
    assert re_rows(text).keys() == {"var(Residual)"}


def test_no_random_effects_reml(session):
    text, res = fit_ok(session, "mixed y x, reml")
    X, y, beta, rss = _ols(session)
    k = X.shape[1]
    s2 = rss / (N - k)
    ll = -(N - k) / 2 * (math.log(2 * math.pi) + 1 + math.log(s2)) \
        - 0.5 * np.linalg.slogdet(X.T @ X)[1]
    assert res.scalars["ll"] == pytest.approx(ll, abs=1e-8)
    assert res.matrices["b"].values[0, 2] == pytest.approx(0.5 * math.log(s2), rel=1e-10)
    V = res.matrices["V"].values
    assert V[:2, :2] == pytest.approx(s2 * np.linalg.inv(X.T @ X), rel=1e-8)  # not rescaled
    assert "Log restricted-likelihood" in text


def test_all_random_effects_equations_empty(session):
    text, res = fit_ok(session, "mixed y x || g:, nocons")
    assert text.lstrip("\n").startswith(
        "Note: all random-effects equations are empty; model is linear regression\n")
    _, ols = fit_ok(session, "mixed y x")
    assert res.scalars["ll"] == ols.scalars["ll"]
    assert res.matrices["b"].colnames == ols.matrices["b"].colnames
    assert "Group variable" not in text and "LR test" not in text


# ------------------------------------------------------------- 9. odd level specifications
def test_all_is_one_group(session):
    text, res = fit_ok(session, "mixed y x || _all:")
    assert res.matrices["N_g"].values[0, 0] == 1 and res.macros["ivars"] == "_all"
    assert "_all: Identity" in text


def test_level_variable_repeated_at_two_levels(session):
    assert_fails(session, "mixed y x || k: || g: || k:", 198,
                 "k level variable, specified at more than one level")


def test_levels_not_nested_are_nested_cumulatively(session):
    # k is not nested in g; `|| g: || k:` makes k-within-g groups (here the same as g)
    text, res = fit_ok(session, "mixed y x || g: || k:")
    assert res.matrices["N_g"].values.tolist() == [[12, 12]]
    text, res = fit_ok(session, "mixed y x || k: || g:")
    assert res.matrices["N_g"].values.tolist() == [[3, 12]]


def test_unstructured_with_one_effect_is_identity(session):
    text, res = fit_ok(session, "mixed y x || g:, cov(un)")
    assert "g: Identity" in text and res.macros["vartypes"] == "Identity"
    assert [c for c in res.matrices["b"].colnames if c.startswith("atr")] == []


def test_random_slope_without_constant(session):
    text, res = fit_ok(session, "mixed y x || g: x, nocons")
    assert res.macros["revars"] == "x" and "var(x)" in text and "var(_cons)" not in text


def test_noretable_drops_the_lr_test_line_too(session):
    # Stata prints the LR test inside the random-effects table (DiVarComp)
    rc, text = run(session, "mixed, noretable")
    assert rc == 0 and "Random-effects" not in text and "LR test" not in text
    rc, text = run(session, "mixed")
    assert rc == 0 and "LR test vs. linear model" in text


def test_postestimation_after_linear_regression(session):
    fit_ok(session, "mixed y x")
    for line, code, msg in [("estat icc", 459, "model is linear regression; no random effects"),
                            ("estat group", 459,
                             "model is linear regression; no group information available"),
                            ("predict r1, reffects", 459,
                             "model is linear regression; no random effects")]:
        assert_fails(session, line, code, msg)
    for line in ("estat ic", "predict xb1", "predict f1, fitted", "predict e1, residuals"):
        fit_ok(session, line)


def test_me_fit_on_a_flat_ridge_stops_soon():
    """The outcome is constant within the inner groups (h is both the outcome and a level):
    the inner variance runs off along a flat ridge. The fit used to creep along it for 300
    iterations of 40 halvings each (about 20 s; found by the fuzz campaign); now 3 iterations
    without progress switch to the exact derivatives and 3 more stop it: r(430)."""
    s = fresh_session()
    assert s.run("mecloglog h || g: || h:, intmethod(mcaghermite) intpoints(3)") == 430
    out = s.out.getvalue()
    assert "convergence not achieved" in out
    assert out.count("\nIteration ") < 40


@pytest.mark.parametrize("prep, line", [
    ("replace x = 0", "glm x x x, irls"),       # an exact fit: phi = 0 (was 1/0)
    ("replace y = 0", "nbreg h x"),             # alpha runs off to 0: its CI to exp(huge)
])
def test_degenerate_glm_and_nbreg_fits_print(prep, line):
    s = fresh_session()
    assert s.run(prep) == 0
    rc = s.run(line)
    assert rc in (0, 430) and "internal error" not in s.out.getvalue()
