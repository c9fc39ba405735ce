"""import spss / import sas / export spss through pyreadstat: a round trip keeps values,
variable labels and value labels (pyreadstat reads the written .sav back independently)."""
from __future__ import annotations

import os

import numpy as np
import pytest

from session_helpers import data_session as make_session
from session_helpers import run_trimmed as run

IRIS = "/usr/lib/R/site-library/haven/examples/iris.sas7bdat"   # present where R haven is


@pytest.fixture
def small():
    s, out = make_session({
        "g": ("byte", [0, 1, 1, np.nan], "group"),
        "x": ("double", [1.5, 2.5, np.nan, 4.0]),
        "s": ("str3", ["a", "bb", "ccc", ""]),
    })
    assert s.run('label define gl 0 "zero" 1 "one"') == 0 and s.run("label values g gl") == 0
    return s, out


def test_round_trip(small, tmp_cwd):
    import pyreadstat
    s, out = small
    assert run(s, out, "export spss using t") == ["file t.sav saved"]
    frame, meta = pyreadstat.read_sav(str(tmp_cwd / "t.sav"))
    assert meta.column_names_to_labels["g"] == "group"
    assert meta.variable_value_labels["g"] == {0.0: "zero", 1.0: "one"}
    assert run(s, out, "export spss using t", rc=602) == ["file t.sav already exists", "r(602);"]
    assert run(s, out, "import spss t, clear") == ["(3 vars, 4 obs)"]
    d = s.data
    assert d.names == ["g", "x", "s"]
    assert np.array_equal(d.column("x"), [1.5, 2.5, np.nan, 4.0], equal_nan=True)
    assert d.column("s").tolist() == ["a", "bb", "ccc", ""]
    assert d.var("g").label == "group" and d.var("g").value_label == "g"
    assert d.value_labels == {"g": {0.0: "zero", 1.0: "one"}}


def test_refusals_leave_the_data(small, tmp_cwd):
    s, out = small
    s.data.changed = True
    assert run(s, out, "export spss x using t") == ["file t.sav saved"]
    assert run(s, out, "import spss t", rc=4)[0].startswith("no; dataset in memory has changed")
    assert run(s, out, "import spss nosuch, clear", rc=601) == ["file nosuch.sav not found", "r(601);"]
    assert run(s, out, "import sas t.sav, clear", rc=610) == ["file t.sav not SAS format", "r(610);"]
    assert s.data.names == ["g", "x", "s"]


@pytest.mark.skipif(not os.path.exists(IRIS), reason="no SAS example file on this machine")
def test_import_sas_file():
    s, out = make_session({})
    assert run(s, out, f"import sas {IRIS}, clear") == ["(5 vars, 150 obs)"]
    assert s.data.names[:2] == ["Sepal_Length", "Sepal_Width"]
    assert s.data.is_string("Species")
    assert s.data.column("Sepal_Length").mean() == pytest.approx(5.843333, abs=1e-6)  # Fisher's iris


def test_a_name_spss_refuses_is_an_error_not_a_traceback(small, tmp_cwd):
    s, out = small
    assert s.run("gen _u = 1") == 0
    lines = run(s, out, "export spss using t", rc=198)
    assert lines[0].startswith("file t.sav could not be written:") and lines[-1] == "r(198);"
    assert not (tmp_cwd / "t.sav").exists() and not list(tmp_cwd.glob(".hlmshell-*"))
