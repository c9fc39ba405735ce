"""Stata's optimisation path (models/em.py): EM then NR with ml's stopping rules.

References: the handout's `ereturn list` after model 0 (e(ic) = 1) and stata-reference 1.6's
log of `mixed mathach ses || id:` (Iteration 0 and 1, both -23320.502). The EM step is checked
against its defining property (a fixed point at the exact optimum, ML and REML), not against
numbers of our own."""
from dataclasses import replace

import numpy as np
import pytest
from hsb_models import MODELS

from hlmshell.models import ModelSpec, RandomLevel, Term, Factor, fit
from hlmshell.models.em import PathOptions, em, ml_stop

C = lambda v: Term((Factor(v),))  # noqa: E731


@pytest.mark.parametrize("name,ll", [("m0", -23557.905), ("m1", -23320.502)])
def test_handout_models_stop_at_iteration_one(hsb, name, ll):
    r = fit(MODELS[name], hsb)
    assert r.summary.iterations == 1 and len(r.iteration_log) == 2
    assert r.iteration_log == pytest.approx([ll, ll], abs=5e-4)   # as printed, %10.0g
    em_log = r.summary.em_log            # start + up to emiterate(20), ended by emtolerance
    assert 2 <= len(em_log) <= 21
    assert abs(em_log[-1] - em_log[-2]) / (abs(em_log[-2]) + 1) <= 1e-10 or len(em_log) == 21
    # the estimates are still the exact optimum (numerics.md: e(ll) to 1e-9)
    if name == "m0":
        assert r.ll == pytest.approx(-23557.90510815813, abs=1e-6)


@pytest.mark.parametrize("cov", ["identity", "independent", "exchangeable", "unstructured"])
@pytest.mark.parametrize("method", ["ML", "REML"])
def test_em_is_monotone_and_fixed_at_the_optimum(hsb, cov, method):
    spec = ModelSpec("mathach", (C("ses"),), (RandomLevel("id", ("ses",), covariance=cov),),
                     method=method)
    r = fit(spec, hsb)
    model, th = r._state["model"], r._state["theta"]
    lls = r.summary.em_log
    assert all(b >= a - 1e-7 for a, b in zip(lls, lls[1:]))      # EM never decreases ll
    # at the exact optimum one EM step leaves the relative covariance where it is
    t2, _, _ = em(model, th, PathOptions(emiterate=1, emtolerance=0.0))
    T1 = model.lambdas(th)[0] @ model.lambdas(th)[0].T
    T2 = model.lambdas(t2)[0] @ model.lambdas(t2)[0].T
    assert np.allclose(T2, T1, rtol=1e-5, atol=1e-9 * np.abs(T1).max())


def test_iterate_limits_the_shown_path(hsb):
    spec = replace(MODELS["m1"], extra={"path": PathOptions(emiterate=0, iterate=1)})
    r = fit(spec, hsb)
    assert not r.converged and r.summary.iterations == 1 and len(r.iteration_log) == 2
    assert r.ll < fit(MODELS["m1"], hsb).ll - 1e-3                # estimates where NR stopped
    ok = fit(replace(MODELS["m1"], extra={"path": PathOptions(emiterate=0)}), hsb)
    assert ok.converged and ok.summary.iterations > 1


def test_ml_stop_rules():
    th = [np.array([1.0]), np.array([1.1]), np.array([1.1000001])]
    # nrtolerance fails at 1, ltolerance and tolerance hold at 2
    trace = [(th[0], -100.0, 1.0), (th[1], -99.0, 1e-3), (th[2], -99.0 - 1e-9, 1e-12)]
    assert ml_stop(trace, PathOptions()) == 2
    assert ml_stop(trace, PathOptions(nrtolerance=1.0)) == 2        # 1 fails ltol and tol
    assert ml_stop(trace, PathOptions(nrtolerance=1.0, ltolerance=0.02)) == 1
    assert ml_stop(trace[:1], PathOptions()) is None


@pytest.mark.parametrize("cov", ["identity", "independent", "exchangeable", "unstructured"])
@pytest.mark.parametrize("method", ["ML", "REML"])
def test_generic_em_step_equals_the_direct_one(hsb, cov, method):
    """Nested models take their EM step from the gradient (Fisher's identity); on a
    one-level model it must equal the direct E-step of the posterior moments."""
    from hlmshell.models.em import em_step_generic
    spec = ModelSpec("mathach", (C("ses"),), (RandomLevel("id", ("ses",), covariance=cov),),
                     method=method)
    r = fit(spec, hsb)
    model = r._state["model"]
    th = r._state["theta"] * np.linspace(0.7, 1.3, len(r._state["theta"]))   # off the optimum
    direct, _, _ = em(model, th, PathOptions(emiterate=1, emtolerance=0.0))
    ll, generic = em_step_generic(model, th)
    assert ll == pytest.approx(-model.deviance(th) / 2, abs=1e-9)
    T1, T2 = (model.lambdas(t)[0] @ model.lambdas(t)[0].T for t in (direct, generic))
    assert np.allclose(T1, T2, rtol=1e-6, atol=1e-9 * np.abs(T1).max())


def test_three_level_em_is_monotone():
    from conftest import synth
    d = synth(seed=4, n_outer=15)
    r = fit(ModelSpec("y", (C("x"),), (RandomLevel("school", ("x",)), RandomLevel("class"))), d)
    lls = r.summary.em_log
    assert len(lls) >= 2 and all(b >= a - 1e-8 for a, b in zip(lls, lls[1:]))
    assert r.converged and r.summary.iterations >= 1
