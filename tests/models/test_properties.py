"""Properties needing no outside number: stationarity, local optimality, invariances,
data handling, errors."""
from dataclasses import replace

import numpy as np
import pytest
from conftest import synth
from hsb_models import MODELS

from hlmshell.models import Factor, ModelError, ModelSpec, RandomLevel, Term, fit

C = lambda v: Term((Factor(v),))  # noqa: E731


@pytest.mark.parametrize("name", ["m1", "m2", "m4", "m5"])
@pytest.mark.parametrize("method", ["ML", "REML"])
def test_stationary_and_locally_optimal(hsb, name, method):
    """Gradient of the profiled deviance ~0 (|g| <= 1e-6 * |deviance|) and no point within
    1e-3..3e-2 (relative) of the optimum has a higher (restricted) likelihood."""
    res = fit(replace(MODELS[name], method=method), hsb)
    model, th = res._state["model"], res._state["theta"]
    dev, g = model.deviance(th, True)
    assert np.max(np.abs(g)) <= 1e-6 * abs(dev)
    rng = np.random.default_rng(0)
    for scale in (1e-3, 1e-2, 3e-2):
        pts = th[None] + scale * rng.normal(size=(20, len(th))) * np.maximum(np.abs(th), 0.05)
        assert (model.deviance(pts) >= dev - 1e-9).all()


def test_invariant_to_row_order_and_base_level(hsb):
    spec = MODELS["m5"]
    a = fit(spec, hsb)
    perm = np.random.default_rng(1).permutation(len(hsb["mathach"]))
    b = fit(spec, {k: v[perm] for k, v in hsb.items()})
    assert b.ll == pytest.approx(a.ll, abs=1e-8)
    assert np.allclose(a.beta, b.beta, rtol=1e-8)
    assert np.allclose(a.levels[0].Sigma, b.levels[0].Sigma, rtol=1e-6)
    c = fit(MODELS["m5b"], hsb)
    assert c.ll == pytest.approx(a.ll, abs=1e-8)
    assert c.sigma2 == pytest.approx(a.sigma2, rel=1e-8)
    # 3 levels, synthetic: shuffled rows give the same fit and the same BLUPs per row
    data = synth(5)
    spec3 = ModelSpec("y", (C("x"),), (RandomLevel("school", ("x",), covariance="un"), RandomLevel("class")))
    r1 = fit(spec3, data)
    perm = np.random.default_rng(2).permutation(len(data["y"]))
    r2 = fit(spec3, {k: v[perm] for k, v in data.items()})
    assert r2.ll == pytest.approx(r1.ll, abs=1e-8)
    assert np.allclose(r1.reffects(1)[perm], r2.reffects(1), rtol=1e-6, atol=1e-9)


def test_three_level_model():
    data = synth(6, n_outer=12, missing=True)
    spec = ModelSpec("y", (C("x"), C("z")), (RandomLevel("school"), RandomLevel("class")))
    r = fit(spec, data)
    assert r.converged and len(r.levels) == 2
    assert r.theta_names == ["lns1_1_1", "lns2_1_1", "lnsig_e"]
    assert r.b_names[-3:] == ["lns1_1_1:_cons", "lns2_1_1:_cons", "lnsig_e:_cons"]
    # nested counting: classes are identified within schools (ids reused across schools)
    n_cls = len({(s, c) for s, c, ok in zip(data["school"], data["class"], r.sample) if ok})
    assert r.levels[1].n_groups == n_cls
    assert r.levels[0].g_min >= 1 and r.levels[1].g_min >= 1
    title, rows = r.icc()
    assert [row.label for row in rows] == ["school", "class|school"]
    v0, v1 = r.levels[0].Sigma[0, 0], r.levels[1].Sigma[0, 0]
    assert rows[1].icc == pytest.approx((v0 + v1) / (v0 + v1 + r.sigma2))
    assert r.df_c == 2 and not r.lr_chibar


def test_missing_values_listwise(hsb):
    data = dict(hsb)
    ses = data["ses"].copy()
    ses[:10] = np.nan
    data["ses"] = ses
    r = fit(MODELS["m1"], data)
    assert r.n == 7185 - 10 and not r.sample[:10].any()
    sample = np.ones(7185, dtype=bool)
    sample[:10] = False
    r2 = fit(MODELS["m1"], hsb, sample=sample)
    assert r2.ll == pytest.approx(r.ll, abs=1e-9)
    assert np.isnan(r.predict("xb")[:10]).all()
    assert np.isfinite(r.predict("fitted")[10:]).all()


