"""Frequency weights: the fit of [fw=w] is the fit of the data with each row repeated w
times (an independent construction: the expanded data, fitted unweighted). Tolerance:
ll 1e-6 absolute, e(b) and e(V) 1e-6 relative (both are exact optima)."""
import numpy as np
import pytest

from hlmshell.models import Factor, ModelError, ModelSpec, RandomLevel, Term, fit
from hlmshell.models.robust import sandwich

C = lambda v: Term((Factor(v),))  # noqa: E731


def data(seed=5, G=25):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(G), rng.integers(2, 7, size=G))
    x = rng.normal(size=len(g))
    y = 1 + 0.4 * x + rng.normal(size=G)[g] + rng.normal(size=G)[g] * x + rng.normal(size=len(g))
    w = rng.integers(0, 4, size=len(g)).astype(float)
    return {"y": y, "x": x, "g": g.astype(float), "w": w}


@pytest.mark.parametrize("levels", [(RandomLevel("g"),),
                                    (RandomLevel("g", ("x",), covariance="unstructured"),)])
def test_fweights_equal_the_expanded_data(levels):
    d = data()
    a = fit(ModelSpec("y", (C("x"),), levels, weights="w"), d)
    rep = d["w"].astype(int)
    e = fit(ModelSpec("y", (C("x"),), levels), {k: np.repeat(v, rep) for k, v in d.items()})
    assert a.n == e.n == int(d["w"].sum())
    assert a.ll == pytest.approx(e.ll, abs=1e-6)
    assert np.asarray(a.b) == pytest.approx(np.asarray(e.b), rel=1e-6)
    assert np.asarray(a.V) == pytest.approx(np.asarray(e.V), rel=1e-5, abs=1e-10)
    assert a.levels[0].n_groups == e.levels[0].n_groups        # zero-weight rows left out
    ra, re_ = sandwich(a), sandwich(e)                         # clusters = groups: same
    assert ra.V == pytest.approx(re_.V, rel=1e-5, abs=1e-10)


def test_bad_weights():
    d = data()
    spec = ModelSpec("y", (C("x"),), (RandomLevel("g"),), weights="w")
    for bad, code in [(-1.0, 402), (1.5, 401)]:
        w = d["w"].copy()
        w[3] = bad
        with pytest.raises(ModelError) as err:
            fit(spec, {**d, "w": w})
        assert err.value.code == code
