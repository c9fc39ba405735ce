"""Two-way tabulate: chi2/lrchi2 (checked against scipy.stats.chi2_contingency, an independent
computation), cell/nofreq layouts, r() results, refusals; tab1 and tab2."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2_contingency

from session_helpers import hsb_session, run_lines
from session_helpers import data_session as make_session
from session_helpers import run_trimmed as run


@pytest.fixture(scope="module")
def hsb():
    return hsb_session()


def test_chi2_and_lrchi2_match_scipy(hsb):
    rc, lines = run_lines(hsb, "tabulate sector minority, chi2 lrchi2")
    assert rc == 0
    data = hsb.data
    table = np.zeros((2, 2))
    np.add.at(table, (data.column("sector").astype(int), data.column("minority").astype(int)), 1)
    chi2, p, df, _ = chi2_contingency(table, correction=False)
    lr, p_lr, _, _ = chi2_contingency(table, correction=False, lambda_="log-likelihood")
    r = hsb.r.scalars
    assert list(r) == ["N", "r", "c", "chi2", "p", "chi2_lr", "p_lr"]
    assert r["chi2"] == pytest.approx(chi2, rel=1e-12)
    assert r["p"] == pytest.approx(p, rel=1e-9)
    assert r["chi2_lr"] == pytest.approx(lr, rel=1e-12)
    assert r["p_lr"] == pytest.approx(p_lr, rel=1e-9)
    lines = [ln for ln in lines if ln]
    assert lines[-2:] == ["          Pearson chi2(1) =  17.7061   Pr = 0.000",
                          " Likelihood-ratio chi2(1) =  17.7126   Pr = 0.000"]


def test_cell_nofreq_layout():
    s, out = make_session({"a": ("byte", [1, 1, 2, 2, 2]), "b": ("byte", [1, 2, 1, 1, 2])})
    assert run(s, out, "tab a b, cell nofreq") == [
        "+-----------------+",
        "| Key             |",
        "|-----------------|",
        "| cell percentage |",
        "+-----------------+",
        "",
        "           |          b",
        "         a |         1          2 |     Total",
        "-----------+----------------------+----------",
        "         1 |     20.00      20.00 |     40.00",
        "         2 |     40.00      20.00 |     60.00",
        "-----------+----------------------+----------",
        "     Total |     60.00      40.00 |    100.00",
    ]


def test_refusals():
    s, out = make_session({"a": ("byte", [1, 2]), "b": ("byte", [1, 2])})
    assert run(s, out, "tab a, chi2", rc=198) == ["option chi2 not allowed", "r(198);"]
    assert run(s, out, "tab a b, exact", rc=198) == ["option exact not allowed", "r(198);"]
    assert run(s, out, "tab2 a", rc=102) == ["too few variables specified", "r(102);"]


def test_tab1_and_tab2():
    s, out = make_session({"a": ("byte", [1, 1, 2]), "b": ("byte", [1, 2, 2]), "c": ("byte", [3, 3, 3])})
    text = run(s, out, "tab1 a b")
    assert [ln for ln in text if ln.startswith("->")] == ["-> tabulation of a", "-> tabulation of b"]
    text = run(s, out, "tab2 a b c")
    assert [ln for ln in text if ln.startswith("->")] == [
        "-> tabulation of a by b", "-> tabulation of a by c", "-> tabulation of b by c"]
