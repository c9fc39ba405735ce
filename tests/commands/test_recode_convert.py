"""recode rules (first match wins, min/max/missing/nonmissing/else, generate/prefix),
encode/decode through Dataset.value_labels, destring/tostring. Expected values worked by
hand from [D] recode, [D] encode and [D] destring's descriptions."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import col, data_session, run_lines, state
from session_helpers import run_nonblank as run

NAN = float("nan")


@pytest.fixture
def s():
    return data_session({"x": ("byte", [1, 2, 3, 4, 5, 6, 7, NAN]),
                         "s": ("str1", ["b", "a", "b", "", "c", "a", "b", "a"]),
                         "t": ("str5", ["1,200", "3x", "7", "", ".", "-2.5", "1e3", "4"])})[0]


def test_recode_first_rule_wins_and_keywords(s):
    lines = run(s, "recode x (1 2 = 10) (2/5 = 20) (missing = 99) (nonmissing = 0), gen(nx)")
    assert col(s, "nx") == [10, 10, 20, 20, 20, 0, 0, 99]
    assert lines == ["(8 differences between x and nx)"]
    lines = run(s, "recode x (min/3 = 1) (4/max = 2)")
    assert col(s, "x") == [1, 1, 1, 2, 2, 2, 2, None] and lines == ["(x: 6 changes made)"]
    assert run(s, "recode x (1 = 2.5) if _n < 3, prefix(r_)") == [
        "(2 differences between x and r_x)"]               # counted within if/in
    assert col(s, "r_x") == [2.5, 2.5] + [None] * 6
    assert s.data.var("r_x").stype == "float"      # promoted from byte for 2.5


def test_recode_nonmissing_and_copyrest(s):
    run(s, "recode x (nonmissing = 1) if x > 6, gen(a) copyrest")
    assert col(s, "a") == [1, 2, 3, 4, 5, 6, 1, None]


@pytest.mark.parametrize("line, code", [
    ("recode s (1 = 2)", 108), ("recode x", 198), ("recode x (1 2)", 198),
    ("recode x (else = 1) (missing = 2)", 198), ("recode x (else = 1) (3 = 2)", 198),
    ("recode x (1=2), gen(a b)", 198), ("recode x (1=2), nosuch", 198),
])
def test_recode_refusals(s, line, code):
    before = state(s)
    assert run_lines(s, line)[0] == code
    assert state(s) == before


def test_encode_decode_round_trip(s):
    run(s, "encode s, gen(n)")
    assert col(s, "n") == [2, 1, 2, None, 3, 1, 2, 1]        # a b c in sorted order
    assert s.data.var("n").stype == "long" and s.data.var("n").value_label == "n"
    assert s.data.value_labels["n"] == {1.0: "a", 2.0: "b", 3.0: "c"}
    run(s, "decode n, gen(back)")
    assert col(s, "back") == col(s, "s")
    rc, lines = run_lines(s, "encode x, gen(z)")
    assert rc == 108 and lines[0] == "not possible with numeric variable"
    assert run_lines(s, "decode x, gen(z)")[0] == 182


def test_destring_tostring(s):
    # destring.ado's notes; t: "1,200" "3x" "7" "" "." "-2.5" "1e3" "4"
    lines = run(s, 'destring t, replace ignore(",")')
    assert lines == ["t: contains characters not specified in ignore(); no replace"]
    assert s.data.is_string("t")
    lines = run(s, 'destring t, gen(t2) ignore(",x")')
    assert col(s, "t2") == [1200, 3, 7, None, None, -2.5, 1000, 4]
    assert lines == ["t: characters , x removed; t2 generated as float",
                     "(2 missing values generated)"]
    assert s.data.names == ["x", "s", "t", "t2"]          # after its source
    lines = run(s, "destring t, replace force")
    assert lines == ["t: contains nonnumeric characters; replaced as float",
                     "(4 missing values generated)"]
    assert col(s, "t") == [None, None, 7, None, None, -2.5, 1000, 4]
    assert s.data.names.index("t") == 2                      # stays in its place
    lines = run(s, "tostring x, replace")
    assert col(s, "x") == ["1", "2", "3", "4", "5", "6", "7", "."]
    assert lines == ["x was byte now str1"]
    run(s, "gen w = 1.5")
    assert run(s, "tostring w, gen(ws) format(%9.0f)") == ["w cannot be converted reversibly; no generate"]
    assert run(s, "tostring w, gen(ws) format(%9.0f) force") == [
        "ws generated as str1", "ws was forced to string; some loss of information"]
    assert s.data.names[-2:] == ["w", "ws"] and col(s, "ws") == ["2"] * 8
    assert run_lines(s, "tostring w, gen(w2) format(%9s)")[0] == 198


def test_recode_compares_floats_at_float_precision():
    s = data_session({"f": ("float", [0.1, 0.2]), "d": ("double", [0.1, 0.2])})[0]
    assert run(s, "recode f (0.1 = 1)") == ["(f: 1 changes made)"]
    assert run(s, "recode d (0.1 = 1)") == ["(d: 1 changes made)"]
    assert col(s, "f")[0] == 1 and col(s, "d")[0] == 1
