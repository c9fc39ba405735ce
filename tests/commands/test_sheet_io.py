"""insheet / outsheet: the old names of import/export delimited with their defaults (tab
separated unless comma; .out and .raw extensions); a round trip keeps the values."""
from __future__ import annotations

import numpy as np

from session_helpers import hsb_session, run_lines


def test_round_trip(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = hsb_session()
    ses = s.data.column("ses").copy()
    assert run_lines(s, "outsheet id ses using out1, replace")[0] == 0
    assert (tmp_path / "out1.out").read_text().splitlines()[0] == "id\tses"
    run_lines(s, "outsheet id ses using out2.csv, comma nonames replace")
    assert (tmp_path / "out2.csv").read_text().splitlines()[0].count(",") == 1
    rc, lines = run_lines(s, "insheet using out1.out, clear")
    assert rc == 0 and lines[0] == "(2 vars, 7,185 obs)"
    np.testing.assert_allclose(s.data.column("ses"), ses, rtol=1e-6)
    assert run_lines(s, "outsheet using out3, noquote")[0] == 198
