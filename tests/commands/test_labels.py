"""label define/values/list/dir/drop/copy/data: Stata's [D] label behaviour, value labels
shown by list, tabulate, describe and the mixed table, and kept through save/use."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import data_session as make_session
from session_helpers import run_trimmed as run


@pytest.fixture
def small():
    s, out = make_session({
        "g": ("byte", [0, 1, 1, 2, 0, 1]),
        "x": ("float", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        "s": ("str2", ["a", "b", "c", "d", "e", "f"]),
    })
    assert s.run('label define grp 0 "zero" 1 "one"') == 0
    assert s.run("label values g grp") == 0
    return s, out


def test_define_and_list(small):
    s, out = small
    assert run(s, out, "label list grp") == ["grp:", "           0 zero", "           1 one"]
    assert s.r.scalars == {"k": 2.0, "min": 0.0, "max": 1.0, "hasemiss": 0.0}
    assert run(s, out, "label dir") == ["grp"]
    assert s.r.macros == {"names": "grp"}


def test_define_refusals_leave_the_label(small):
    s, out = small
    before = dict(s.data.value_labels["grp"])
    assert run(s, out, 'label define grp 2 "two"', rc=110) == ["label grp already defined", "r(110);"]
    assert run(s, out, 'label define grp 1 "uno", add', rc=180)[0] == "invalid attempt to modify label"
    assert run(s, out, 'label define grp 1.5 "x", add', rc=198)[0] == "may not label 1.5"
    assert run(s, out, 'label define grp 3, add', rc=198)[0] == "invalid syntax"
    assert run(s, out, 'label define grp 3 "x", bogus', rc=198)[0] == "option bogus not allowed"
    assert s.data.value_labels["grp"] == before


def test_add_modify_replace(small):
    s, out = small
    assert s.run('label define grp 2 "two", add') == 0
    assert s.run('label define grp 0 "nil", modify') == 0
    assert s.data.value_labels["grp"] == {0.0: "nil", 1.0: "one", 2.0: "two"}
    assert s.run('label define grp 1 "", modify') == 0   # "" with modify deletes the entry
    assert s.data.value_labels["grp"] == {0.0: "nil", 2.0: "two"}
    assert s.run('label define grp 5 "five", replace') == 0
    assert s.data.value_labels["grp"] == {5.0: "five"}


def test_values_undefined_label_and_detach(small):
    s, out = small
    assert s.run("label values x nosuch") == 0       # allowed, as in Stata
    assert s.data.var("x").value_label == "nosuch"
    assert run(s, out, "list x in 1") [3].split() == ["1.", "|", "1", "|"]
    assert s.run("label values x") == 0
    assert s.data.var("x").value_label is None
    assert run(s, out, "label values s grp", rc=181) == ["may not label strings", "r(181);"]
    assert s.data.var("s").value_label is None


def test_drop_and_copy(small):
    s, out = small
    assert s.run("label copy grp grp2") == 0
    assert run(s, out, "label copy grp grp2", rc=110)[0] == "label grp2 already defined"
    assert run(s, out, "label drop nosuch grp", rc=111)[0] == "value label nosuch not found"
    assert set(s.data.value_labels) == {"grp", "grp2"}
    assert s.run("label drop grp") == 0
    assert list(s.data.value_labels) == ["grp2"]
    assert s.run("label drop _all") == 0 and s.data.value_labels == {}
    assert run(s, out, "label list grp", rc=111)[0] == "value label grp not found"


def test_shown_in_list_tab_describe(small):
    s, out = small
    listed = run(s, out, "list g in 1/4")
    assert [ln.split("|")[1].strip() for ln in listed[3:7]] == ["zero", "one", "one", "2"]
    nolab = run(s, out, "list g in 1/2, nolabel")
    assert [ln.split("|")[1].strip() for ln in nolab[3:5]] == ["0", "1"]
    tab = run(s, out, "tabulate g")
    assert [ln.split("|")[0].strip() for ln in tab[2:5]] == ["zero", "one", "2"]
    assert run(s, out, "describe g")[-1].split() == ["g", "byte", "%8.0g", "grp"]


def test_label_data(small):
    s, out = small
    assert s.run('label data "my data"') == 0
    assert s.data.label == "my data"


def test_kept_through_save_and_use(small, tmp_cwd):
    s, out = small
    assert s.run("label values x later") == 0
    assert s.run("save lab.dta") == 0
    assert s.run("use lab.dta, clear") == 0
    assert s.data.value_labels == {"grp": {0.0: "zero", 1.0: "one"}}
    assert s.data.var("g").value_label == "grp"
    assert s.data.var("x").value_label == "later"
    import pyreadstat   # an independent reader sees the same labels
    _, meta = pyreadstat.read_dta(str(tmp_cwd / "lab.dta"))
    assert meta.value_labels == {"grp": {0: "zero", 1: "one"}}
    assert meta.variable_to_label["g"] == "grp"


def test_failed_command_restores_labels(small):
    s, out = small
    # a later error in the same command (bad option after a good define) changes nothing
    assert s.run('label define new 1 "a" 1.5 "b"') == 198
    assert "new" not in s.data.value_labels


def test_mixed_table_shows_labels():
    from session_helpers import hsb_after
    s = hsb_after('label define sec 0 "public" 1 "catholic"', "label values sector sec",
                  "mixed mathach ses i.sector || id:, nolog")
    text = s.out.getvalue().splitlines()
    at = text.index("      sector |")   # block form: header row, then the label row
    assert text[at + 1].startswith("   catholic  |   ")
    s.out.truncate(0)
    assert s.run("label values sector") == 0 and s.run("mixed") == 0   # labels from estimation
    assert "   catholic  |" in s.out.getvalue()
