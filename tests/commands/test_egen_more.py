"""The [D] egen functions beyond the basic ones. Expected values are worked by hand from the
8-row dataset below (percentiles with summarize, detail's rule: P = N·p/100, the mean of
two order statistics when P is an integer), or computed independently with numpy."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import col, data_session, run_lines, state
from session_helpers import run_nonblank as run

NAN = float("nan")


@pytest.fixture
def s():
    # g: 1 1 1 1 2 2 2 2; x = mod(3n, 7) with x[3] missing
    return data_session({"g": ("byte", [1, 1, 1, 1, 2, 2, 2, 2]),
                         "x": ("float", [3, 6, NAN, 5, 1, 4, 0, 3]),
                         "s": ("str1", ["a", "b", "b", "a", "a", "a", "a", "a"])})[0]


def test_percentiles_by_group(s):
    run(s, "egen md = median(x), by(g)")
    run(s, "egen p25 = pctile(x), p(25) by(g)")
    run(s, "egen iq = iqr(x), by(g)")
    assert col(s, "md") == [5] * 4 + [2] * 4          # 3 5 6 -> 5; 0 1 3 4 -> (1+3)/2
    assert col(s, "p25") == [3] * 4 + [.5] * 4
    assert col(s, "iq") == [3] * 8                    # 6-3; 3.5-.5


def test_mode_ties(s):
    run(s, "egen mo = mode(x), by(g) minmode")
    run(s, "egen mx = mode(x), by(g) maxmode")
    run(s, "egen ms = mode(s), by(g)")
    assert col(s, "mo") == [3] * 4 + [0] * 4 and col(s, "mx") == [6] * 4 + [4] * 4
    assert col(s, "ms") == [""] * 4 + ["a"] * 4        # a tie (a a b b) is missing


def test_rank_options(s):
    run(s, "egen rf = rank(x), field by(g)")
    run(s, "egen rt = rank(x), track")
    run(s, "egen ru = rank(x), unique")
    assert col(s, "rf") == [3, 1, None, 2, 3, 1, 4, 2]
    assert col(s, "rt") == [3, 7, None, 6, 2, 5, 1, 3]
    assert col(s, "ru") == [3, 7, None, 6, 2, 5, 1, 4]


def test_std_and_cut(s):
    run(s, "egen z = std(x)")
    assert s.data.var("z").label == "Standardized values of x"
    run(s, "egen z2 = std(x), mean(10) std(2)")
    assert col(s, "z2")[0] == pytest.approx(10 + 2 * col(s, "z")[0], rel=1e-6)
    x = np.array([3, 6, 5, 1, 4, 0, 3.])
    want = (x - x.mean()) / x.std(ddof=1)
    got = np.array(col(s, "z"))[[0, 1, 3, 4, 5, 6, 7]].astype(float)
    assert np.allclose(got, want, rtol=1e-6)
    run(s, "egen c = cut(x), at(0,2,4,7)")
    assert col(s, "c") == [2, 4, None, 4, 0, 4, 0, 2]
    run(s, "egen ci = cut(x), group(3)")   # breaks 0, 3 (P=2.33), 4 (P=4.67), 7; codes
    assert col(s, "ci") == [1, 2, None, 2, 0, 2, 0, 1]
    run(s, "egen cl = cut(x), at(0,2,4,7) label")
    assert col(s, "cl") == [1, 2, None, 2, 0, 2, 0, 1]
    assert s.data.value_labels["cl"] == {0.0: "0-", 1.0: "2-", 2.0: "4-", 3.0: "7-"}
    rc, lines = run_lines(s, "egen z3 = std(x), by(g)")
    assert rc == 190 and lines[0] == "egen ... std() may not be combined with by"


def test_row_functions(s):
    run(s, "gen y = 10 in 1/2")
    run(s, "egen rm = rowmean(x y)")
    run(s, "egen rt = rowtotal(x y)")
    run(s, "egen rtm = rowtotal(y), missing")
    run(s, "egen rmax = rowmax(x y)")
    run(s, "egen rsd = rowsd(x y)")
    run(s, "egen miss = rowmiss(x y s)")
    run(s, "egen non = rownonmiss(x y)")
    assert col(s, "rm")[:4] == [6.5, 8, None, 5]
    assert col(s, "rt")[:4] == [13, 16, 0, 5]
    assert col(s, "rtm")[1:3] == [10, None]
    assert col(s, "rmax")[:3] == [10, 10, None]
    assert col(s, "rsd")[0] == pytest.approx(np.std([3, 10], ddof=1), rel=1e-6)
    assert col(s, "rsd")[3] is None
    assert col(s, "miss")[:4] == [0, 0, 2, 1] and col(s, "non")[:4] == [2, 2, 0, 1]
    rc, _ = run_lines(s, "egen bad = rowmean(x s)")
    assert rc == 109


def test_any_concat_fill_seq_diff(s):
    run(s, "egen ac = anycount(x g), values(1 2)")
    run(s, "egen am = anymatch(x), values(6)")
    run(s, "egen av = anyvalue(x), values(5/6)")
    run(s, "egen cc = concat(s g x), punct(-)")
    run(s, "egen f = fill(10 20)")
    run(s, "egen f2 = fill(1 1 2 2)")
    run(s, "egen sq = seq(), by(g) block(2)")
    run(s, "egen sq2 = seq(), from(3) to(1)")
    run(s, "gen x2 = x")
    run(s, "replace x2 = 0 in 1")
    run(s, "egen d = diff(x x2)")
    assert col(s, "ac") == [1, 1, 1, 1, 2, 1, 1, 1]
    assert col(s, "am") == [0, 1, 0, 0, 0, 0, 0, 0]
    assert col(s, "av") == [None, 6, None, 5, None, None, None, None]
    assert col(s, "cc")[:3] == ["a-1-3", "b-1-6", "b-1-."]
    assert col(s, "f") == [10, 20, 30, 40, 50, 60, 70, 80]
    assert col(s, "f2") == [1, 1, 2, 2, 3, 3, 4, 4]
    assert col(s, "sq") == [1, 1, 2, 2, 1, 1, 2, 2]
    assert col(s, "sq2") == [3, 2, 1, 3, 2, 1, 3, 2]
    assert col(s, "d") == [1, 0, 0, 0, 0, 0, 0, 0]


@pytest.mark.parametrize("line, code", [
    ("egen bad = rowmean(x), nosuch", 198),
    ("egen bad = fill(1 2) if x", 198),
    ("egen bad = anycount(x)", 198),
    ("egen bad = seq(x)", 198),
    ("egen bad = rank(x), field track", 198),
])
def test_refusals(s, line, code):
    before = state(s)
    rc, _ = run_lines(s, line)
    assert rc == code
    assert state(s) == before


def test_rank_and_median_match_numpy_on_many_groups():
    rng = np.random.default_rng(3)
    g = rng.integers(0, 30, 3000).astype(float)
    x = np.round(rng.normal(size=3000), 1)
    s = data_session({"g": ("int", g), "x": ("double", x)})[0]
    run(s, "egen double md = median(x), by(g)")
    run(s, "egen double tr = rank(x), track by(g)")
    md, tr = s.data.column("md"), s.data.column("tr")
    for v in np.unique(g):
        xs = np.sort(x[g == v])
        n = len(xs)
        P = n / 2
        want = (xs[int(P) - 1] + xs[int(P)]) / 2 if P == int(P) else xs[int(np.ceil(P)) - 1]
        assert np.all(md[g == v] == want)
        assert np.array_equal(tr[g == v], 1 + np.searchsorted(xs, x[g == v], side="left"))


def test_group_label(s):
    run(s, "egen gs = group(g s), label")
    assert col(s, "gs") == [1, 2, 2, 1, 3, 3, 3, 3]         # (1 a) (1 b) (2 a) in sort order
    assert s.data.var("gs").value_label == "gs"
    assert s.data.value_labels["gs"] == {1.0: "1 a", 2.0: "1 b", 3.0: "2 a"}


def test_concat_decode(s):
    run(s, "encode s, gen(code)")
    run(s, "egen c1 = concat(g code), punct(/)")
    run(s, "egen c2 = concat(g code), decode punct(/)")
    assert col(s, "c1")[:2] == ["1/1", "1/2"] and col(s, "c2")[:2] == ["1/a", "1/b"]


def test_moments_deviations_and_percent(s):
    # references: scipy.stats skew/kurtosis (biased, as summarize, detail), numpy by hand
    from scipy import stats
    run(s, "egen sk = skew(x), by(g)")
    run(s, "egen ku = kurt(x), by(g)")
    run(s, "egen mv = mdev(x), by(g)")
    run(s, "egen md = mad(x), by(g)")
    run(s, "egen p = pc(x), by(g)")
    run(s, "egen q = pc(x), prop")
    a, b = np.array([3, 6, 5.0]), np.array([1, 4, 0, 3.0])
    for grp, rows in ((a, slice(0, 4)), (b, slice(4, 8))):
        assert col(s, "sk")[rows] == pytest.approx([stats.skew(grp)] * 4, rel=1e-6)
        assert col(s, "ku")[rows] == pytest.approx([stats.kurtosis(grp, fisher=False)] * 4,
                                                   rel=1e-6)
        assert col(s, "mv")[rows] == pytest.approx([np.mean(np.abs(grp - grp.mean()))] * 4,
                                                   rel=1e-6)
    assert col(s, "md") == pytest.approx([1] * 4 + [1.5] * 4)   # |3 6 5 - 5| -> 1; b: 1.5
    assert col(s, "p")[:2] == pytest.approx([100 * 3 / 14, 100 * 6 / 14], rel=1e-6)
    assert col(s, "q")[0] == pytest.approx(3 / 22, rel=1e-6)


def test_row_order_and_percentiles():
    s = data_session({"a": ("double", [1, NAN, NAN]), "b": ("double", [2, 5, NAN]),
                      "c": ("double", [9, 4, NAN])})[0]
    run(s, "egen f = rowfirst(a b c)")
    run(s, "egen l = rowlast(a b c)")
    run(s, "egen m = rowmedian(a b c)")
    run(s, "egen p = rowpctile(a b c), p(25)")
    assert col(s, "f")[:2] == [1, 5] and np.isnan(s.data.column("f")[2])
    assert col(s, "l")[:2] == [9, 4]
    assert col(s, "m")[:2] == [2, 4.5]                 # 1 2 9; 4 5 -> (4+5)/2
    assert col(s, "p")[:2] == [1, 4]                   # P = .75 -> x[1]; P = .5 -> x[1]
