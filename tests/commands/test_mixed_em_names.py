"""The EM heading of mixed's iteration log (IterateEM in StataCorp's _xtmixed_estimate.ado)
and the e(b) names of residual-structure parameters (as _xtme_estatsd.ado looks them up)."""
from __future__ import annotations

import pytest

from session_helpers import execute_text, hsb_after


@pytest.fixture(scope="module")
def s():
    return hsb_after("egen gid = group(id)", "keep if gid <= 12", "bysort id: gen t = _n",
                     "keep if t <= 3", "gen w = 1 + mod(_n, 2)")


@pytest.mark.parametrize("cmd, banner", [
    ("mixed mathach ses || id:", "Performing EM optimization ..."),
    ("mixed mathach ses || _all: R.sector || id:", "Performing EM optimization ..."),
    ("mixed mathach ses || id:, residuals(ar 1, t(t))", "Obtaining starting values by EM ..."),
    ("mixed mathach ses || id:, residuals(ind, by(sector))",
     "Obtaining starting values by EM ..."),
    ("mixed mathach ses || id:, residuals(independent)", "Performing EM optimization ..."),
    ("mixed mathach ses [fw=w] || id:", "Obtaining starting values by EM ..."),
    ("mixed mathach ses [pw=w] || id:", "Obtaining starting values by EM ..."),
    ("mixed mathach ses || id:, emiterate(0)", None),
])
def test_em_heading(s, cmd, banner):
    rc, text = execute_text(s, cmd)
    assert rc == 0, text
    lines = text.splitlines()
    heads = [ln for ln in lines if "EM" in ln and not ln.startswith(".")]
    assert heads == ([banner] if banner else [])
    assert "Performing gradient-based optimization: " in lines


@pytest.mark.parametrize("rspec, names", [
    ("toeplitz 1, t(t)", ["r_atr1_1:_cons"]),
    ("unstructured, t(t)", ["r_lns1_2ose:_cons", "r_lns1_3ose:_cons", "r_atr1_1_2:_cons",
                            "r_atr1_1_3:_cons", "r_atr1_2_3:_cons"]),
    ("banded 1, t(t)", ["r_lns1_2ose:_cons", "r_lns1_3ose:_cons", "r_atr1_1_2:_cons",
                        "r_atr1_2_3:_cons"]),
    ("ar 1, t(t)", ["r_atr1:_cons"]),
    ("exchangeable", ["r_atr1:_cons"]),
])
def test_residual_parameter_names(s, rspec, names):
    rc, text = execute_text(s, f"mixed mathach ses || id:, noconstant residuals({rspec}) nolog")
    assert rc == 0, text
    cols = s.estimates.active.matrices["b"].colnames
    assert [c for c in cols if c.startswith("r_")] == names
    assert "lnsig_e:_cons" in cols and cols.index("lnsig_e:_cons") < cols.index(names[0])
