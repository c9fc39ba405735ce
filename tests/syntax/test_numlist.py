"""parse_numlist against the forms [P] numlist lists, and the `numlist` command."""
from __future__ import annotations

import pytest

from hlmshell.errors import StataError
from hlmshell.syntax.numlist import parse_numlist
from session_helpers import hsb_session, run_lines


@pytest.mark.parametrize("text, expected", [
    ("1 2 3", [1, 2, 3]), ("1/5", [1, 2, 3, 4, 5]), ("5/1", [5, 4, 3, 2, 1]),
    ("1(2)9", [1, 3, 5, 7, 9]), ("10(-2)0", [10, 8, 6, 4, 2, 0]), ("1[2]9", [1, 3, 5, 7, 9]),
    ("1 3 to 9", [1, 3, 5, 7, 9]), ("1 3: 9", [1, 3, 5, 7, 9]), ("0(.1).3", [0, .1, .2, .3]),
    ("1 (2) 8", [1, 3, 5, 7]), ("-3/-1", [-3, -2, -1]), ("4 1/2", [4, 1, 2]), ("1e2", [100]),
    ("", []),
])
def test_forms(text, expected):
    assert parse_numlist(text) == [float(v) for v in expected]


@pytest.mark.parametrize("text, kwargs, code", [
    ("a", {}, 121), ("1/", {}, 121), ("1(0)5", {}, 121), (".", {}, 121),
    ("1 2.5", {"integer": True}, 126), ("3 1", {"ascending": True}, 124),
    ("1", {"min": 2}, 122), ("1/3", {"max": 2}, 123),
])
def test_errors(text, kwargs, code):
    with pytest.raises(StataError) as err:
        parse_numlist(text, **kwargs)
    assert err.value.code == code and err.value.message.startswith("invalid numlist")


def test_sort():
    assert parse_numlist("3 1 2", sort=True) == [1.0, 2.0, 3.0]


def test_numlist_command_sets_r_numlist():
    s = hsb_session(data=False)
    rc, lines = run_lines(s, 'numlist "1/3 10(5)20 0(.25).5"')
    assert rc == 0 and not any(lines)   # no output, as Stata's
    assert s.r.macros["numlist"] == "1 2 3 10 15 20 0 .25 .5"
    assert run_lines(s, 'numlist "1 2", descending')[1][0] == "option descending not allowed"
