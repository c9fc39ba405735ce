"""vce(robust): the sandwich of models/robust.py against an independent dense computation —
per-cluster log likelihoods written directly in Stata's metric (beta, lns, atr, lnsig_e),
their scores by central differences, V = G/(G-1) e(V) S'S e(V) (stata-reference, "mixed,
vce(robust)"). Tolerance 1e-5 relative (finite-difference scores)."""
import numpy as np
import pytest

from hlmshell.models import Factor, ModelSpec, RandomLevel, Term, fit
from hlmshell.models.robust import sandwich

C = lambda v: Term((Factor(v),))  # noqa: E731


def data(seed=3, G=15):
    rng = np.random.default_rng(seed)
    sizes = rng.integers(3, 9, size=G)
    g = np.repeat(np.arange(G), sizes)
    x = rng.normal(size=len(g))
    w = rng.normal(size=G)[g]                     # a group-level covariate
    u = rng.normal(size=(G, 2)) * [1.0, 0.5]
    y = 1 + 0.5 * x - 0.3 * w + u[g, 0] + u[g, 1] * x + rng.normal(size=len(g)) * (1 + 0.5 * np.abs(x))
    return {"y": y, "x": x, "w": w, "g": g.astype(float), "c": (g // 3).astype(float)}


def dense_robust(r, d, cl):
    b = np.asarray(r.b, dtype=float)
    kf = len(r.fixed_names)
    X = np.column_stack([d["x"], d["w"], np.ones_like(d["x"])])
    Z = np.column_stack([d["x"], np.ones_like(d["x"])])

    def ll_groups(par):
        beta, lns1, lns2, atr, lse = par[:kf], par[kf], par[kf + 1], par[kf + 2], par[kf + 3]
        s1, s2 = np.exp(lns1), np.exp(lns2)
        S = np.array([[s1 * s1, np.tanh(atr) * s1 * s2], [np.tanh(atr) * s1 * s2, s2 * s2]])
        out = []
        for k in np.unique(d["g"]):
            m = d["g"] == k
            V = Z[m] @ S @ Z[m].T + np.exp(2 * lse) * np.eye(m.sum())
            e = d["y"][m] - X[m] @ beta
            _, ld = np.linalg.slogdet(V)
            out.append(-0.5 * (m.sum() * np.log(2 * np.pi) + ld + e @ np.linalg.solve(V, e)))
        return np.array(out)

    k = len(b)
    Sg = np.zeros((len(np.unique(d["g"])), k))
    for j in range(k):
        h = 1e-5 * max(abs(b[j]), 0.1)
        e = np.zeros(k)
        e[j] = h
        Sg[:, j] = (ll_groups(b + e) - ll_groups(b - e)) / (2 * h)
    if cl is None:
        return Sg
    owner = np.array([cl[d["g"] == k][0] for k in np.unique(d["g"])]).astype(int)
    Sc = np.zeros((owner.max() + 1, k))
    np.add.at(Sc, owner, Sg)
    nc = len(Sc)
    V = np.asarray(r.V)
    return nc / (nc - 1) * V @ Sc.T @ Sc @ V


@pytest.mark.parametrize("clustered", [False, True])
def test_sandwich_matches_dense_scores(clustered):
    d = data()
    spec = ModelSpec("y", (C("x"), C("w")), (RandomLevel("g", ("x",), covariance="unstructured"),))
    r = fit(spec, d)
    assert not r.boundary
    cl = d["c"] if clustered else d["g"]
    rob = sandwich(r, cl.astype(int) if clustered else None, "c")
    want = dense_robust(r, d, cl)
    assert rob.V == pytest.approx(want, rel=1e-5, abs=1e-8 * np.abs(want).max())
    assert rob.n_clust == len(np.unique(cl))


def test_cluster_must_contain_the_top_level():
    d = data()
    r = fit(ModelSpec("y", (C("x"),), (RandomLevel("g"),)), d)
    from hlmshell.models import ModelError
    bad = (np.arange(len(d["g"])) % 2).astype(int)          # splits groups
    with pytest.raises(ModelError) as e:
        sandwich(r, bad, "half")
    assert e.value.code == 459
    with pytest.raises(ModelError):
        sandwich(r, np.zeros(len(d["g"]), dtype=int), "one")


def test_parameter_level_scores_match_dense_differences():
    """`predict, scores`: d ll_g / d e(b) per group in e(b)'s metric; they sum to ~0 at the
    optimum."""
    from hlmshell.models.robust import stata_scores
    d = data()
    spec = ModelSpec("y", (C("x"), C("w")), (RandomLevel("g", ("x",), covariance="unstructured"),))
    r = fit(spec, d)
    S = stata_scores(r)
    want = dense_robust(r, d, None)
    assert S == pytest.approx(want, rel=1e-5, abs=1e-7 * np.abs(want).max())
    assert np.abs(S.sum(0)).max() < 1e-5 * np.abs(S).max()
