"""Sampling weights in two-level models (pseudo-likelihood, [ME] mixed Methods and
formulas): sum_j w_j log int prod_i f(y_ij | u_j)^(w_i|j) phi(u_j) du_j.

Independent references: (1) a dense numpy evaluation of that sum per group, through
prod_i f^w = const * N(y; Xb + Zu, s2 W^-1), at our estimates (1e-9 relative) and its
maximum by scipy from another start (ll within 1e-6); (2) integer level-2 weights equal
the unweighted fit of the data with each group repeated w_j times as distinct groups
(1e-8); (3) weights all 1 give the unweighted fit and its vce(robust) sandwich (1e-6)."""
import numpy as np
import pytest
from scipy import optimize

from hlmshell.models import Factor, ModelError, ModelSpec, RandomLevel, Term, fit
from hlmshell.models.design import build_design
from hlmshell.models.lmm import LMM
from hlmshell.models.robust import sandwich


def _data(seed=3, G=30):
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(G), rng.integers(3, 12, G))
    n = len(g)
    x = rng.normal(size=n)
    y = 1 + 0.5 * x + rng.normal(size=G)[g] + (1 + 0.3 * x) * rng.normal(size=n)
    return dict(y=y, x=x, g=g.astype(float), one=np.ones(n), w1=rng.uniform(0.5, 3, n),
                wj=rng.integers(1, 4, G).astype(float)[g])


def _spec(slopes=(), pw=None, pwj=None, scale=None, gv="g"):
    return ModelSpec("y", (Term((Factor("x"),)),), (RandomLevel(gv, slopes, pweight=pwj),),
                     pweights=pw, pwscale=scale)


def _dense_ll(d, beta, Sig, s2, slopes, w1, wj, scale):
    g, x, y = d["g"].astype(int), d["x"], d["y"]
    total = 0.0
    for j in np.unique(g):
        i = g == j
        W = w1[i]
        if scale == "size":
            W = W * i.sum() / W.sum()
        Z = np.column_stack(([x[i]] if slopes else []) + [np.ones(i.sum())])
        V = Z @ Sig @ Z.T + s2 * np.diag(1 / W)
        e = y[i] - np.column_stack([x[i], np.ones(i.sum())]) @ beta
        ldv = np.linalg.slogdet(V)[1]
        llj = np.sum(-(W / 2) * np.log(2 * np.pi * s2) + 0.5 * np.log(2 * np.pi * s2 / W)) \
            - 0.5 * (i.sum() * np.log(2 * np.pi) + ldv + e @ np.linalg.solve(V, e))
        total += wj[i][0] * llj
    return total


@pytest.mark.parametrize("slopes", [(), ("x",)])
def test_dense_pseudo_likelihood(slopes):
    d = _data()
    r = fit(_spec(slopes, "w1", "wj", "size"), d)
    Sig = r.levels[0].Sigma
    ll = _dense_ll(d, r.beta, Sig, r.sigma2, slopes, d["w1"], d["wj"], "size")
    assert r.ll == pytest.approx(ll, rel=1e-9)
    assert r.n == len(d["y"])
    if slopes:
        return
    # the maximum of the dense function from another start (random intercept: 4 params)
    f = lambda z: -_dense_ll(d, z[:2], np.array([[np.exp(2 * z[2])]]), np.exp(2 * z[3]),
                             (), d["w1"], d["wj"], "size")
    res = optimize.minimize(f, np.array([0.3, 0.8, 0.0, 0.2]), method="BFGS",
                            options={"gtol": 1e-8})
    assert -res.fun <= r.ll + 1e-8
    assert -res.fun == pytest.approx(r.ll, abs=1e-6)


@pytest.mark.parametrize("slopes", [(), ("x",)])
def test_gk_dense_pseudo_likelihood(slopes):
    """pwscale(gk): the dense sum above with level-one weights 1 and group weights
    mean_j(w_i|j * w_j) (Graubard and Korn; computed here by numpy), 1e-9 relative."""
    d = _data(seed=11)
    r = fit(_spec(slopes, "w1", "wj", "gk"), d)
    g = d["g"].astype(int)
    gk = (np.bincount(g, d["w1"] * d["wj"]) / np.bincount(g))[g]
    ll = _dense_ll(d, r.beta, r.levels[0].Sigma, r.sigma2, slopes, np.ones(len(g)), gk, None)
    assert r.ll == pytest.approx(ll, rel=1e-9)
    if slopes:
        return
    f = lambda z: -_dense_ll(d, z[:2], np.array([[np.exp(2 * z[2])]]), np.exp(2 * z[3]),
                             (), np.ones(len(g)), gk, None)
    res = optimize.minimize(f, np.array([0.3, 0.8, 0.0, 0.2]), method="BFGS",
                            options={"gtol": 1e-8})
    assert -res.fun == pytest.approx(r.ll, abs=1e-6)


def test_integer_group_weights_equal_replicated_groups():
    d = _data(seed=5, G=20)
    r = fit(_spec(pwj="wj"), d)
    reps = d["wj"].astype(int)
    g = d["g"].astype(int)
    rows, newg = [], []
    for j in np.unique(g):
        idx = np.flatnonzero(g == j)
        for k in range(reps[idx[0]]):
            rows.append(idx)
            newg.append(np.full(len(idx), 1000 * j + k))
    rows = np.concatenate(rows)
    big = dict(y=d["y"][rows], x=d["x"][rows], g=np.concatenate(newg).astype(float))
    r2 = fit(_spec(), big)
    assert r.ll == pytest.approx(r2.ll, rel=1e-8)
    assert r.beta == pytest.approx(r2.beta, rel=1e-6)
    assert r.levels[0].Sigma[0, 0] == pytest.approx(r2.levels[0].Sigma[0, 0], rel=1e-5)


