"""duplicates, isid, fillin, sample, append. Expected values worked by hand from the small
datasets here ([D] duplicates: Copies/Observations/Surplus; [D] fillin: every combination
once, _fillin = 1 on the added ones; [D] sample: observations outside if/in are kept)."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import col, data_session, run_lines, state
from session_helpers import run_nonblank as run


@pytest.fixture
def s():
    return data_session({"a": ("byte", [1, 0, 1, 0, 1, 0]), "b": ("byte", [0, 0, 0, 0, 1, 1])})[0]


def test_duplicates_report_tag_drop(s):
    lines = run(s, "duplicates report")
    assert lines == ["Duplicates in terms of all variables", "-" * 38,
                     "   Copies | Observations       Surplus", "----------+" + "-" * 27,
                     "        1 |            2             0",
                     "        2 |            4             2", "-" * 38]
    run(s, "duplicates tag a b, gen(t)")
    assert col(s, "t") == [1, 1, 1, 1, 0, 0]
    assert run_lines(s, "duplicates drop a")[0] == 198          # force required
    lines = run(s, "duplicates drop a b, force")
    assert lines[-1] == "(2 observations deleted)" and col(s, "a") == [1, 0, 1, 0]


def test_isid_and_fillin():
    s = data_session({"a": ("byte", [1, 2, 2]), "b": ("byte", [1, 1, 3]),
                      "x": ("float", [5, 6, 7])})[0]
    rc, lines = run_lines(s, "isid a")
    assert rc == 459 and lines[0] == "variable a does not uniquely identify the observations"
    assert run(s, "isid a b, sort") == ["(data now sorted by a b)"]
    assert run(s, "isid a b, sort") == ["(data already sorted by a b)"]
    run(s, "replace b = . in 1")
    rc, lines = run_lines(s, "isid a b")
    assert rc == 459 and lines[0] == "variables a b should never be missing"
    run(s, "replace b = 1 in 1")
    run(s, "fillin a b")
    assert col(s, "a") == [1, 1, 2, 2] and col(s, "b") == [1, 3, 1, 3]
    assert col(s, "x") == [5, None, 6, 7] and col(s, "_fillin") == [0, 1, 0, 0]
    assert run_lines(s, "fillin a b")[0] == 110


def test_sample_keeps_outside_if_and_counts_by(s):
    run(s, "set seed 5")
    # 3 observations with a == 1: 50% of 3 rounds to 2 kept
    assert run(s, "sample 50 if a == 1") == ["(1 observation deleted)"]
    assert col(s, "a").count(0) == 3 and col(s, "a").count(1) == 2
    s2 = data_session({"g": ("byte", [1] * 5 + [2] * 5)})[0]
    run(s2, "sample 2, count by(g)")
    assert col(s2, "g").count(1) == 2 and col(s2, "g").count(2) == 2
    s3 = data_session({"g": ("byte", [1] * 5 + [2] * 5)})[0]
    run(s3, "by g: sample 1, count")
    assert col(s3, "g") == [1, 2]


def test_append(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = data_session({"id": ("byte", [1, 2]), "x": ("float", [1.5, 2.5])})[0]
    run(s, "save part1")
    s2 = data_session({"id": ("int", [300]), "y": ("str2", ["ab"])})[0]
    run(s2, "save part2")
    lines = run(s, "append using part2 part1, generate(src)")
    assert lines == ["(variable id was byte, now int to accommodate using data's values)"]
    assert col(s, "id") == [1, 2, 300, 1, 2] and col(s, "y") == ["", "", "ab", "", ""]
    assert col(s, "src") == [0, 0, 1, 2, 2] and col(s, "x")[2] is None
    s3 = data_session({"y": ("float", [1])})[0]
    before = state(s3)
    rc, lines = run_lines(s3, "append using part2")
    assert rc == 106 and lines[0] == "variable y is float in master but str2 in using data"
    assert state(s3) == before
