"""collapse: statistics, weights, by(), cw, storage types, labels and refusals.
Reference values: an independent pandas/numpy computation on the same data (per-group loops
written plainly here), and summarize, detail's percentile rule ([R] summarize)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from session_helpers import col, data_session, hsb_session, run_lines, state
from session_helpers import run_nonblank as run

TOL = 1e-6   # results stored as float: compare at float precision


def hsb_frame(s):
    return pd.DataFrame({n: s.data.column(n) for n in ("id", "mathach", "ses", "size", "sector")})


def test_means_counts_sd_match_pandas():
    s = hsb_session()
    s.buf = s.out
    df = hsb_frame(s)
    run(s, "collapse (mean) mathach ses (count) n=mathach (sd) sd=mathach (sum) tot=mathach"
           " (min) lo=mathach (max) hi=mathach, by(id)")
    want = df.groupby("id").agg(m=("mathach", "mean"), ses=("ses", "mean"), n=("mathach", "count"),
                                sd=("mathach", "std"), tot=("mathach", "sum"),
                                lo=("mathach", "min"), hi=("mathach", "max"))
    assert s.data.names == ["id", "mathach", "ses", "n", "sd", "tot", "lo", "hi"]
    assert col(s, "id") == list(want.index)
    for ours, theirs in [("mathach", "m"), ("ses", "ses"), ("sd", "sd"), ("tot", "tot"),
                         ("lo", "lo"), ("hi", "hi")]:
        assert np.allclose(s.data.column(ours), want[theirs], rtol=TOL), ours
    assert col(s, "n") == want["n"].tolist()
    assert s.data.var("n").stype == "long" and s.data.var("mathach").stype == "float"
    assert s.data.var("tot").stype == "double"
    # collapse.ado: label `(stat) source name`, the source's display format
    assert s.data.var("mathach").label == "(mean) mathach"
    assert s.data.var("sd").label == "(sd) mathach"
    assert s.data.sortedby == ["id"]


def test_percentiles_follow_summarize_detail_rule():
    s = data_session({"g": ("byte", [1, 1, 1, 1, 2, 2, 2]),
                      "x": ("double", [4, 1, 3, 2, 10, 30, 20])})[0]
    run(s, "collapse (p50) med=x (p25) q1=x (iqr) iqr=x (first) f=x (last) l=x, by(g)")
    assert s.data.var("med").label == "(p 50) x" and s.data.var("q1").label == "(p 25) x"
    # g=1: 1 2 3 4, P50 = 2 (integer) -> (2+3)/2; P25 = 1 -> (1+2)/2; P75 = 3 -> (3+4)/2
    # g=2: 10 20 30, P50 = 1.5 -> 20; P25 = .75 -> 10; P75 = 2.25 -> 30
    assert col(s, "med") == [2.5, 20] and col(s, "q1") == [1.5, 10] and col(s, "iqr") == [2, 20]
    assert col(s, "f") == [4, 10] and col(s, "l") == [2, 20]


def test_firstnm_lastnm_cw_and_percent():
    s = data_session({"g": ("byte", [1, 1, 1, 2]), "x": ("float", [np.nan, 1, np.nan, 5]),
                      "y": ("float", [7, 8, 9, np.nan])})[0]
    run(s, "collapse (firstnm) a=x (lastnm) b=x (first) c=x (percent) p=x (count) n=y, by(g)")
    assert col(s, "a") == [1, 5] and col(s, "b") == [1, 5] and col(s, "c") == [None, 5]
    assert col(s, "p") == [50, 50] and col(s, "n") == [3, 0]   # count is 0 for no data
    s = data_session({"g": ("byte", [1, 1, 1, 2]), "x": ("float", [np.nan, 1, np.nan, 5]),
                      "y": ("float", [7, 8, 9, np.nan])})[0]
    rc, lines = run_lines(s, "collapse (count) x y, by(g) cw")
    assert rc == 0 and col(s, "x") == [1] and col(s, "y") == [1]


def test_weights():
    x, w, g = np.array([1., 2, 3, 4]), np.array([1., 2, 3, 4]), [1, 1, 2, 2]
    cols = {"g": ("byte", g), "x": ("double", x), "w": ("double", w)}
    s = data_session(cols)[0]
    run(s, "collapse (mean) m=x (sum) s=x (rawsum) r=x (count) n=x (sd) sd=x [fw=w], by(g)")
    # frequency weights: as if each row were repeated w times
    rep = np.repeat(x, w.astype(int)), np.repeat(g, w.astype(int))
    for k, v in enumerate([1, 2]):
        xs = rep[0][rep[1] == v]
        assert col(s, "m")[k] == pytest.approx(xs.mean(), rel=1e-12)
        assert col(s, "s")[k] == pytest.approx(xs.sum(), rel=1e-12)
        assert col(s, "n")[k] == len(xs)
        assert col(s, "sd")[k] == pytest.approx(xs.std(ddof=1), rel=1e-12)
    assert col(s, "r") == [3, 7]
    s = data_session(cols)[0]
    lines = run(s, "collapse (mean) m=x (sum) s=x (count) n=x (percent) p=x [aw=w], by(g)")
    # analytic weights rescaled to sum to N: sum = N * weighted mean; count = N (with a note);
    # percent is the share of the weights
    assert lines == ["(note: aweights not used to compute counts)"]
    assert col(s, "m") == pytest.approx([5 / 3, 25 / 7], rel=1e-12)
    assert col(s, "s") == pytest.approx([10 / 3, 50 / 7], rel=1e-12)
    assert col(s, "n") == [2, 2] and col(s, "p") == pytest.approx([30, 70], rel=1e-12)
    s = data_session(cols)[0]
    run(s, "collapse (sum) s=x (count) n=x [pw=w], by(g)")
    assert col(s, "s") == [5, 25] and col(s, "n") == [3, 7]     # pweights: plain sums
    assert run_lines(data_session(cols)[0], "collapse (sd) x [pw=w]")[0] == 135


def test_se_statistics():
    s = data_session({"g": ("byte", [1, 1, 1, 1, 2, 2]), "b": ("double", [0, 1, 1, 1, 0, 2])})[0]
    run(s, "collapse (sebinomial) sb=b (sepoisson) sp=b (semean) sm=b, by(g)")
    # g=1: m = .75, N = 4: sqrt(.75*.25/4); sqrt(round(3))/4; sd/sqrt(4)
    assert col(s, "sb")[0] == pytest.approx(np.sqrt(.75 * .25 / 4), rel=1e-12)
    assert col(s, "sp") == pytest.approx([np.sqrt(3) / 4, np.sqrt(2) / 2], rel=1e-12)
    assert col(s, "sm")[0] == pytest.approx(np.std([0, 1, 1, 1], ddof=1) / 2, rel=1e-12)
    assert col(s, "sb")[1] is None                       # a 2 is not binomial data


@pytest.mark.parametrize("line, code", [
    ("collapse (mean) name", 109),
    ("collapse (mean) x if x > 100", 2000),
    ("collapse (foo) x", 198),
    ("collapse (mean) x [fw=z]", 401),
    ("collapse (mean) x (sd) x", 198),
    ("collapse (mean) x, by(x)", 198),
    ("collapse (mean) x, nosuch", 198),
])
def test_refusals_leave_the_data(line, code):  # noqa: D103
    s = data_session({"x": ("float", [1, 2]), "z": ("float", [1.5, 2]),
                      "name": ("str1", ["a", "b"])})[0]
    before = state(s)
    rc, _ = run_lines(s, line)
    assert rc == code
    assert state(s) == before


def test_by_variables_keep_their_value_labels():
    # Stata keeps the by() variables' value labels and every label definition
    s = hsb_session()
    s.buf = s.out
    run(s, 'label define sec 0 "public" 1 "Catholic"')
    run(s, "label values sector sec")
    run(s, "collapse (mean) ses, by(sector)")
    assert s.data.var("sector").value_label == "sec"
    assert s.data.value_labels["sec"] == {0.0: "public", 1.0: "Catholic"}
    assert s.data.var("ses").value_label in (None, "")
