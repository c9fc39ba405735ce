"""Simulating data: set obs, set seed, expand, and a course exercise's whole simulation
ending in a `mixed` fit."""
from __future__ import annotations

import io
import math

import numpy as np
import pytest

from hlmshell.dataset.dataset import MAX_OBS
from hlmshell.session import Session
from session_helpers import col, data_session, run_lines, state

SHRINK = ("observation number out of range",
          "    Observation number must be between 3 and 2,147,483,647.  "
          "(Observation numbers are typed without commas.)")


@pytest.fixture
def s():
    return Session(out=io.StringIO())


# --- set obs ------------------------------------------------------------------------------
def test_set_obs_with_no_data_creates_empty_observations(s):
    rc, lines = run_lines(s, "set obs 100")
    assert rc == 0 and lines[0] == "Number of observations (_N) was 0, now 100."
    assert s.data.nobs == 100 and s.data.names == [] and s.data.changed
    assert s.run("gen x = _n") == 0
    assert col(s, "x") == list(range(1, 101))


def test_set_obs_grows_with_missing_values():
    s, _ = data_session({"x": ("float", [1.0, 2.0, 3.0]), "name": ("str3", ["a", "bb", "ccc"])})
    s.data.changed = False
    s.data.sortedby = ["x"]
    rc, lines = run_lines(s, "set obs 5")
    assert rc == 0 and lines[0] == "Number of observations (_N) was 3, now 5."
    assert col(s, "x") == [1.0, 2.0, 3.0, None, None]
    assert col(s, "name") == ["a", "bb", "ccc", "", ""]
    assert s.data.changed and s.data.sortedby == []


def test_set_obs_thousands_separators(s):
    assert run_lines(s, "set obs 1234")[1][0] == "Number of observations (_N) was 0, now 1,234."
    assert run_lines(s, "set obs 1e4")[1][0] == \
        "Number of observations (_N) was 1,234, now 10,000."


def test_set_obs_refuses_to_shrink_and_changes_nothing():
    s, _ = data_session({"x": ("float", [1.0, 2.0, 3.0])})
    s.data.changed = False
    before = state(s)
    rc, lines = run_lines(s, "set obs 2")
    assert rc == 198 and tuple(lines[:2]) == SHRINK and lines[2] == "r(198);"
    assert state(s) == before and not s.data.changed


@pytest.mark.parametrize("value, rc, message", [
    ("1e12", 198, SHRINK[0]), (str(MAX_OBS + 1), 198, SHRINK[0]),
    ("2.5", 198, "'2.5' invalid observation number"), ("abc", 198, "'abc' invalid observation number"),
    ("-1", 198, SHRINK[0]),
    ("2e9", 909, "op. sys. refuses to provide memory"),          # under the limit, over ~2 GB
    ("300000000", 909, "op. sys. refuses to provide memory"),    # 3 columns of 2.4 GB
])
def test_set_obs_bounds_fail_before_allocating(value, rc, message):
    s, _ = data_session({"x": ("float", [1.0, 2.0, 3.0]), "y": ("float", [1.0, 2.0, 3.0])})
    before = state(s)
    got, lines = run_lines(s, f"set obs {value}")
    assert got == rc and lines[0] == message
    assert state(s) == before


def test_set_obs_same_number_is_fine(s):
    s.run("set obs 4")
    assert run_lines(s, "set obs 4")[1][0] == "Number of observations (_N) was 4, now 4."


# --- set seed -----------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["-1", "1.5", "abc", "2147483648", "."])
def test_set_seed_refuses_non_integers_and_out_of_range(s, value):
    rng = s.rng
    rc, lines = run_lines(s, f"set seed {value}")
    assert rc == 198 and lines[0] == "seed must be an integer between 0 and 2,147,483,647"
    assert s.rng is rng


@pytest.mark.parametrize("value", ["0", "2147483647", "12345"])
def test_set_seed_accepts_0_to_2_31_minus_1(s, value):
    assert s.run(f"set seed {value}") == 0
    assert isinstance(s.rng, np.random.Generator)


def test_set_seed_is_silent(s):
    assert run_lines(s, "set seed 1")[1] == ["", ""]


# --- expand -------------------------------------------------------------------------------
def expand_data():
    """[D] expand's example: n = -1 0 1 2 3 next to x = 1..5, and one missing count."""
    s, _ = data_session({"n": ("float", [-1.0, 0.0, 1.0, 2.0, 3.0, math.nan]),
                         "x": ("float", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])})
    s.data.changed = False
    s.data.sortedby = ["x"]
    return s


def test_expand_manual_example_counts_order_and_message():
    s = expand_data()
    rc, lines = run_lines(s, "expand n")
    assert rc == 0
    assert lines[:4] == ["(1 negative count ignored; observation not deleted)",
                         "(1 zero count ignored; observation not deleted)",
                         "(1 missing count ignored; observation not deleted)",
                         "(3 observations created)"]
    # the originals in place, then the copies at the end, each observation's together
    assert col(s, "x") == [1, 2, 3, 4, 5, 6, 4, 5, 5]
    assert s.data.nobs == 9 and s.data.changed and s.data.sortedby == []