@pytest.mark.parametrize("slopes", [(), ("x",)])
def test_unit_weights_equal_robust_fit(slopes):
    d = _data()
    r0 = fit(_spec(slopes), d)
    r1 = fit(_spec(slopes, "one", "one"), d)
    assert r1.ll == pytest.approx(r0.ll, rel=1e-12)
    v0, v1 = sandwich(r0).V, sandwich(r1).V
    # (a variance on its boundary has no SE in either: NaN in both)
    assert np.sqrt(np.diag(v1)) == pytest.approx(np.sqrt(np.diag(v0)), rel=1e-6, nan_ok=True)
    assert np.isfinite(np.diag(v1)).sum() >= 4


def test_gradient_with_group_weights():
    d = _data()
    m = LMM(build_design(_spec(("x",), "w1", "wj", "effective"), d))
    th = np.linspace(0.3, 0.7, m.offsets[-1])
    _, gr = m.deviance(th, True)
    h = 1e-6
    fd = [(m.deviance(th + h * e) - m.deviance(th - h * e)) / (2 * h) for e in np.eye(len(th))]
    assert gr == pytest.approx(fd, rel=1e-6, abs=1e-6)


def test_bad_weights():
    d = _data()
    with pytest.raises(ModelError) as e:
        fit(_spec(pw="x"), d)          # negative values
    assert e.value.code == 402
    with pytest.raises(ModelError) as e:
        fit(_spec(pwj="w1"), d)        # varies within groups
    assert e.value.code == 459
    d0 = dict(d, w1=np.where(np.arange(len(d["y"])) < 5, 0.0, d["w1"]))
    assert fit(_spec(pw="w1"), d0).n == len(d["y"]) - 5     # zero weights leave the sample


def test_integer_level_one_weights_equal_frequency_weights():
    """Unscaled integer level-one pweights give the likelihood of the expanded data, as
    fweights do (the pseudo-likelihood differs from it only in the VCE)."""
    d = _data()
    d["wi"] = np.round(d["w1"])
    r = fit(_spec(pw="wi"), d)
    rf = fit(ModelSpec("y", (Term((Factor("x"),)),), (RandomLevel("g"),), weights="wi"), d)
    assert r.ll == pytest.approx(rf.ll, rel=1e-10)
    assert r.beta == pytest.approx(rf.beta, rel=1e-8)
    assert r.n == len(d["y"]) and rf.n == int(d["wi"].sum())


def _three_level(seed=7, K=12):
    rng = np.random.default_rng(seed)
    sch = np.repeat(np.arange(K), 4)
    ncls = len(sch)
    c = np.repeat(np.arange(ncls), rng.integers(3, 8, ncls))
    s = sch[c]
    n = len(c)
    x = rng.normal(size=n)
    y = 1 + 0.5 * x + rng.normal(size=K)[s] + 0.7 * rng.normal(size=ncls)[c] + rng.normal(size=n)
    ws = rng.integers(1, 3, K).astype(float)
    wc = rng.integers(1, 3, ncls).astype(float)
    return dict(y=y, x=x, s=s.astype(float), c=c.astype(float), one=np.ones(n),
                ws=ws[s], wc=wc[c]), ws, wc


def _nested(pws=None, pwc=None, pw=None):
    return ModelSpec("y", (Term((Factor("x"),)),),
                     (RandomLevel("s", pweight=pws), RandomLevel("c", pweight=pwc)), pweights=pw)


def test_three_levels_unit_weights_equal_robust_fit():
    d, _, _ = _three_level()
    r0, r1 = fit(_nested(), d), fit(_nested("one", "one", "one"), d)
    assert r1.ll == pytest.approx(r0.ll, rel=1e-12)
    v0, v1 = sandwich(r0).V, sandwich(r1).V
    assert np.sqrt(np.diag(v1)) == pytest.approx(np.sqrt(np.diag(v0)), rel=1e-6, nan_ok=True)


def test_three_levels_integer_weights_equal_replicated_groups():
    d, ws, wc = _three_level()
    r = fit(_nested("ws", "wc"), d)
    s, c = d["s"].astype(int), d["c"].astype(int)
    rows, gs, gc = [], [], []
    for k in range(len(ws)):
        for a in range(int(ws[k])):
            for cl in np.unique(c[s == k]):
                idx = np.flatnonzero(c == cl)
                for b in range(int(wc[cl])):
                    rows.append(idx)
                    gs.append(np.full(len(idx), k * 10 + a))
                    gc.append(np.full(len(idx), (k * 10 + a) * 1000 + cl * 10 + b))
    rows = np.concatenate(rows)
    big = dict(y=d["y"][rows], x=d["x"][rows], s=np.concatenate(gs).astype(float),
               c=np.concatenate(gc).astype(float))
    r2 = fit(_nested(), big)
    assert r.ll == pytest.approx(r2.ll, rel=1e-10)
    assert r.levels[1].Sigma[0, 0] == pytest.approx(r2.levels[1].Sigma[0, 0], rel=1e-5)
    assert r.n == len(d["y"])
