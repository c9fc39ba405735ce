"""Extended missing values .a-.z ([U] 12.2.1): kept as NaN payloads (dataset/missing.py)
through storage types, expressions, sorting, display and .dta files; the written codes are
checked with pyreadstat, an independent reader."""
from __future__ import annotations

import numpy as np
import pytest

from hlmshell.dataset import missing
from session_helpers import data_session as make_session
from session_helpers import run_trimmed as run


@pytest.fixture
def s():
    session, out = make_session({"x": ("float", [1.0, 2.0, 3.0, 4.0, 5.0])})
    for line in ["replace x = .b in 2", "replace x = .a in 3", "replace x = . in 4"]:
        assert session.run(line) == 0
    return session, out


def test_representation_keeps_nan_contract():
    v = missing.value("c")
    assert np.isnan(v) and missing.text(v) == ".c" and missing.text(np.nan) == "."
    x = np.array([1.0, v, np.nan])
    assert missing.codes(x).tolist() == [-1, 3, 0]
    assert missing.codes(x.astype(np.float32).astype(np.float64)).tolist() == [-1, 3, 0]


def test_display_and_list(s):
    session, out = s
    assert [ln.split("|")[1].strip() for ln in run(session, out, "list x")[3:8]] == \
        ["1", ".b", ".a", ".", "5"]
    assert run(session, out, "display .z") == [".z"]


def test_comparisons_follow_stata_order(s):
    session, out = s
    # [U] 12.2.1: nonmissing numbers < . < .a < .b < ... < .z
    assert run(session, out, "count if x >= .") == ["  3"]
    assert run(session, out, "count if x > .") == ["  2"]
    assert run(session, out, "count if x == .a") == ["  1"]
    assert run(session, out, "count if x < .a") == ["  3"]
    assert run(session, out, "count if missing(x)") == ["  3"]
    assert run(session, out, "display .a < .b") == ["1"]


def test_arithmetic_gives_system_missing_and_copies_keep_codes(s):
    session, out = s
    assert session.run("gen y = x + 1") == 0 and session.run("gen byte z = x") == 0
    assert missing.codes(session.data.column("y")).tolist() == [-1, 0, 0, 0, -1]
    assert missing.codes(session.data.column("z")).tolist() == [-1, 2, 1, 0, -1]
    assert run(session, out, "replace z = .a in 2") == ["(1 real change made, 1 to missing)"]


def test_sort_and_tabulate(s):
    session, out = s
    assert session.run("sort x") == 0
    assert missing.codes(session.data.column("x")).tolist() == [-1, -1, 0, 1, 2]
    tab = run(session, out, "tab x, missing")
    assert [ln.split("|")[0].strip() for ln in tab[2:7]] == ["1", "5", ".", ".a", ".b"]


def test_dta_round_trip_and_independent_reader(s, tmp_cwd):
    import pyreadstat
    session, out = s
    for t in ("byte", "int", "long", "double"):
        assert session.run(f"gen {t} {t[0]}v = x") == 0
    assert session.run("save m.dta") == 0
    frame, meta = pyreadstat.read_dta(str(tmp_cwd / "m.dta"), user_missing=True,
                                      output_format="dict")
    for name in ("x", "bv", "iv", "lv", "dv"):
        assert frame[name][1:4] == ["b", "a", None], name
    assert session.run("use m.dta, clear") == 0
    for name in ("x", "bv", "iv", "lv", "dv"):
        assert missing.codes(session.data.column(name)).tolist() == [-1, 2, 1, 0, -1], name


def test_misstable_counts_extended(s):
    session, out = s
    run(session, out, "misstable summarize")
    assert session.r.scalars["N_eq_dot"] == 1 and session.r.scalars["N_gt_dot"] == 2


def test_value_labels_for_extended_missing(s, tmp_cwd):
    import pyreadstat
    session, out = s
    assert session.run('label define l 1 "one" .a "refused"') == 0
    assert session.run("label values x l") == 0
    assert run(session, out, "label list l") == ["l:", "           1 one", "          .a refused"]
    assert session.r.scalars["hasemiss"] == 1.0 and session.r.scalars["max"] == 1.0
    listed = [ln.split("|")[1].strip() for ln in run(session, out, "list x")[3:8]]
    assert listed == ["one", ".b", "refused", ".", "5"]
    assert session.run("save l.dta") == 0
    _, meta = pyreadstat.read_dta(str(tmp_cwd / "l.dta"), user_missing=True)
    assert meta.value_labels == {"l": {1: "one", "a": "refused"}}
    assert session.run("use l.dta, clear") == 0
    assert run(session, out, "label list l")[2] == "          .a refused"
