"""separate ([D] separate): variables per group, names and labels as separate.ado makes them."""
from __future__ import annotations

import numpy as np

from session_helpers import hsb_session, run_lines, state


def test_by_variable_and_by_expression():
    s = hsb_session()
    assert run_lines(s, "separate mathach, by(sector)")[0] == 0
    y, g = s.data.column("mathach"), s.data.column("sector")
    np.testing.assert_array_equal(s.data.column("mathach1"), np.where(g == 1, y, np.nan))
    assert s.data.var("mathach0").label == "mathach, sector == 0"
    assert s.r.macros["varlist"] == "mathach0 mathach1"
    run_lines(s, 'label define sec 0 "public" 1 "Catholic"')
    run_lines(s, "label values sector sec")
    run_lines(s, "separate ses, by(sector) generate(s_) shortlabel")
    assert s.data.var("s_1").label == "sector == Catholic"
    run_lines(s, "separate ses, by(ses > 0)")
    assert s.data.var("ses0").label == "ses, !(ses > 0)"
    x = s.data.column("ses")
    np.testing.assert_array_equal(s.data.column("ses1"), np.where(x > 0, x, np.nan))


def test_refusals_change_nothing():
    s = hsb_session()
    before = state(s)
    for line, rc in (("separate mathach, by(ses + 1)", 450),
                     ("separate mathach, by(sector) indicator(x)", 198),
                     ("separate mathach", 198),
                     ("separate mathach, by(sector) shortlabel veryshortlabel", 198)):
        assert run_lines(s, line)[0] == rc, line
    assert state(s) == before
