"""Ctrl-C while a command runs: Stata prints --Break-- and r(1), and the data, estimates and
stored results are as they were before the command. In a do-file the run stops there, and
the command line exits non-zero.

Simulated in-process by handlers (or the numeric core) raising KeyboardInterrupt after they
have already changed something; and for real by SIGINT to `python -m hlmshell FILE.do`."""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from fuzz_commands import fingerprint, fresh_session
from session_helpers import ROOT, post_results
from session_helpers import execute_text as run

import hlmshell.models
from hlmshell import cli
from hlmshell.batch import DoFileFailed, run_file, run_text
from hlmshell.dataset.dataset import Dataset
from hlmshell.session import Session


@pytest.fixture
def s(tmp_cwd):
    session = post_results(fresh_session(7))
    session.data.changed = True
    return session


def breaks(session: Session, line: str) -> None:
    before = fingerprint(session)
    active = session.estimates.active
    rc, out = run(session, line)
    assert rc == 1, out
    assert out.strip().endswith("--Break--\nr(1);"), out
    assert "Traceback" not in out and "internal error" not in out
    assert fingerprint(session) == before
    assert session.estimates.active is active


def interrupt_fit(monkeypatch, session):
    """models.fit that changes the data (as a careless handler might) and then is broken."""
    def broken(spec, data, **kwargs):
        session.data.set_values("y", np.zeros(session.data.nobs))
        session.scalars["k"] = -1
        raise KeyboardInterrupt
    monkeypatch.setattr(hlmshell.models, "fit", broken)


def interrupt_after_set_values(monkeypatch, calls: int = 1):
    """Dataset.set_values does its work, then Ctrl-C arrives after the `calls`-th call."""
    real = Dataset.set_values
    count = {"n": 0}

    def set_values(self, *args, **kwargs):
        real(self, *args, **kwargs)
        count["n"] += 1
        if count["n"] >= calls:
            raise KeyboardInterrupt
    monkeypatch.setattr(Dataset, "set_values", set_values)


def interrupt_after_take(monkeypatch):
    real = Dataset.take

    def take(self, *args, **kwargs):
        real(self, *args, **kwargs)
        raise KeyboardInterrupt
    monkeypatch.setattr(Dataset, "take", take)


def interrupt_after_add(monkeypatch):
    real = Dataset.add

    def add(self, *args, **kwargs):
        real(self, *args, **kwargs)
        raise KeyboardInterrupt
    monkeypatch.setattr(Dataset, "add", add)


def test_break_during_mixed_keeps_data_and_estimates(s, monkeypatch):
    interrupt_fit(monkeypatch, s)
    breaks(s, "mixed y x || g:")
    breaks(s, "qui mixed y x || g: x, reml")
    assert s.scalars["k"] == 3 and not np.all(s.data.column("y") == 0)


@pytest.mark.parametrize("line", ["replace y = 0", "replace x = y if g > 3"])
def test_break_during_replace(s, monkeypatch, line):
    interrupt_after_set_values(monkeypatch)
    breaks(s, line)


@pytest.mark.parametrize("line", ["sort y", "gsort -x", "keep if g > 3", "drop in 1/5",
                                  "bysort h: keep if _n == 1"])
def test_break_while_rows_move(s, monkeypatch, line):
    interrupt_after_take(monkeypatch)
    breaks(s, line)


@pytest.mark.parametrize("line", ["gen t = y^2", "egen m = mean(y), by(g)",
                                  "predict p, xb", "merge m:1 g using side"])
def test_break_while_adding_a_variable(s, monkeypatch, line):
    side = fresh_session(1)
    side.execute("keep g h")
    side.execute("bysort g: keep if _n == 1")
    side.execute("rename h hh")
    assert side.execute("save side") == 0
    interrupt_after_add(monkeypatch)
    breaks(s, line)