def test_collinear_and_constant_columns_dropped(hsb):
    data = dict(hsb, ses2=2 * hsb["ses"], one=np.ones(7185))
    spec = ModelSpec("mathach", (C("ses"), C("ses2"), C("one")), (RandomLevel("id"),))
    r = fit(spec, data)
    assert r.fixed_names == ["ses", "o.ses2", "o.one", "_cons"]
    assert r.dropped == ["ses2", "one"] and r.omitted == [False, True, True, False]
    assert r.beta[1] == 0 and r.V_beta[1, 1] == 0
    assert r.ll == pytest.approx(fit(MODELS["m1"], hsb).ll, abs=1e-8)
    assert r.rank == 4


def test_numeric_group_var_and_singletons():
    data = synth(7)
    codes = {s: i for i, s in enumerate(sorted(set(data["school"])))}
    data["sch_num"] = np.array([codes[s] * 10.0 for s in data["school"]])
    a = fit(ModelSpec("y", (C("x"),), (RandomLevel("school"),)), data)
    b = fit(ModelSpec("y", (C("x"),), (RandomLevel("sch_num"),)), data)
    assert a.ll == pytest.approx(b.ll, abs=1e-9)
    # every group of size 1 except one
    d = {"y": np.arange(12.0) ** 1.5, "x": np.sin(np.arange(12.0)),
         "g": np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 8, 8, 8], dtype=float)}
    r = fit(ModelSpec("y", (C("x"),), (RandomLevel("g"),)), d)
    assert r.levels[0].g_min == 1 and r.levels[0].g_max == 4


def test_errors(hsb):
    with pytest.raises(ModelError) as e:
        fit(ModelSpec("id", (), (RandomLevel("id"),)), hsb)
    assert e.value.code == 109
    with pytest.raises(ModelError) as e:
        fit(ModelSpec("mathach", (C("id"),), (RandomLevel("id"),)), hsb)
    assert e.value.code == 109
    with pytest.raises(ModelError) as e:
        fit(MODELS["m1"], hsb, sample=np.zeros(7185, dtype=bool))
    assert (e.value.code, e.value.message) == (2000, "no observations")
    with pytest.raises(ModelError) as e:
        fit(ModelSpec("mathach", (), (RandomLevel("id", ("ses",), covariance="bogus"),)), hsb)
    assert e.value.code == 198
    with pytest.raises(ModelError) as e:
        fit(ModelSpec("nosuch", (), (RandomLevel("id"),)), hsb)
    assert e.value.code == 111


def test_nonconvergence_is_reported_not_raised(hsb):
    r = fit(replace(MODELS["m2"], maxiter=1), hsb)
    assert not r.converged and not r.summary.converged
    assert r.summary.iterations <= 1 and len(r.iteration_log) >= 1


def test_defaults_and_structures(hsb):
    r = fit(ModelSpec("mathach", (C("ses"),), (RandomLevel("id", ("ses",)),)), hsb)
    assert r.levels[0].covariance == "independent"
    assert r.theta_names == ["lns1_1_1", "lns1_1_2", "lnsig_e"] and r.df_c == 2
    r = fit(ModelSpec("mathach", (C("ses"),), (RandomLevel("id", ("ses",), covariance="exchangeable"),)), hsb)
    assert r.theta_names == ["lns1_1_1", "atr1_1_1_1", "lnsig_e"]
    S = r.levels[0].Sigma
    assert S[0, 0] == pytest.approx(S[1, 1])
    r = fit(ModelSpec("mathach", (C("ses"),), (RandomLevel("id", ("ses",), covariance="identity"),)), hsb)
    S = r.levels[0].Sigma
    assert S[0, 1] == 0 and S[0, 0] == pytest.approx(S[1, 1])
    # no random effects at all: linear regression (ML: Var(lnsig_e) = 1/(2N))
    r = fit(ModelSpec("mathach", (C("ses"),), ()), hsb)
    assert r.theta_names == ["lnsig_e"]
    assert r.V_theta[0, 0] == pytest.approx(1 / (2 * 7185), rel=1e-6)


def test_iteration_callback(hsb):
    seen = []
    r = fit(MODELS["m1"], hsb, on_iteration=lambda i, v: seen.append((i, v)))
    # called after every EM and Newton step (an interrupt point), including the silent
    # steps beyond where Stata's rules end the shown log
    assert len(seen) >= len(r.summary.em_log) - 1 + len(r.iteration_log) - 1
    assert seen[-1][1] == pytest.approx(r.ll, abs=1e-6)


