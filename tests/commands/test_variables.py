"""rename (groups, wildcards, case), order/move, clonevar, format, compress, recast,
mvdecode/mvencode. Expected values from [D] rename group / compress / recast / mvencode's
descriptions, worked by hand on the small dataset here."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import col, data_session, run_lines, state
from session_helpers import run_nonblank as run


@pytest.fixture
def s():
    return data_session({"id": ("double", [1, 2, 3]), "inc80": ("float", [1.5, 2, 9]),
                         "inc81": ("float", [3, 4, -1]), "name": ("str10", ["a", "bb", "c"])})[0]


def test_rename_forms(s):
    run(s, "rename inc* earn*")
    assert s.data.names == ["id", "earn80", "earn81", "name"]
    run(s, "rename (earn80 earn81) (earn81 earn80)")          # a simultaneous swap
    assert s.data.names == ["id", "earn81", "earn80", "name"] and col(s, "earn81")[0] == 1.5
    run(s, "rename earn8? e?")
    assert s.data.names == ["id", "e1", "e0", "name"]
    run(s, "rename *, upper")
    assert s.data.names == ["ID", "E1", "E0", "NAME"]
    assert run_lines(s, "rename (ID E1) (X)")[0] == 198
    assert run_lines(s, "rename ID E0")[0] == 110


def test_order_and_move(s):
    run(s, "order name, after(id)")
    assert s.data.names == ["id", "name", "inc80", "inc81"]
    run(s, "order inc81 inc80, first")
    run(s, "order id, last")
    assert s.data.names == ["inc81", "inc80", "name", "id"]
    run(s, "order *, alphabetic")
    assert s.data.names == ["id", "inc80", "inc81", "name"]
    run(s, "move name id")
    assert s.data.names == ["name", "id", "inc80", "inc81"]


def test_clonevar_format_compress_recast(s):
    run(s, "clonevar c = inc80 if id < 3")
    assert s.data.var("c").stype == "float" and col(s, "c") == [1.5, 2, None]
    run(s, "format inc80 %9.2f")
    assert s.data.var("inc80").fmt == "%9.2f"
    assert run_lines(s, "format name %9.2f")[0] == 120
    lines = run(s, "compress")
    # id 1 2 3 double -> byte (7 bytes x 3); inc81 3 4 -1 float -> byte (3 x 3); name str10 -> str2
    assert lines == ["  variable id was double now byte", "  variable inc81 was float now byte",
                     "  variable name was str10 now str2", "  (54 bytes saved)"]
    before = state(s)
    rc, lines = run_lines(s, "recast byte inc80")
    assert rc == 681 and lines[0] == "inc80:  1 value would be changed; not changed"
    assert state(s) == before
    assert run(s, "recast byte inc80, force") == ["inc80:  1 value changed"]
    assert col(s, "inc80") == [1, 2, 9]


def test_mvdecode_mvencode(s):
    # mvencode.ado's layout: the name right-aligned in 12 columns
    assert run(s, "mvdecode inc80 inc81 name, mv(9 -1)") == [
        "       inc80: 1 missing value generated", "       inc81: 1 missing value generated",
        "        name: string variable ignored"]
    assert col(s, "inc81") == [3, 4, None]
    rc, lines = run_lines(s, "mvencode inc81, mv(3)")
    assert rc == 9 and lines[:2] == ["       inc81: already 3 in    1 observation", "no action taken"]
    assert run(s, "mvencode inc80 inc81, mv(99)") == ["       inc80: 1 missing value recoded",
                                                     "       inc81: 1 missing value recoded"]
    assert col(s, "inc81") == [3, 4, 99]
