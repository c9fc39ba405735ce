"""The one-level EM kernels (models/em_onelevel.py and em._ForwardKernel) and the handout's
shown optimisation path.

1. The kernels against the direct E-step: with the per-group outer products switched off
   (model._O = None) em() takes its original route (posterior moments from Lambda and the
   per-group Z'Z, criterion from lmm.py's wide forward pass), an independent computation
   of the same iterates. Tolerance: 1e-9 relative on theta and 1e-8 absolute on the
   criterion (~1e-12 relative) after 8 iterations; rounding differs, nothing else may.
2. The iteration log and e(ic) of every handout model, as printed (%10.0g). References: the
   handout's `ereturn list` (model 0: e(ic) = 1), stata-reference 1.6 (model 1: Iteration 0
   and 1 both -23320.502); the other models pin the path of commit f92002a (main before the
   fit-speed work), the EM-then-NR path whose log Stata's rules would show, so that speed
   work cannot move a printed line.
"""
import copy

import numpy as np
import pytest
from hsb_models import MODELS

from hlmshell.models import Factor, ModelSpec, RandomLevel, Term, fit
from hlmshell.models.em import PathOptions, em
from hlmshell.models.lmm import LMM
from hlmshell.render.formats import fmt

C = lambda v: Term((Factor(v),))  # noqa: E731


def _direct(model):
    """The same model on the direct route: a shallow copy without the outer products."""
    m = copy.copy(model)
    m._O = None
    q = m.q[0]
    m._Hr = np.ascontiguousarray(m.M0[:, :q, q:].transpose(1, 0, 2)).reshape(q, -1)
    return m


@pytest.mark.parametrize("slopes", [(), ("ses",), ("ses", "female")])
@pytest.mark.parametrize("cov", ["identity", "independent", "exchangeable", "unstructured"])
@pytest.mark.parametrize("method", ["ML", "REML"])
def test_kernel_iterates_equal_the_direct_e_step(hsb, slopes, cov, method):
    spec = ModelSpec("mathach", (C("ses"), C("meanses")),
                     (RandomLevel("id", slopes, covariance=cov),), method=method)
    r = fit(spec, hsb)
    model = r._state["model"]
    assert isinstance(model, LMM) and model._O is not None      # the fast route was taken
    th0 = r._state["theta"] * np.linspace(0.4, 1.6, len(r._state["theta"]))   # far off
    opts = PathOptions(emiterate=8, emtolerance=0.0)
    t1, ll1, it1 = em(model, th0, opts)
    t2, ll2, it2 = em(_direct(model), th0, opts)
    assert it1 == it2 == 8
    assert np.allclose(ll1, ll2, rtol=0, atol=1e-8)
    assert np.allclose(t1, t2, rtol=1e-9, atol=1e-12)
    assert all(b >= a - 1e-7 for a, b in zip(ll1, ll1[1:]))       # EM never decreases ll


# name: (e(ic), EM iterations incl. the start, the shown log as printed)
HANDOUT_PATH = {
    "m0": (1, 6, ["-23557.905", "-23557.905"]),
    "m1": (1, 9, ["-23320.502", "-23320.502"]),
    "m2": (2, 21, ["-23318.248", "-23318.235", "-23318.235"]),
    "m3": (1, 7, ["-23539.553", "-23539.553"]),
    "m4": (1, 21, ["-23298.697", "-23298.696"]),
    "m5": (4, 21, ["-23282.14", "-23281.591", "-23281.59", "-23281.589", "-23281.589"]),
    "m5b": (4, 21, ["-23282.14", "-23281.591", "-23281.59", "-23281.589", "-23281.589"]),
    "m6": (1, 9, ["-23284.091", "-23284.091"]),
}


@pytest.mark.parametrize("name", list(HANDOUT_PATH))
def test_handout_models_show_the_same_path(hsb, name):
    ic, n_em, log = HANDOUT_PATH[name]
    r = fit(MODELS[name], hsb)
    assert r.summary.iterations == ic
    assert len(r.summary.em_log) == n_em
    assert [fmt(v, "%10.0g").strip() for v in r.iteration_log] == log