def test_break_during_save_leaves_no_file(s, tmp_path, monkeypatch):
    import hlmshell.dataset.io as dio

    def broken(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(dio.os, "fsync", broken)
    breaks(s, "save new")
    assert list(tmp_path.iterdir()) == []
    assert s.data.changed is True  # not saved: still unsaved work


@pytest.mark.parametrize("line", ["use side, clear", "import delimited side.csv, clear",
                                  "merge m:1 g using side"])
def test_break_while_reading_a_file(s, monkeypatch, line):
    side = fresh_session(1)
    for cmd in ["keep g h", "bysort g: keep if _n == 1", "rename h hh", "save side",
                "export delimited side.csv"]:
        assert side.execute(cmd) == 0
    import pyreadstat

    import hlmshell.dataset.io as dio

    def broken(*args, **kwargs):
        raise KeyboardInterrupt
    import hlmshell.dataset.dta_read as native
    monkeypatch.setattr(pyreadstat, "read_dta", broken)
    monkeypatch.setattr(native, "read_native", broken)     # the .dta reader of formats 117+
    monkeypatch.setattr(dio, "_column_type", broken)
    breaks(s, line)


def test_capture_records_the_break(s, monkeypatch):
    """As Stata's capture does (see [P] break: `capture noisily break ...`): _rc is 1."""
    interrupt_fit(monkeypatch, s)
    before = fingerprint(s)
    rc, out = run(s, "capture mixed y x || g:")
    assert rc == 0 and s.rc == 1 and out.strip() == ""
    assert fingerprint(s) == before


def test_do_file_stops_at_the_break(s, tmp_path, monkeypatch):
    interrupt_fit(monkeypatch, s)
    (tmp_path / "long.do").write_text('di "before"\nmixed y x || g:\ndi "after"\nscalar k = 9\n')
    before = fingerprint(s)
    with pytest.raises(DoFileFailed) as err:
        run_file(s, "long.do")
    assert err.value.code == 1
    out = s.out.getvalue()
    assert "before" in out and '. di "after"' not in out and "after\n" not in out
    assert out.rstrip().endswith("--Break--\nr(1);\n\nend of do-file")
    assert fingerprint(s) == before and s.scalars["k"] == 3


def test_run_text_stops_at_the_break(s, monkeypatch):
    interrupt_after_set_values(monkeypatch)
    rc = run_text(s, "replace y = 1\nscalar k = 9\n")
    assert rc == 1 and s.scalars["k"] == 3


def test_cli_exits_nonzero_on_a_break(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "b.do").write_text('di "one"\nmixed y x || g:\ndi "two"\n')
    real_run_file = run_file

    def with_data(session, name, **kwargs):  # the do-file's session gets the fuzz data
        fresh = fresh_session(3)
        session.data = fresh.data
        interrupt_fit(monkeypatch, session)
        return real_run_file(session, name, **kwargs)

    import hlmshell.batch
    monkeypatch.setattr(hlmshell.batch, "run_file", with_data)
    rc = cli.main(["b.do"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "--Break--\nr(1);" in out and out.rstrip().endswith("end of do-file\nr(1);")
    assert "two" not in out


def test_cli_break_between_commands(tmp_path, monkeypatch, capsys):
    """Ctrl-C outside any command (between two lines of the do-file) still ends the run
    with --Break-- and r(1)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.do").write_text('di "one"\ndi "two"\n')
    import hlmshell.batch

    def lines(text):
        yield 'di "one"', 'di "one"', ""
        raise KeyboardInterrupt
    monkeypatch.setattr(hlmshell.batch, "do_lines", lines)
    rc = cli.main(["c.do"])
    out = capsys.readouterr().out
    assert rc == 1 and "one" in out
    assert out.endswith("--Break--\nr(1);\n\nend of do-file\nr(1);\n"), out


def test_break_between_commands_of_a_nested_do_file(s, tmp_path, monkeypatch):
    """Ctrl-C between two commands of a do-file run by `do` stops that do-file with r(1);
    what its earlier commands did stays, as in Stata."""
    (tmp_path / "inner.do").write_text("gen a = 1\nscalar k = 5\ndi 2\n")
    import hlmshell.batch
    real = hlmshell.batch.do_lines

    def lines(text):
        for i, line in enumerate(real(text)):
            if i == 2:
                raise KeyboardInterrupt
            yield line
    monkeypatch.setattr(hlmshell.batch, "do_lines", lines)
    active = s.estimates.active
    rc, out = run(s, "do inner")
    assert rc == 1 and "--Break--\nr(1);" in out and ". di 2" not in out
    assert "a" in s.data.names and s.scalars["k"] == 5 and s.estimates.active is active


def test_break_inside_a_nested_do_file_keeps_the_earlier_work(s, tmp_path, monkeypatch):
    interrupt_fit(monkeypatch, s)
    (tmp_path / "inner.do").write_text("gen a = 1\nscalar k = 5\nmixed y x || g:\ndi 2\n")
    y = s.data.column("y").copy()
    active = s.estimates.active
    rc, out = run(s, "do inner")
    assert rc == 1 and out.count("r(1);") == 2 and ". di 2" not in out
    assert "a" in s.data.names and s.scalars["k"] == 5
    assert np.array_equal(s.data.column("y"), y) and s.estimates.active is active


# ---------------------------------------------------------------------------- real SIGINT
def make_big(path: Path, n: int = 200_000, groups: int = 2_000) -> None:
    session = Session(out=io.StringIO())
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(groups), n // groups)
    x = rng.normal(size=n)
    d = session.data
    d.add("g", g.astype(float), "int")
    d.add("x", x, "double")
    d.add("y", 1 + 0.5 * x + rng.normal(size=groups)[g] + rng.normal(size=n), "double")
    assert session.execute(f'save "{path}"') == 0


def test_sigint_to_a_running_do_file(tmp_path):
    make_big(tmp_path / "big.dta")
    lines = ["use big", "gen before = 1"] + ["mixed y x || g: x"] * 200 + ['di "never"']
    (tmp_path / "long.do").write_text("\n".join(lines) + "\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PYTHONUNBUFFERED="1")
    env.pop("HLMSHELL_DATAPATH", None)
    proc = subprocess.Popen([sys.executable, "-m", "hlmshell", "long.do"], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    try:
        deadline = time.time() + 60
        while time.time() < deadline:  # wait until the first fit has started
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            if line.startswith(". mixed"):
                break
        assert seen and seen[-1].startswith(". mixed"), "".join(seen)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    out = "".join(seen) + rest
    assert proc.returncode != 0 and proc.returncode == 1, (proc.returncode, out[-2000:], err)
    assert "--Break--\nr(1);" in out, out[-2000:]
    assert "never" not in out
    assert out.count(". mixed") < 200
    assert "Traceback" not in out and "Traceback" not in err, err
    assert (tmp_path / "big.dta").stat().st_size > 0
