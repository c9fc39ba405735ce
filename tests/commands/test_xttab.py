"""xttab ([XT] xttab). Reference: pandas groupby counts by hand (exact), the Within total as
xttab.ado weights it (by the between counts)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from session_helpers import hsb_session, run_lines


def test_overall_between_within():
    s = hsb_session()
    run_lines(s, "egen school = group(id)")
    run_lines(s, "xtset school")
    rc, lines = run_lines(s, "xttab minority")
    assert rc == 0
    df = pd.DataFrame({"m": s.data.column("minority"), "p": s.data.column("school")})
    share = df.groupby("p")["m"].value_counts(normalize=True).unstack(fill_value=0)
    R = s.r.matrices["results"].values
    for k, v in enumerate((0, 1)):
        takes = share[v] > 0
        assert R[k, 1] == (df.m == v).sum()
        assert R[k, 3] == takes.sum()
        assert R[k, 5] == pytest.approx(100 * share[v][takes].mean(), rel=1e-12)
    b = R[:2, 3]
    assert R[2, 5] == pytest.approx((b / b.sum() * R[:2, 5]).sum(), rel=1e-12)
    assert s.r.scalars["n"] == 160
    assert "                               (n = 160)" in lines
    run_lines(s, "xtset, clear")
    assert run_lines(s, "xttab minority")[0] == 459
    assert np.isfinite(R[:2]).all()