def test_zero_variance_boundary():
    """Negative within-group correlation: var(_cons) = 0 exactly; its SE/CI, the ICC's SE
    and lns are undefined; the residual variance and fixed effects keep finite SEs; the LR
    statistic is 0 with p = 1 (stata-reference 3.4)."""
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(30), 10)
    x = rng.normal(size=300)
    e = rng.normal(size=300)
    e = e - 0.9 * np.bincount(g, e)[g] / 10
    data = {"y": 1 + x + e, "x": x, "g": g.astype(float)}
    for cov, slopes in (("identity", ()), ("unstructured", ("x",))):
        for method in ("ML", "REML"):
            r = fit(ModelSpec("y", (C("x"),), (RandomLevel("g", slopes, covariance=cov),), method=method), data)
            assert r.converged and r.boundary
            assert (r.levels[0].Sigma == 0).all()
            assert np.isneginf(r.theta[0]) and np.isnan(r.V_theta[0]).all()
            assert np.isfinite(r.V_theta[-1, -1]) and np.isfinite(np.diag(r.V_beta)).all()
            sec = r.re_table()
            assert all(np.isnan(row.se) for row in sec[0].rows)
            assert np.isfinite(sec[1].rows[0].se)
            assert r.chi2_c == 0.0
    r = fit(ModelSpec("y", (C("x"),), (RandomLevel("g"),)), data)
    assert r.p_c == 1.0 and r.lr_chibar
    title, rows = r.icc()
    assert rows[0].icc == 0 and np.isnan(rows[0].se)


def test_string_group_codes_long_short_and_missing():
    """Packed short-string keys, the long-string fallback and "" as missing give the same
    grouping as integer ids."""
    rng = np.random.default_rng(9)
    g = rng.integers(0, 12, size=200)
    y = rng.normal(size=200) + g * 0.3
    base = fit(ModelSpec("y", (), (RandomLevel("g"),)), {"y": y, "g": g.astype(float)})
    for fmt in ("{}", "group-number-{:04d}", "é{}"):
        s = np.array([fmt.format(v) for v in g], dtype=object)
        r = fit(ModelSpec("y", (), (RandomLevel("s"),)), {"y": y, "s": s})
        assert r.ll == pytest.approx(base.ll, abs=1e-9) and r.levels[0].n_groups == 12
    s = np.array([str(v) for v in g], dtype=object)
    s[:5] = ""
    r = fit(ModelSpec("y", (), (RandomLevel("s"),)), {"y": y, "s": s})
    assert r.n == 195 and not r.sample[:5].any()


def test_dataframe_input_and_reml_three_levels(hsb):
    import pandas as pd
    df = pd.DataFrame(hsb)
    a = fit(MODELS["m2"], df)
    b = fit(MODELS["m2"], hsb)
    assert a.ll == b.ll and np.array_equal(a.beta, b.beta)
    data = synth(8, n_outer=10, missing=True)
    spec = ModelSpec("y", (C("x"),), (RandomLevel("school", ("x",), covariance="un"), RandomLevel("class")),
                     method="REML")
    r = fit(spec, data)
    assert r.converged and r.method == "REML"
    model, th = r._state["model"], r._state["theta"]
    dev, g = model.deviance(th, True)
    assert np.max(np.abs(g[~np.isclose(th, 0)])) <= 1e-6 * abs(dev)
    assert r.reses(1).shape == (len(data["y"]), 1)


def test_factor_interaction_bases(hsb):
    """Base cells follow from the lower-order terms present (Stata's fvexpand + omission):
    a##b omits every cell with a base level; a#b alone only the all-base cell (the constant
    plays its role); i.a#c.x without c.x keeps every level. Same likelihood either way."""
    a, b = Factor("sector", True), Factor("himinty", True)
    full = fit(ModelSpec("mathach", (Term((a,)), Term((b,)), Term((a, b))), (RandomLevel("id"),)), hsb)
    assert full.fixed_names == ["0b.sector", "1.sector", "0b.himinty", "1.himinty",
                                "0b.sector#0b.himinty", "0b.sector#1o.himinty",
                                "1o.sector#0b.himinty", "1.sector#1.himinty", "_cons"]
    cells = fit(ModelSpec("mathach", (Term((a, b)),), (RandomLevel("id"),)), hsb)
    assert cells.fixed_names[0] == "0b.sector#0b.himinty"
    assert cells.omitted == [True, False, False, False, False] and cells.dropped == []
    assert cells.ll == pytest.approx(full.ll, abs=1e-8)
    slopes = fit(ModelSpec("mathach", (Term((a,)), Term((Factor("ses"), a))), (RandomLevel("id"),)), hsb)
    assert slopes.fixed_names == ["0b.sector", "1.sector", "0.sector#c.ses", "1.sector#c.ses", "_cons"]
    assert slopes.omitted == [True, False, False, False, False]


