"""sysuse, webuse (through a file:// prefix set with `webuse set`, no network in tests) and
saveold."""
from __future__ import annotations

from session_helpers import hsb_session, run_lines, state


def test_sysuse_and_webuse(tmp_path):
    import shutil
    s = hsb_session(data=False)
    assert run_lines(s, "sysuse hsb2, clear")[0] == 0 and s.data.nobs == 160
    before = state(s)
    rc, lines = run_lines(s, "sysuse auto, clear")
    assert rc == 601 and lines[0] == "file auto.dta not found"
    assert state(s) == before
    shutil.copy("data/hsb1.dta", tmp_path / "hsb1.dta")
    assert run_lines(s, f"webuse set file://{tmp_path}")[0] == 0
    assert run_lines(s, "webuse hsb1, clear")[0] == 0 and s.data.names[0] == "id"
    assert s.data.filename == f"file://{tmp_path}/hsb1.dta"
    assert run_lines(s, "webuse nosuch, clear")[0] == 631


def test_saveold(tmp_path):
    s = hsb_session()
    assert run_lines(s, f"saveold {tmp_path}/a, replace")[0] == 198     # version(13): not written
    assert run_lines(s, f"saveold {tmp_path}/a, replace version(14)")[0] == 0
    assert (tmp_path / "a.dta").exists()
