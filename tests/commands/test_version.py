"""version [#] and the `version #:` prefix ([P] version); capture holds an error of any prefix."""
from __future__ import annotations

from session_helpers import hsb_session, run_lines


def lines_of(s, line):
    rc, lines = run_lines(s, line)
    return rc, [x for x in lines if x]


def test_version_shows_sets_and_refuses_a_newer_one():
    s = hsb_session(data=False)
    assert lines_of(s, "version") == (0, ["version 17.0"])
    assert run_lines(s, "version 14")[0] == 0
    run_lines(s, "local v = c(version)")
    assert s.macros.local("v") == "14"
    rc, lines = run_lines(s, "version 18")
    assert rc == 9 and lines[0].startswith("this is version 17.0 of Stata; it cannot run version 18.0")
    assert lines_of(s, "version 13.1: display 2+2") == (0, ["4"])
    assert run_lines(s, "version x: display 1")[0] == 198


def test_capture_holds_errors_of_prefixes():
    s = hsb_session(data=False)
    for line, rc in [("capture by : display 1", 100), ("capture version 99: display 1", 9)]:
        assert run_lines(s, line)[0] == 0
        run_lines(s, "local r = _rc")
        assert s.macros.local("r") == str(rc)
