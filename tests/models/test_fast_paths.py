"""The one-level fast paths of lmm.py (closed forms for q <= 2, the H_g (x) H_g product,
ML without the inverse of X'V^-1X) against the general level-elimination code, and the
sorted (reduceat) and unsorted (bincount) per-group cross-products against each other."""
import numpy as np
import pytest
from conftest import synth

from hlmshell.models import Factor, ModelSpec, RandomLevel, Term
from hlmshell.models import lmm as lmm_mod
from hlmshell.models.design import build_design
from hlmshell.models.lmm import LMM

C = lambda v: Term((Factor(v),))  # noqa: E731
FIXED = (C("x"), C("z"), Term((Factor("f", True),)))

SPECS = {
    "q1": ModelSpec("y", FIXED, (RandomLevel("school"),)),
    "q1-slope-only": ModelSpec("y", FIXED, (RandomLevel("school", ("x",), constant=False),)),
    "q2-un": ModelSpec("y", FIXED, (RandomLevel("school", ("x",), covariance="unstructured"),)),
    "q2-ind": ModelSpec("y", FIXED, (RandomLevel("school", ("x",), covariance="independent"),)),
    "q2-exch": ModelSpec("y", FIXED, (RandomLevel("school", ("x",), covariance="exchangeable"),)),
    "q3-un": ModelSpec("y", FIXED, (RandomLevel("school", ("x", "z"), covariance="unstructured"),)),
}


def _general(m, th):
    """deviance and gradient through the general (multi-level) elimination code."""
    R, ld, cache, _ = m._forward(th, general=True)
    beta, r2, ldXX, Q, XXinv = m._top(R, True)
    n, p = m.n, m.p
    nu = n - p if m.reml else n
    dev = ld + (ldXX if m.reml else 0.0) + nu * (1 + np.log(2 * np.pi) + np.log(r2 / nu))
    Rbar = (nu / r2)[:, None, None] * Q
    if m.reml:
        Rbar[:, :p, :p] += XXinv
    return dev, m._backward(cache, Rbar)


@pytest.mark.parametrize("name", list(SPECS))
@pytest.mark.parametrize("reml", [False, True])
@pytest.mark.parametrize("wide", [False, True])
def test_fast_path_matches_general(name, reml, wide, monkeypatch):
    if wide:    # the O(G q dW) path for designs too wide for the outer products
        monkeypatch.setattr(LMM, "OUTER_LIMIT", 0)
    data = synth(seed=3, n_outer=12, missing=True)
    m = LMM(build_design(SPECS[name], data), reml=reml)
    assert (m._O is None) == wide
    rng = np.random.default_rng(5)
    th = rng.normal(size=(6, m.offsets[-1])) * 0.7
    th[0] = 0.0                              # the linear model
    dev, g = m.deviance(th, True)
    dev0, g0 = _general(m, th)
    assert np.allclose(dev, dev0, rtol=1e-12, atol=0)
    assert np.allclose(g, g0, rtol=1e-9, atol=1e-9 * np.abs(g0).max())
    # m2ll (observed information) on the same paths: s2 not profiled
    psi = np.c_[th, rng.normal(size=len(th)) * 0.3]
    val, gp = m.m2ll(psi, True)
    for i in range(len(th)):
        h = 1e-6
        e = np.zeros(psi.shape[1])
        e[-1] = h
        fd = (m.m2ll(psi[i] + e) - m.m2ll(psi[i] - e)) / (2 * h)
        assert gp[i, -1] == pytest.approx(fd, rel=1e-6, abs=1e-6)


def test_crossprod_sorted_and_unsorted_agree():
    rng = np.random.default_rng(0)
    n, G = 500, 37
    g = np.sort(rng.integers(0, G, size=n))
    g = np.searchsorted(np.unique(g), g)     # dense codes 0..G-1
    G = int(g.max()) + 1
    x, y = rng.normal(size=n), rng.normal(size=n)
    one = np.ones(n)
    cols = [x, one, x.copy(), one, y]
    M = lmm_mod._group_crossprod(cols, g, G)
    perm = rng.permutation(n)
    Mu = lmm_mod._group_crossprod([c[perm] for c in cols], g[perm], G)
    A = np.column_stack(cols)
    ref = np.stack([A[g == k].T @ A[g == k] for k in range(G)])
    assert np.allclose(M, ref, rtol=1e-12, atol=1e-12)
    assert np.allclose(Mu, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("values", [
    ["1224", "1224", "1288", "1296", "1296", "9586"],        # equal lengths, sorted
    ["b2", "a1", "b2", "c3", "a1"],                            # equal lengths, unsorted
    ["ab", "", "c", "ab", "", "zz"],                           # mixed lengths and missing
    ["", "", ""],                                              # all missing
    ["é1", "e1", "é1", "z9"],                                  # UTF-8 (2-byte) characters
    ["a\x00", "a\x00", "b\x00"],                               # NUL inside: not packed
    ["abcdefghi", "b"],                                        # longer than 8 bytes
    ["abcdefgh", "abcdefgg", "abcdefgh", "aaaaaaaa"],          # 8 bytes, the limit
    ["b", "a", "c", "a"],                                      # one byte
])
def test_group_codes_match_sorted_unique(values):
    from hlmshell.models.design import _group_codes
    arr = np.array(values, dtype=object)
    codes = _group_codes({"g": arr}, "g", len(arr))
    ok = np.array([v != "" for v in values])
    assert (codes[~ok] == -1).all()
    uniq = sorted(set(v for v in values if v))
    assert list(codes[ok]) == [uniq.index(v) for v in values if v]


def test_numeric_group_codes_sorted_and_unsorted():
    from hlmshell.models.design import _group_codes
    for v in ([3.0, 3.0, 5.0, 7.5, 7.5, np.nan, 9.0], [5.0, 3.0, np.nan, 5.0, -1.0, 3.0]):
        arr = np.array(v)
        codes = _group_codes({"g": arr}, "g", len(arr))
        ok = ~np.isnan(arr)
        assert (codes[~ok] == -1).all()
        assert (codes[ok] == np.unique(arr[ok], return_inverse=True)[1]).all()
