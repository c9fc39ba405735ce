"""merge: hsb1 + hsb2 rebuilds hsb; result table text; unmatched rows; r() errors with the
data left untouched."""
import io
import os

import numpy as np
import pytest

from session_helpers import run_fresh_out as run

from hlmshell.dataset.dataset import Dataset
from hlmshell.dataset.io import read_dta, write_dta
from hlmshell.render import to_text
from hlmshell.render.listing import MergeResult
from hlmshell.session import Session

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def snapshot(session):
    d = session.data
    return (d.names, d.nobs, d.changed, list(d.sortedby),
            [(v.stype, tuple(v.values.tolist())) for v in d.vars.values()])


def dataset(**cols) -> Dataset:
    ds = Dataset()
    for name, (stype, values) in cols.items():
        ds.add(name, values, stype)
    ds.changed = False
    return ds


@pytest.fixture
def session(monkeypatch):
    monkeypatch.chdir(ROOT)
    return Session(out=io.StringIO())


def test_m1_merge_rebuilds_hsb(session):
    run(session, "use hsb1")
    rc, out = run(session, "merge m:1 id using hsb2")
    assert rc == 0
    assert out == "\n".join([
        "",
        "    Result                      Number of obs",
        "    -----------------------------------------",
        "    Not matched                             0",
        "    Matched                             7,185  (_merge==3)",
        "    -----------------------------------------",
        "", ""])
    full = read_dta(os.path.join(ROOT, "data", "hsb.dta"))
    order = np.argsort(full.column("id"), kind="stable")
    data = session.data
    assert data.names == full.names + ["_merge"] and data.sortedby == ["id"]
    for name in full.names:
        assert data.var(name).stype == full.var(name).stype
        a, b = full.column(name)[order], data.column(name)
        assert (list(a) == list(b)) if data.is_string(name) else np.array_equal(a, b)
    assert data.var("_merge").stype == "byte" and set(data.column("_merge")) == {3.0}
    assert data.changed is True


def test_unmatched_rows_and_table(session, tmp_path):
    master = dataset(k=("byte", [3, 1, 2, 5]), a=("float", [30, 10, 20, 50]),
                     c=("byte", [1, 1, 1, 1]))
    using = dataset(k=("byte", [2, 3, 4]), b=("str2", ["b2", "b3", "b4"]),
                    c=("int", [900, 900, 1000]))
    write_dta(using, str(tmp_path / "u.dta"))
    session.data = master
    rc, out = run(session, f"merge 1:1 k using {tmp_path}/u")
    assert out == "\n".join([
        "",
        "    Result                      Number of obs",
        "    -----------------------------------------",
        "    Not matched                             3",
        "        from master                         2  (_merge==1)",
        "        from using                          1  (_merge==2)",
        "",
        "    Matched                                 2  (_merge==3)",
        "    -----------------------------------------",
        "", ""])
    d = session.data
    assert d.column("k").tolist() == [1, 2, 3, 4, 5]
    assert d.column("_merge").tolist() == [1, 3, 3, 2, 1]
    assert np.array_equal(d.column("a"), [10, 20, 30, np.nan, 50], equal_nan=True)
    assert d.column("b").tolist() == ["", "b2", "b3", "b4", ""]
    # master values win; the using-only row takes the using value; the type widens to hold it
    assert d.column("c").tolist() == [1, 1, 1, 1000, 1] and d.var("c").stype == "int"


def test_1m_keep_nogenerate_keepusing(session, tmp_path):
    master = dataset(g=("byte", [1, 2, 3]), m=("byte", [10, 20, 30]))
    using = dataset(g=("byte", [2, 1, 2, 4]), u=("byte", [1, 2, 3, 4]), w=("byte", [0, 0, 0, 0]))
    write_dta(using, str(tmp_path / "u.dta"))
    session.data = master
    rc, out = run(session, f"merge 1:m g using {tmp_path}/u.dta, keep(match) nogen keepusing(u)")
    assert rc == 0 and "Not matched                             0" in out
    d = session.data
    assert d.names == ["g", "m", "u"]
    assert d.column("g").tolist() == [1, 2, 2] and d.column("u").tolist() == [2, 1, 3]
    assert d.column("m").tolist() == [10, 20, 20]


def test_generate_option(session, tmp_path):
    write_dta(dataset(k=("byte", [1])), str(tmp_path / "u.dta"))
    session.data = dataset(k=("byte", [1, 2]))
    rc, out = run(session, f"merge 1:1 k using {tmp_path}/u, generate(how)")
    assert rc == 0 and "(how==1)" in out and session.data.column("how").tolist() == [3, 1]


