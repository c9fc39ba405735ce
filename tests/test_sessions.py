"""Every sessions/*.do replays to its sessions/*.log (the logs are committed output of
`hlmshell sessions/NAME.do`). Iteration-log lines are left out of the comparison: the
optimiser's path may differ in its last digits across BLAS builds; the results may not.
Figures printed at full double precision (`ereturn list` shows e(ll) with 16-17 digits)
are compared to 1e-9 relative: their last digits depend on summation order, which
differs between BLAS builds and thread counts (and a figure printed to 10 digits can
round either way); every figure printed to Stata's usual 7-8 digits must match exactly."""
from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest

from hlmshell.batch import run_file
from hlmshell.session import Session

ROOT = Path(__file__).resolve().parents[1]
DO_FILES = sorted((ROOT / "sessions").glob("*.do"))


# a figure with 10 or more significant digits
FULL_PRECISION = re.compile(r"-?(?=(?:\d\.?){10})\d*\.\d+(?:e[-+]\d+)?")


def comparable(text: str) -> list[tuple[str, list[float]]]:
    """Each line with its full-precision figures cut out, and those figures."""
    return [
        (FULL_PRECISION.sub("#", line.rstrip()), [float(x) for x in FULL_PRECISION.findall(line)])
        for line in text.splitlines()
        if not line.startswith("Iteration ")
    ]


@pytest.mark.parametrize("do_file", DO_FILES, ids=[p.stem for p in DO_FILES])
def test_session_replays_to_its_log(do_file, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    run_file(Session(out=out), os.path.relpath(do_file, ROOT))
    expected = do_file.with_suffix(".log").read_text(encoding="utf-8")
    got, want = comparable(out.getvalue()), comparable(expected)
    assert [line for line, _ in got] == [line for line, _ in want]
    for (line, ours), (_, theirs) in zip(got, want):
        assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-300), line
