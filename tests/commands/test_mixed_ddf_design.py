"""`mixed ..., dfmethod(repeated | anova)` and `estat df, method()`.

References (no Stata log of these methods was available):
- the randomized block design (16 subjects x 3 treatments) is the example of Ender's
  2011 Stata Conference talk "xtmixed & denominator degrees of freedom": `anova y trt id`
  gives the treatment's denominator DF 30 (= 48 - 16 - 2), the DF both methods must give
  to the treatment; the constant (a between-subject effect) gets 16 - 1 = 15. The Wald F of
  the treatment after REML equals the classical F = MS_trt / MS_error in a balanced design
  (computed here by numpy least squares; tolerance 1e-6 relative).
- on hsb, the DF are derived by hand from the design (which covariates are constant within
  schools, by pandas), independently of hlmshell's rank computations (ranks by numpy on
  explicit dummy matrices).
"""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import execute_text, hsb_after, hsb_session


def rcbd_session():
    s = hsb_session(data=False)
    for cmd in ("set obs 48", "gen id = ceil(_n/3)", "gen trt = mod(_n-1, 3) + 1",
                "gen y = 6*sin(id*1.7) + 0.9*trt + 2*sin(_n*12.9898)"):
        assert s.run(cmd) == 0, cmd
    return s


def classical_f(s):
    y = np.asarray(s.data.column("y"), dtype=float)
    idv = np.asarray(s.data.column("id"), dtype=int)
    trt = np.asarray(s.data.column("trt"), dtype=int)
    D = (idv[:, None] == np.arange(1, 17)[None, :]).astype(float)
    T = (trt[:, None] == np.array([2, 3])[None, :]).astype(float)
    rss = lambda X: float(np.sum((y - X @ np.linalg.lstsq(X, y, rcond=None)[0]) ** 2))
    full, red = rss(np.hstack([D, T])), rss(D)
    return ((red - full) / 2) / (full / 30)


@pytest.mark.parametrize("method", ["repeated", "anova"])
def test_rcbd_classical_df_and_f(method):
    s = rcbd_session()
    rc, text = execute_text(s, f"mixed y i.trt || id:, reml dfmethod({method}) nolog")
    assert rc == 0, text
    res = s.estimates.active
    df = res.matrices["df"].values[0]
    names = res.matrices["df"].colnames
    assert names[:4] == ["y:1b.trt", "y:2.trt", "y:3.trt", "y:_cons"]
    assert list(df[1:4]) == [30, 30, 15] and np.isnan(df[0]) and np.isnan(df[4:]).all()
    assert res.scalars["ddf_m"] == 30 and res.macros["dfmethod"] == method
    assert res.scalars["F"] == pytest.approx(classical_f(s), rel=1e-6)
    title = {"repeated": "Repeated", "anova": "ANOVA"}[method]
    assert res.macros["dftitle"] == f"{title} DF"
    assert f"DF method: {title}" in text and "F(2, 30.00)" in text


HSB_MODEL = "mixed mathach ses meanses sector || id: ses, nolog"


def test_hsb_hand_derivation():
    s = hsb_after("egen gid = group(id)", "keep if gid <= 30",    # 30 schools: fast ranks
                  HSB_MODEL + " dfmethod(repeated)")
    import pandas as pd
    d = pd.DataFrame({v: np.asarray(s.data.column(v)) for v in ("id", "ses", "meanses",
                                                                "sector")})
    n, G = len(d), d["id"].nunique()
    constant = {v: bool((d.groupby("id")[v].nunique() == 1).all())
                for v in ("ses", "meanses", "sector")}
    assert constant == {"ses": False, "meanses": True, "sector": True}
    between = 1 + sum(constant.values())                        # with the constant
    within = 3 - sum(constant.values())
    res = s.estimates.active
    assert list(res.matrices["df"].values[0][:4]) == \
        [n - G - within, G - between, G - between, G - between]
    assert np.isnan(res.scalars["ddf_m"])           # the slopes' DF differ: no model DDF
    # anova: ranks of explicit [X | id dummies | ses x id dummies] by numpy
    X = np.column_stack([d["ses"], d["meanses"], d["sector"], np.ones(n)]).astype(float)
    ids = np.unique(d["id"])
    Zc = (d["id"].to_numpy()[:, None] == ids[None, :]).astype(float)
    Zs = Zc * d["ses"].to_numpy()[:, None]
    rk = np.linalg.matrix_rank
    r_x, r_xc, r_all = rk(X), rk(np.hstack([X, Zc])), rk(np.hstack([X, Zc, Zs]))
    assert execute_text(s, "estat df, method(anova)")[0] == 0
    got = s.r.matrices["df"].values[:4, 0]
    assert list(got) == [r_all - r_xc, n - r_all, n - r_all, r_xc - r_x]
    assert r_all - r_xc == G - 1 and r_xc - r_x == G - 3      # 29 and 27 here


def test_estat_df_methods_post_and_refusals():
    s = hsb_after("mixed mathach ses || id:, reml nolog")
    rc, text = execute_text(s, "estat df")
    assert rc == 198 and "no degrees of freedom found" in text
    rc, text = execute_text(s, "estat df, method(res rep anova)")
    assert rc == 0 and "Residual     Repeated        ANOVA" in text
    r = s.r
    assert r.macros["dfmethods"] == "residual repeated anova"
    assert r.matrices["df"].colnames == ["residual", "repeated", "anova"]
    assert r.matrices["df"].values.shape == (4, 3)
    assert list(r.matrices["df"].values[0]) == [7183, 7024, 7024]
    before = s.estimates.active
    for bad, msg in [("method(foo)", "foo is not a valid DF method"),
                     ("method(rep anova) post", "multiple DF methods specified"),
                     ("method(rep) post(anova)", "method anova in option post() is not one"),
                     ("method(rep) eim", "option eim can only be specified"),
                     ("post", "options post and post() require option method()"),
                     ("method(kr) oim", "option oim not allowed with method kroger")]:
        rc, text = execute_text(s, f"estat df, {bad}")
        assert rc == 198 and msg in text, bad
        assert s.estimates.active is before
    rc, text = execute_text(s, "estat df, method(anova) post")
    assert rc == 0
    res = s.estimates.active
    assert res is not before and res.macros["dfmethod"] == "anova"
    assert res.scalars["small"] == 1 and res.scalars["ddf_m"] == 7024
    assert "DF method: ANOVA" in execute_text(s, "mixed")[1]


def test_repeated_refused_with_three_levels():
    s = hsb_after("egen gid = group(id)", "gen pair = ceil(gid/2)")
    before = s.estimates.active
    rc, text = execute_text(s, "mixed mathach ses || pair: || id:, dfmethod(repeated)")
    assert rc == 198 and "more than two levels" in text and s.estimates.active is before
    rc, text = execute_text(s, "mixed mathach ses || pair: || id:, dfmethod(anova) nolog")
    assert rc == 0, text