@pytest.mark.parametrize("line, code, message", [
    ("merge 1:1 id using hsb2", 459,
     "variable id does not uniquely identify observations in the master data"),
    ("merge 1:m id using hsb2", 459,
     "variable id does not uniquely identify observations in the master data"),
    ("merge m:1 id female using hsb1", 459,
     "variables id female do not uniquely identify observations in the using data"),
    ("merge m:1 nosuch using hsb2", 111, "variable nosuch not found"),
    ("merge m:1 female using hsb2", 111, "variable female not found"),
    ("merge m:1 id using nofile", 601, "file nofile.dta not found"),
    ("merge id using hsb2", 198, "invalid syntax"),
    ("merge m:1 id", 100, "using required"),
    ("merge m:m id using hsb2", 198, "m:m merges are not supported"),
])
def test_errors_leave_data_unchanged(session, line, code, message):
    run(session, "use hsb1")
    before = snapshot(session)
    rc, out = run(session, line)
    assert rc == code and out.startswith(message), out
    assert snapshot(session) == before


def test_key_type_mismatch_and_merge_exists(session, tmp_path):
    write_dta(dataset(id=("int", [1224])), str(tmp_path / "num.dta"))
    run(session, "use hsb1")
    before = snapshot(session)
    rc, out = run(session, f"merge m:1 id using {tmp_path}/num")
    assert (rc, out) == (106, "key variable id is str4 in master but int in using data\n"
                              "r(106);\n\n")
    assert snapshot(session) == before
    run(session, "merge m:1 id using hsb2")
    before = snapshot(session)
    rc, out = run(session, "merge m:1 id using hsb2")
    assert (rc, out) == (110, "variable _merge already defined\nr(110);\n\n")
    assert snapshot(session) == before


def test_result_renderer():
    assert to_text(MergeResult(0, 12345, 1)).split("\n")[3:6] == [
        "    Not matched                        12,345",
        "        from master                         0  (_merge==1)",
        "        from using                     12,345  (_merge==2)"]


def _labelled(session, tmp_path):
    """master: g labelled by `gl` (1 one 2 two) and a shared label `both` (master's text);
    using: new variable u labelled by `ul`, and its own `both` and `gl` definitions."""
    master = dataset(g=("byte", [1, 2]), m=("byte", [1, 1]))
    master.value_labels = {"gl": {1.0: "one", 2.0: "two"}, "both": {1.0: "master's"}}
    master.vars["g"].value_label, master.vars["m"].value_label = "gl", "both"
    using = dataset(g=("byte", [1, 2]), u=("byte", [0, 1]))
    using.value_labels = {"ul": {0.0: "no", 1.0: "yes"}, "both": {1.0: "using's"},
                          "gl": {1.0: "uno"}}
    using.vars["u"].value_label = "ul"
    write_dta(using, str(tmp_path / "lab.dta"))
    session.data = master


@pytest.mark.parametrize("cmd", ["merge 1:1 g using {}/lab.dta, nogen",
                                 "append using {}/lab.dta"])
def test_value_labels_master_kept_using_added(session, tmp_path, cmd):
    _labelled(session, tmp_path)
    assert run(session, cmd.format(tmp_path))[0] == 0
    d = session.data
    assert d.value_labels == {"gl": {1.0: "one", 2.0: "two"}, "both": {1.0: "master's"},
                              "ul": {0.0: "no", 1.0: "yes"}}
    assert [d.var(n).value_label for n in ("g", "m", "u")] == ["gl", "both", "ul"]
    assert d.value_text("u", 1.0) == "yes" and d.value_text("g", 1.0) == "one"


@pytest.mark.parametrize("cmd", ["merge 1:1 g using {}/lab.dta, nogen nolabel",
                                 "append using {}/lab.dta, nol"])
def test_nolabel_copies_no_definitions(session, tmp_path, cmd):
    _labelled(session, tmp_path)
    assert run(session, cmd.format(tmp_path))[0] == 0
    assert set(session.data.value_labels) == {"gl", "both"}
    assert session.data.var("u").value_label == "ul"   # attached, but not defined here


def test_merge_keeps_the_xt_setting(session, tmp_path):
    _labelled(session, tmp_path)
    session.data.xtset = {"panelvar": "g", "timevar": None, "delta": 1.0}
    assert run(session, f"merge 1:1 g using {tmp_path}/lab.dta")[0] == 0
    assert session.data.xtset == {"panelvar": "g", "timevar": None, "delta": 1.0}
