"""erase / rm ([D] erase): the file goes; a missing file is r(601)."""
from __future__ import annotations

from session_helpers import hsb_session, run_lines


def test_erase(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.dta").write_bytes(b"x")
    s = hsb_session(data=False)
    assert run_lines(s, "erase a.dta")[0] == 0 and not (tmp_path / "a.dta").exists()
    rc, lines = run_lines(s, "erase a.dta")
    assert rc == 601 and lines[0] == "file a.dta not found"
    (tmp_path / "b.csv").write_text("1")
    assert run_lines(s, 'rm "b.csv"')[0] == 0 and not (tmp_path / "b.csv").exists()
