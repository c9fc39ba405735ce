"""models/distributions.py against scipy.special (relative 1e-12), also deep in the tails."""
import math

import numpy as np
import pytest
from scipy import special

from hlmshell.models import distributions as d


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5, 7.5, 10, 30, 100])
def test_chdtrc(k):
    for x in [0.0, 1e-6, 0.01, 0.5, 1, 2.7, 5, 10, 33.3, 100, 400, 983.92, 2000]:
        want = float(special.chdtrc(k, x))
        got = d.chdtrc(k, x)
        if want < 1e-300:
            assert got < 1e-290
        else:
            assert got == pytest.approx(want, rel=1e-12, abs=0), (k, x)
    assert math.isnan(d.chdtrc(0, 1.0)) and d.chdtrc(3, -1.0) == 1.0


def test_normal():
    for x in np.r_[-37.0, -20.0, -8.3, np.linspace(-5, 5, 41), 8.0]:
        assert d.ndtr(x) == pytest.approx(float(special.ndtr(x)), rel=1e-12)
    for p in [1e-300, 1e-20, 1e-5, 0.025, 0.05, 0.3, 0.5, 0.8, 0.975, 0.995, 1 - 1e-12]:
        assert d.ndtri(p) == pytest.approx(float(special.ndtri(p)), rel=1e-12)