def test_expand_constant_rounds_to_nearest_and_plural():
    s = expand_data()
    rc, lines = run_lines(s, "expand = 2.6")     # [=]exp; 2.6 rounds to 3
    assert rc == 0 and lines[0] == "(12 observations created)"
    assert col(s, "x") == [1, 2, 3, 4, 5, 6] + [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]


def test_expand_singular_message_and_notes_in_the_plural():
    s, _ = data_session({"n": ("float", [0.0, 0.0, -2.0, -1.0, 2.0])})
    rc, lines = run_lines(s, "expand n")
    assert rc == 0 and lines[:3] == ["(2 negative counts ignored; observations not deleted)",
                                     "(2 zero counts ignored; observations not deleted)",
                                     "(1 observation created)"]


def test_expand_if_in_duplicate_only_the_selected_observations():
    s = expand_data()
    rc, lines = run_lines(s, "expand 3 if x >= 5")
    assert rc == 0 and lines[0] == "(4 observations created)"
    assert col(s, "x") == [1, 2, 3, 4, 5, 6, 5, 5, 6, 6]
    s = expand_data()
    rc, lines = run_lines(s, "expand n in 1/4")   # the -1 and 0 are noted; 5 and 6 untouched
    assert lines[:3] == ["(1 negative count ignored; observation not deleted)",
                         "(1 zero count ignored; observation not deleted)",
                         "(1 observation created)"]
    assert col(s, "x") == [1, 2, 3, 4, 5, 6, 4]


def test_expand_generate_marks_the_copies():
    s = expand_data()
    assert s.run("expand 2 in 2/3, gen(dup)") == 0
    assert col(s, "x") == [1, 2, 3, 4, 5, 6, 2, 3]
    assert col(s, "dup") == [0, 0, 0, 0, 0, 0, 1, 1]
    assert s.data.var("dup").stype == "byte"


def test_expand_string_variables_are_copied():
    s, _ = data_session({"name": ("str2", ["a", "bb"])})
    assert s.run("expand 2") == 0
    assert col(s, "name") == ["a", "bb", "a", "bb"]


@pytest.mark.parametrize("line, rc, message", [
    ("expand 1e9", 901, "no room to add more observations"),
    ("expand 1e300", 901, "no room to add more observations"),
    (f"expand {MAX_OBS // 6 + 1}", 901, "no room to add more observations"),
    ("expand 1e8", 909, "op. sys. refuses to provide memory"),   # 6e8 obs x 3 columns
    ('expand "a"', 109, "type mismatch"),
    ("expand", 198, "invalid syntax"),
    ("expand nosuch", 111, "variable nosuch not found"),
    ("expand 2, gen(x)", 110, "variable x already defined"),
])
def test_expand_errors_change_nothing(line, rc, message):
    s = expand_data()
    before = state(s)
    got, lines = run_lines(s, line)
    assert got == rc and lines[0] == message
    assert state(s) == before and not s.data.changed and s.data.sortedby == ["x"]


def test_help_shows_the_new_syntax(s):
    _, lines = run_lines(s, "help expand")
    assert "    expand [=]exp [if] [in] [, generate(newvar)]" in lines
    _, lines = run_lines(s, "help set")
    assert "    set obs #" in lines and "    set seed #" in lines


# --- the course exercise ------------------------------------------------------------------
SIMULATION = """clear
set obs 100
set seed 12345
gen school = _n
gen u = rnormal(0, 2)
expand 20
bysort school: gen pupil = _n
gen y = 10 + u + rnormal(0, 5)
mixed y || school:"""


def test_simulated_two_level_data_recover_the_variances(s):
    """100 schools of 20 pupils, school sd 2 and pupil sd 5: var(_cons) = 4 and
    var(Residual) = 25. Tolerances are generous, about 3 standard errors of the estimates
    at this size (SE of var(_cons) ~0.65, of var(Residual) ~0.84): 2 and 3."""
    for line in SIMULATION.splitlines():
        assert s.run(line) == 0, (line, s.out.getvalue()[-500:])
    assert s.data.nobs == 2000
    assert col(s, "pupil")[:20] == list(range(1, 21))
    assert sorted(set(col(s, "school"))) == list(range(1, 101))
    b = dict(zip(s.estimates.active.matrices["b"].colnames,
                 s.estimates.active.matrices["b"].values[0]))
    var_school = math.exp(2 * b["lns1_1_1:_cons"])
    var_resid = math.exp(2 * b["lnsig_e:_cons"])
    assert abs(var_school - 4) < 2.0, var_school
    assert abs(var_resid - 25) < 3.0, var_resid
    assert abs(b["y:_cons"] - 10) < 1.0     # SE of the mean ~0.21
    assert "var(_cons)" in s.out.getvalue() and "var(Residual)" in s.out.getvalue()
