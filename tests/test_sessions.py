"""Every sessions/*.do replays to its sessions/*.log (the logs are committed output of
`hlmshell sessions/NAME.do`). Iteration-log lines are left out of the comparison: the
optimiser's path may differ in its last digits across BLAS builds; the results may not."""
from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from hlmshell.batch import run_file
from hlmshell.session import Session

ROOT = Path(__file__).resolve().parents[1]
DO_FILES = sorted((ROOT / "sessions").glob("*.do"))


def comparable(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if not line.startswith("Iteration ")]


@pytest.mark.parametrize("do_file", DO_FILES, ids=[p.stem for p in DO_FILES])
def test_session_replays_to_its_log(do_file, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    run_file(Session(out=out), os.path.relpath(do_file, ROOT))
    expected = do_file.with_suffix(".log").read_text(encoding="utf-8")
    assert comparable(out.getvalue()) == comparable(expected)
