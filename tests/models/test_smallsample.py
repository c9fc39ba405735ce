"""dfmethod(): Satterthwaite and Kenward–Roger against R at the REML optimum.

Reference: tests/fixtures/smallsample_reference.json, made by smallsample_reference.py /
smallsample_reference.R (lmerTest 3.1 Satterthwaite with the observed information; pbkrtest
Kenward–Roger: DF, adjusted SEs, the scaled F of every coefficient but the constant).
Tolerance 1e-5 relative: both sides are at the exact REML optimum (lme4 with rhoend 1e-12);
lmerTest's numerical derivatives agree with our analytic sums to ~1e-6."""
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hsb_models import MODELS

from hlmshell.models import Factor, ModelSpec, RandomLevel, Term, fit
from hlmshell.models import smallsample as ss

REF = json.loads((Path(__file__).parents[1] / "fixtures" / "smallsample_reference.json").read_text())
C = lambda v: Term((Factor(v),))  # noqa: E731
SPECS = {"ri": replace(MODELS["m1"], method="REML"), "m4": replace(MODELS["m4"], method="REML"),
         "small": ModelSpec("mathach", (C("ses"), C("meanses"), C("sector")),
                            (RandomLevel("id"),), method="REML")}


@pytest.fixture(scope="module")
def fits(hsb):
    out = {}
    for name, spec in SPECS.items():
        sample = np.isin(hsb["id"], sorted(set(hsb["id"]))[:12]) if name == "small" else None
        out[name] = fit(spec, hsb, sample=sample)
    return out


@pytest.mark.parametrize("name", list(SPECS))
def test_against_lmertest_and_pbkrtest(fits, name):
    r, R = fits[name], REF[name]
    assert r.ll == pytest.approx(R["reml_ll"], abs=1e-6)
    p = len(r.beta)
    order = [p - 1] + list(range(p - 1))      # R lists the intercept first
    assert r.beta[order] == pytest.approx(R["beta"], rel=1e-6)
    pc = ss.pieces(r)
    eye = np.eye(p)
    sat = [ss.satterthwaite(pc, eye[j], "oim") for j in order]
    assert sat == pytest.approx(R["sat_df"], rel=1e-5)
    # Kenward–Roger's DF of one coefficient = Satterthwaite's with the expected information
    kr = ss.infer(r, "kroger")
    assert kr.df[order] == pytest.approx(R["kr_df"], rel=1e-5)
    assert np.sqrt(np.diag(kr.V_beta))[order] == pytest.approx(R["kr_se"], rel=1e-5)
    assert (kr.F, kr.ddf_m) == pytest.approx((R["kr_F"], R["kr_ddf"]), rel=1e-5)
    from scipy import stats
    assert kr.df_m == p - 1
    assert kr.p == pytest.approx(stats.f.sf(kr.F, kr.df_m, kr.ddf_m), rel=1e-10)


def test_residual_and_t_rows(fits):
    r = fits["small"]
    res = ss.infer(r, "residual")
    assert np.all(res.df == r.n - len(r.beta))
    assert np.array_equal(res.V_beta, r.V_beta)
    rows, dfs = ss.t_rows(r, res, 95)
    from scipy import stats      # an independent route to the t quantile and p-value
    for row, nu in zip(rows, dfs):
        assert row.p == pytest.approx(2 * stats.t.sf(abs(row.z), nu), rel=1e-10)
        half = stats.t.ppf(0.975, nu) * row.se
        assert (row.lo, row.hi) == pytest.approx((row.coef - half, row.coef + half), rel=1e-10)


@pytest.mark.parametrize("name", ["ri", "m4"])
def test_one_level_sums_equal_the_dense_ones(fits, name):
    """The cross-product route (one level) and the dense per-group route (any nesting)
    are two derivations of the same sums: they agree to rounding."""
    from hlmshell.models import robust
    r = fits[name]
    a, b = ss.pieces_dense(r), ss.pieces_one_level(r)
    for f in ("Phi", "P", "Q", "eim", "oim"):
        x, y = getattr(a, f), getattr(b, f)
        assert np.max(np.abs(x - y)) <= 1e-10 * np.max(np.abs(x)), f
    for x, y in zip(robust.scores_dense(r), robust.scores_one_level(r)):
        assert np.max(np.abs(x - y)) <= 1e-10 * np.max(np.abs(x))


def test_two_levels_on_the_dense_route():
    """Nested levels: tests/fixtures/smallsample_nested.json (smallsample_nested.py/.R,
    lmerTest and pbkrtest on the stored smallsample_nested.csv), tolerance 1e-5 relative."""
    import pandas as pd
    fx = Path(__file__).parents[1] / "fixtures"
    R = json.loads((fx / "smallsample_nested.json").read_text())
    df = pd.read_csv(fx / "smallsample_nested.csv", dtype={"school": str})
    data = {c: (df[c].to_numpy(dtype=object) if c == "school" else df[c].to_numpy(dtype=float))
            for c in df.columns}
    spec = ModelSpec("y", (C("x"),), (RandomLevel("school"), RandomLevel("class")), method="REML")
    r = fit(spec, data)
    assert r.ll == pytest.approx(R["reml_ll"], abs=1e-6)
    kr = ss.infer(r, "kroger")
    order = [1, 0]
    assert kr.df[order] == pytest.approx(R["kr_df"], rel=1e-5)
    assert np.sqrt(np.diag(kr.V_beta))[order] == pytest.approx(R["kr_se"], rel=1e-5)
    pc = ss.pieces(r)
    assert [ss.satterthwaite(pc, np.eye(2)[j], "oim") for j in order] == \
        pytest.approx(R["sat_df"], rel=1e-5)