def test_degenerate_inputs_raise_model_errors():
    """Found by the shell's fuzzing: more repeated regressors than rows, and exact fits."""
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(12), 10).astype(float)
    x = rng.normal(size=120)
    data = {"x": x, "y": 1 + x + rng.normal(size=120), "g": g, "c": np.full(120, 3.0)}
    many = tuple(C("x") for _ in range(130))
    r = fit(ModelSpec("y", many, (RandomLevel("g"),)), data)
    assert r.converged and r.dropped == ["x"] * 129 and r.fixed_names[1] == "o.x"
    for spec in (ModelSpec("x", many, ()), ModelSpec("x", (C("x"),), (RandomLevel("g"),)),
                 ModelSpec("c", (), (RandomLevel("g"),))):
        with pytest.raises(ModelError) as e:
            fit(spec, data)
        assert e.value.code == 430
    with pytest.raises(ModelError) as e:
        fit(ModelSpec("y", (C("x"),), (RandomLevel("g"),)), {k: v[:2] for k, v in data.items()})
    assert e.value.code == 2001


def test_singular_covariance_boundary(hsb):
    """hsb, `mathach i.minority##c.ses female || id: ses female, cov(un)`: the ML optimum has
    a rank-2 3x3 covariance matrix with no variance at 0 and no correlation at +-1. It is
    reported as such, every standard error exists (computed on the rank-2 surface), and no
    nearby point, inside the positive definite cone or on its boundary, has a higher ll."""
    minority = Factor("minority", True)
    spec = ModelSpec("mathach", (Term((minority,)), C("ses"), Term((minority, Factor("ses"))),
                                 C("female")),
                     (RandomLevel("id", ("ses", "female"), covariance="unstructured"),))
    r = fit(spec, hsb)
    S = r.levels[0].Sigma
    w = np.linalg.eigvalsh(S)
    assert r.converged and r.boundary and w[0] <= 1e-8 * w[-1] and w[1] > 1e-3 * w[-1]
    sd = np.sqrt(np.diag(S))
    assert (sd > 0).all() and (np.abs(S / np.outer(sd, sd))[np.triu_indices(3, 1)] < 0.99).all()
    assert any("singular (rank 2 of 3; boundary)" in n for n in r.boundary_notes)
    assert not any("shown as missing" in n for n in r.boundary_notes)
    assert np.isfinite(np.diag(r.V_theta)).all() and (np.diag(r.V_theta) > 0).all()
    assert all(np.isfinite(row.se) for sec in r.re_table() for row in sec.rows)
    model, th = r._state["model"], r._state["theta"]
    dev = model.deviance(th)
    rng = np.random.default_rng(1)
    for scale in (1e-3, 1e-2):
        pts = th[None] + scale * rng.normal(size=(40, len(th))) * np.maximum(np.abs(th), 0.05)
        assert (model.deviance(pts) >= dev - 1e-9).all()


@pytest.mark.parametrize("method", ["ML", "REML"])
def test_zero_top_level_variance_leaves_the_two_level_fit(hsb, method):
    """hsb with a level above id that explains nothing (7 pseudo-regions built from id): its
    variance is 0 at the optimum, and the fit is the two-level one. The ICC of id|region then
    equals the two-level ICC, with the same SE (computed with the zero variance held at 0);
    the region's own ICC is 0 with no SE."""
    data = dict(hsb, region=np.array([float(int(i) % 7) for i in hsb["id"]]))
    two = fit(ModelSpec("mathach", (C("ses"),), (RandomLevel("id"),), method=method), data)
    three = fit(ModelSpec("mathach", (C("ses"),), (RandomLevel("region"), RandomLevel("id")),
                          method=method), data)
    assert three.levels[0].Sigma[0, 0] == 0 and three.boundary
    assert three.ll == pytest.approx(two.ll, rel=1e-12, abs=1e-8)
    (_, (icc2,)), (_, (top, icc3)) = two.icc(), three.icc()
    assert top.icc == 0 and np.isnan(top.se)
    assert icc3.icc == pytest.approx(icc2.icc, rel=1e-7)
    # SEs come from finite-difference Hessians of two parametrizations: 1e-5 relative
    assert icc3.se == pytest.approx(icc2.se, rel=1e-5)
    assert (icc3.lo, icc3.hi) == pytest.approx((icc2.lo, icc2.hi), rel=1e-5)
