"""timer on/off/list/clear: counts, r(t#)/r(nt#) and the list layout ([P] timer)."""
from __future__ import annotations

import re

from session_helpers import hsb_session, run_lines


def test_timer_counts_and_lists():
    s = hsb_session(data=False)
    for line in ("timer clear", "timer on 3", "timer off 3", "timer on 3", "timer off 3",
                 "timer on 1", "timer off 1"):
        assert s.run(line) == 0, line
    rc, lines = run_lines(s, "timer list")
    assert rc == 0
    assert re.fullmatch(r"   1:      0\.00 /        1 =       0\.0\d{3}", lines[0])
    assert re.fullmatch(r"   3:      0\.00 /        2 =       0\.0\d{3}", lines[1])
    assert s.r.scalars["nt3"] == 2.0 and 0 <= s.r.scalars["t3"] < 1
    assert s.run("timer clear 3") == 0 and run_lines(s, "timer list")[1][0].startswith("   1:")
    assert s.run("timer clear") == 0 and not any(run_lines(s, "timer list")[1])
    assert run_lines(s, "timer on 101")[0] == 198
    assert run_lines(s, "timer on")[0] == 198
    assert run_lines(s, "timer nosuch 1")[0] == 321
