"""statsby ([D] statsby): one observation per by-group with the exp_list. Reference: per-school
OLS by numpy lstsq on the same rows (tolerance 1e-5 relative: results are stored as float)."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import hsb_session, run_lines, state


def test_per_school_ols_slopes_match_numpy():
    s = hsb_session()
    ids = s.data.column("id").copy()
    y, x = s.data.column("mathach").copy(), s.data.column("ses").copy()
    rc, lines = run_lines(s, "statsby _b, by(id) clear nodots: regress mathach ses")
    assert rc == 0
    assert s.data.names == ["id", "_b_ses", "_b_cons"]
    schools = sorted(set(ids))
    assert s.data.column("id").tolist() == schools
    for k in (0, 17, 159):
        rows = ids == schools[k]
        X = np.column_stack([x[rows], np.ones(rows.sum())])
        b = np.linalg.lstsq(X, y[rows], rcond=None)[0]
        assert s.data.column("_b_ses")[k] == pytest.approx(b[0], rel=1e-5, abs=1e-6)
        assert s.data.column("_b_cons")[k] == pytest.approx(b[1], rel=1e-5)
    assert "           By: id" in lines and "      Command: regress mathach ses" in lines


def test_named_expressions_total_and_failed_groups():
    s = hsb_session()
    run_lines(s, "generate z = ses if sector == 1")
    rc, _ = run_lines(s, "statsby n=e(N) slope=_b[z], by(sector) clear total nodots: "
                         "regress mathach z")
    assert rc == 0
    n, slope = s.data.column("n"), s.data.column("slope")
    assert np.isnan(n[0]) and np.isnan(slope[0])          # sector 0: no observations, x
    assert n[1] == 3543 and n[2] == 3543                  # the total row uses all the data
    assert np.isnan(s.data.column("sector")[2])


def test_changed_data_needs_clear_and_nothing_is_lost():
    s = hsb_session()
    run_lines(s, "generate one = 1")
    before = state(s)
    assert run_lines(s, "statsby, by(sector): summarize mathach")[0] == 4
    assert run_lines(s, "statsby, by(nosuch) clear: summarize mathach")[0] == 111
    assert run_lines(s, "statsby, by(sector) subsets clear: summarize mathach")[0] == 198
    assert run_lines(s, "statsby, by(sector) clear: nosuchcommand")[0] == 498
    assert state(s) == before
