"""joinby and cross ([D] joinby, [D] cross). Reference: pandas merge (inner / outer with an
indicator) and a cross join on the same rows; rows compared as sorted tuples."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from session_helpers import hsb_session, run_lines, state


@pytest.fixture
def files(tmp_path):
    s = hsb_session(data=False)
    for body, name in (("g a\n1 10\n1 11\n2 20\n3 30", "m"), ("g b\n1 100\n1 101\n2 200\n4 400", "u")):
        run_lines(s, "clear")
        run_lines(s, f"input {body}\nend")
        run_lines(s, f"save {tmp_path}/{name}, replace")
    M = pd.DataFrame({"g": [1, 1, 2, 3], "a": [10, 11, 20, 30]})
    U = pd.DataFrame({"g": [1, 1, 2, 4], "b": [100, 101, 200, 400]})
    return s, tmp_path, M, U


def rows(s, names):
    cols = [s.data.column(n) for n in names]
    return sorted(tuple(-1 if np.isnan(c[i]) else c[i] for c in cols) for i in range(s.data.nobs))


def test_joinby_inner_and_both(files):
    s, d, M, U = files
    run_lines(s, f"use {d}/m, clear")
    assert run_lines(s, f"joinby g using {d}/u")[0] == 0
    want = M.merge(U, on="g")
    assert rows(s, ["g", "a", "b"]) == sorted(map(tuple, want[["g", "a", "b"]].to_numpy()))
    run_lines(s, f"use {d}/m, clear")
    run_lines(s, f"joinby using {d}/u, unmatched(both)")
    want = M.merge(U, on="g", how="outer", indicator=True).fillna(-1)
    code = want["_merge"].map({"both": 3, "left_only": 1, "right_only": 2}).astype(float)
    got = rows(s, ["g", "a", "b", "_merge"])
    assert got == sorted(zip(want.g, want.a, want.b, code))


def test_cross_and_refusals(files):
    s, d, M, U = files
    run_lines(s, f"use {d}/m, clear")
    before = state(s)
    assert run_lines(s, f"cross using {d}/u")[0] == 110          # g in both
    assert run_lines(s, f"joinby g using {d}/u, unmatched(some)")[0] == 198
    assert state(s) == before
    run_lines(s, "drop g")
    assert run_lines(s, f"cross using {d}/u")[0] == 0
    assert s.data.nobs == 16 and rows(s, ["a", "b"])[:2] == [(10, 100), (10, 101)]
