"""marginsplot → GraphSpec from the last margins (no drawing). The plotted numbers are
margins' own r(b) and r(table) (checked against independent computations in
tests/postest); here: which margin goes where."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import hsb_session, run_lines


@pytest.fixture(scope="module")
def model5():
    s = hsb_session()
    assert s.run("qui mixed mathach c.ses##i.sector || id: ses") == 0
    return s


def spec_of(session):
    from hlmshell.graphics.store import graph_store
    return graph_store(session).get(None)


def test_at_variable_on_x_one_plot_per_sector(model5):
    assert model5.run("qui margins sector, at(ses=(-1 0 1))\nmarginsplot, nodraw") == 0
    r = model5.r
    spec = spec_of(model5)
    panel = spec.panels[0]
    assert [l.kind for l in panel.layers] == ["rcap", "connected"] * 2
    assert spec.title == "Adjusted predictions of sector with 95% CIs"
    assert panel.xaxis.title == "ses" and panel.legend
    assert [l.label for l in panel.layers if l.kind == "connected"] == ["sector=0", "sector=1"]
    b = r.matrices["b"].values.ravel()       # ordered _at#sector: (1,0) (1,1) (2,0) ...
    table = r.matrices["table"].values
    public, catholic = panel.layers[1], panel.layers[3]
    np.testing.assert_array_equal(public.x, [-1, 0, 1])
    np.testing.assert_allclose(public.y, b[0::2], rtol=0, atol=0)
    np.testing.assert_allclose(catholic.y, b[1::2], rtol=0, atol=0)
    np.testing.assert_allclose(panel.layers[0].y, table[4][0::2])     # lower bounds
    np.testing.assert_allclose(panel.layers[0].y2, table[5][0::2])    # upper bounds
    assert panel.layers[0].style["lcolor"] == public.style["lcolor"]


def test_factor_on_x_and_noci(model5):
    assert model5.run("qui margins sector\nmarginsplot, noci nodraw") == 0
    spec = spec_of(model5)
    panel = spec.panels[0]
    assert [l.kind for l in panel.layers] == ["connected"]
    assert spec.title == "Predictive margins of sector"
    assert [v for v, _ in panel.xaxis.labels] == [0, 1]


def test_without_margins_or_with_bad_options():
    s = hsb_session()
    rc, lines = run_lines(s, "marginsplot")
    assert rc == 301 and lines[0] == "previous command was not margins"
    assert s.run("qui regress mathach ses i.sector\nqui margins sector") == 0
    rc, lines = run_lines(s, "marginsplot, nosuch")
    assert rc == 198
