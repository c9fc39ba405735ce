"""Time-series operators in estimation varlists ([U] 11.4.4): `regress y L.x D.x`,
`mixed D.y L(0/2).x || id:`. The reference is the same model fit on variables made by
`generate` with the operator (the expression evaluator's lag, dataset/timeseries.py): the
coefficients must agree to 1e-12 relative (the same arithmetic on the same rows)."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import hsb_after, run_lines


@pytest.fixture
def s():
    return hsb_after("egen sid = group(id)", "bysort sid: gen t = _n", "xtset sid t",
                     "gen hi = mathach > 15", "gen double l1 = L.ses", "gen double l2 = L2.ses",
                     "gen double dses = D.ses", "gen double dm = D.mathach")


def _b(s):
    return s.estimates.active.matrices["b"].values.ravel()


@pytest.mark.parametrize("operated, made", [
    ("regress mathach L.ses L2.ses D.ses", "regress mathach l1 l2 dses"),
    ("regress D.mathach L(1/2).ses", "regress dm l1 l2"),
    ("logit hi ses L.ses", "logit hi ses l1"),
    ("xtreg mathach L.ses, re", "xtreg mathach l1, re"),
    ("mixed D.mathach L(0/2).ses || sid:", "mixed dm ses l1 l2 || sid:"),
])
def test_operated_covariates_fit_as_generated_ones(s, operated, made):
    assert s.run(f"qui {made}") == 0
    ref, n = _b(s), s.estimates.active.scalars["N"]
    assert s.run(f"qui {operated}") == 0
    assert _b(s) == pytest.approx(ref, rel=1e-12, abs=1e-12)
    assert s.estimates.active.scalars["N"] == n


def test_names_and_table(s):
    rc, lines = run_lines(s, "regress mathach ses LL.ses DL.ses L2.ses")
    assert rc == 0
    # LL is L2 and DL is LD (the operators commute); the repeated L2.ses is omitted
    assert s.estimates.active.matrices["b"].colnames == ["ses", "L2.ses", "LD.ses",
                                                         "oL2.ses", "_cons"]
    body = lines[lines.index("-" * 13 + "+" + "-" * 64, 10) + 1:]
    assert body[0] == "         ses |"
    assert body[1].startswith("         --. |")
    assert body[2].startswith("         L2. |")
    assert body[3].startswith("         LD. |")
    assert body[4] == "         L2. |          0  (omitted)"
    assert body[5] == "             |"
    assert body[6].startswith("       _cons |")


def test_postestimation_reads_the_operated_columns(s):
    assert s.run("qui regress mathach L.ses L2.ses") == 0
    assert s.run("predict xb") == 0
    assert s.run("gen check = _b[_cons] + _b[L.ses]*l1 + _b[L2.ses]*l2") == 0
    xb, check = (np.asarray(s.data.column(v)) for v in ("xb", "check"))
    assert np.allclose(xb, check, rtol=1e-6, equal_nan=True)     # (xb is stored as float)
    rc, lines = run_lines(s, "lincom L.ses - L2.ses")
    assert rc == 0 and " ( 1)  L.ses - L2.ses = 0" in lines
    assert s.run("test L.ses L2.ses") == 0 and s.r.scalars["df"] == 2
    rc, lines = run_lines(s, "estat summarize")
    assert rc == 0 and any(ln.strip().startswith("L.ses |") for ln in lines)
    assert not any("not found" in ln for ln in lines)
    assert s.run("margins") == 0


@pytest.mark.parametrize("line, code, message", [
    ("regress mathach L.sector#c.ses", 198,
     "L.sector: time-series operators are not allowed in interactions"),
    ("regress mathach L(-1/2).ses", 198, "L(-1/2).ses: invalid time-series operator"),
])
def test_refusals(s, line, code, message):
    rc, lines = run_lines(s, line)
    assert rc == code and message in lines


def test_operators_need_a_time_variable():
    s = hsb_after()
    rc, lines = run_lines(s, "regress mathach L.ses")
    assert rc == 111 and "time variable not set, use tsset varname ..." in lines
