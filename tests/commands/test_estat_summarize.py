"""`estat summarize` after any estimator ([R] estat summarize; estat_summ.ado for the
variables, columns and header). Statistics against pandas (unweighted) and statsmodels'
DescrStatsW with the aweights normalized to the observations (pweights are summarized as
aweights), 1e-10 relative; the layout's columns are the ado's (_col(21/35/48/61), "Std. dev."
as Stata 17+ spells it: not verified against a log)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from session_helpers import execute_text, hsb_after


@pytest.fixture(scope="module")
def s():
    return hsb_after("gen w = 1 + mod(_n, 3)")


def frame(s, names):
    return pd.DataFrame({v: np.asarray(s.data.column(v), dtype=float) for v in names})


def test_after_mixed_matches_pandas_and_layout(s):
    assert execute_text(s, "mixed mathach ses i.sector if minority == 0 || id: ses, nolog")[0] == 0
    rc, text = execute_text(s, "estat summarize")
    assert rc == 0, text
    d = frame(s, ["mathach", "ses", "sector", "minority"])
    d = d[d["minority"] == 0]
    st = s.r.matrices["stats"]
    assert st.rownames == ["mathach", "ses", "1.sector"] and st.colnames == ["mean", "sd", "min", "max"]
    ref = np.array([[d[v].mean(), d[v].std(), d[v].min(), d[v].max()]
                    for v in ("mathach", "ses")] +
                   [[(d["sector"] == 1).mean(), (d["sector"] == 1).std(), 0, 1]])
    assert st.values == pytest.approx(ref, rel=1e-10)
    lines = text.splitlines()
    n = len(d)
    assert f"  Estimation sample mixed{'':18}Number of obs = {n:>10,}" in lines
    assert "      Variable |         Mean      Std. dev.         Min          Max" in lines
    assert "  " + "-" * 13 + "+" + "-" * 53 in lines
    assert any(line.startswith("       mathach |     ") and len(line) == 69 for line in lines)


def test_weights_as_aweights_and_the_weight_row(s):
    from statsmodels.stats.weightstats import DescrStatsW
    assert execute_text(s, "mixed mathach ses [pw=w] || id:, nolog")[0] == 0
    rc, text = execute_text(s, "estat summarize")
    assert rc == 0 and "Number of clusters   =        160" in text
    assert "  Std. dev. not adjusted for clustering" in text
    d = frame(s, ["mathach", "ses", "w"])
    wn = d["w"] * len(d) / d["w"].sum()
    st = s.r.matrices["stats"]
    assert st.rownames == ["mathach", "ses", "_weight"]
    for i, v in enumerate(("mathach", "ses")):
        ds = DescrStatsW(d[v], weights=wn, ddof=1)
        assert st.values[i, :2] == pytest.approx([ds.mean, ds.std], rel=1e-10)
    assert st.values[2] == pytest.approx([d["w"].mean(), d["w"].std(), 1, 3], rel=1e-10)
    assert execute_text(s, "estat summarize, noweights noheader")[0] == 0
    assert s.r.matrices["stats"].rownames == ["mathach", "ses"]


@pytest.mark.parametrize("fit", ["regress mathach ses minority",
                                 "logit minority ses", "melogit minority ses || id:"])
def test_generic_after_other_estimators(s, fit):
    assert execute_text(s, fit)[0] == 0
    rc, text = execute_text(s, "estat su")
    assert rc == 0, text
    dep = fit.split()[1]
    assert s.r.matrices["stats"].rownames[0] == dep
    assert f"Estimation sample {fit.split()[0]}" in text


def test_equation_labels_eqlist_and_refusals(s):
    assert execute_text(s, "mixed mathach ses || id:, nolog")[0] == 0
    rc, text = execute_text(s, "estat summarize, equation")
    assert rc == 0 and "  depvar       |" in text and "  mathach      |" in text
    assert s.r.matrices["stats"].rownames == ["depvar:mathach", "mathach:ses"]
    rc, text = execute_text(s, "estat summarize, labels")
    assert rc == 0 and "    Variable |      Mean   Std. dev.     Min      Max   Label" in text
    rc, text = execute_text(s, "estat summarize meanses ses")
    assert rc == 0 and s.r.matrices["stats"].rownames == ["meanses", "ses"]
    rc, text = execute_text(s, "estat summarize, foo")
    assert rc == 198 and "option foo not allowed" in text


def test_factor_value_labels_as_the_coefficient_table():
    s = hsb_after('label define sec 0 "public" 1 "Catholic"', "label values sector sec",
                  "mixed mathach ses i.sector || id:, nolog")
    rc, text = execute_text(s, "estat su")
    assert rc == 0
    lines = text.splitlines()
    k = lines.index("        sector |")
    assert lines[k + 1].startswith("     Catholic  |     .4931106")
