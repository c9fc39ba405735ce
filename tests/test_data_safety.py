"""Changed data is never dropped silently: `use`, `import delimited` and `exit` refuse with
r(4) unless told `clear`; `clear` is the explicit discard; `merge` keeps every master row;
every command that changes the data marks it changed (or `use` would drop it silently); and
model faults on the data side (string depvar, no observations) change nothing."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest

from fuzz_commands import fingerprint, fresh_session
from session_helpers import HSB, post_results
from session_helpers import execute_text as run

from hlmshell.batch import run_text
from hlmshell.session import ExitRequest, Session

CHANGED = "no; dataset in memory has changed since last saved"


@pytest.fixture
def s(tmp_path, tmp_cwd):
    """Fuzz data saved as base.dta, a fit posted and stored, r(), a scalar and a matrix."""
    shutil.copy(HSB, tmp_path / "hsb.dta")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n3,4\n")
    session = fresh_session(11)
    side = fresh_session(2)
    for line in ["keep g h", "bysort g: keep if _n == 1", "rename h hh", "save side"]:
        assert side.execute(line) == 0
    assert session.execute("save base") == 0, session.out.getvalue()
    post_results(session)
    assert session.data.changed is False
    return session


def fails(session: Session, line: str, code: int, message: str | None = None) -> str:
    before = fingerprint(session)
    rc, out = run(session, line)
    assert rc == code, out
    assert "Traceback" not in out and "internal error" not in out, out
    if message is not None:
        assert message in out, out
    assert fingerprint(session) == before
    return out


# ---------------------------------------------------------------------------- r(4)
CHANGES = ["gen t = 1", "generate str5 q = \"a\"", "replace y = 0", "replace y = . in 1",
           "egen m = mean(y), by(g)", "bysort g: gen k = _n", "drop x", "keep y g",
           "keep if g > 3", "drop in 1", "sort x", "gsort -x", "order z", "rename x xx",
           'label variable x "lab"', "predict p", "predict r*, reffects",
           "merge m:1 g using side"]


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_is_protected(s, change):
    rc, out = run(s, change)
    assert rc == 0, out
    assert s.data.changed is True
    names, nobs = s.data.names, s.data.nobs
    fails(s, "use hsb", 4, CHANGED)
    fails(s, "use base", 4, CHANGED)
    fails(s, "use y x using base", 4, CHANGED)
    fails(s, "import delimited other.csv", 4, CHANGED)
    with pytest.raises(ExitRequest):  # exit, clear: the user's explicit choice
        s.execute("exit, clear")
    fails(s, "exit", 4, CHANGED)
    assert (s.data.names, s.data.nobs) == (names, nobs)


def test_unchanged_data_is_replaced_without_clear(s):
    assert run(s, "use hsb")[0] == 0 and s.data.nobs == 7185
    assert run(s, "import delimited other.csv")[0] == 0 and s.data.names == ["a", "b"]
    assert run(s, "use base")[0] == 0 and s.data.changed is False


def test_failed_commands_leave_data_unchanged_flag(s):
    """A failed change must not mark the data changed (nor a no-op keep/drop)."""
    for line, code in [("gen y = 1", 110), ("replace nosuch = 1", 111), ("drop nosuch", 111),
                       ("keep if nosuch", 111), ("merge m:1 g using nosuch", 601)]:
        fails(s, line, code)
    for line in ["drop if 0", "keep if 1", "keep in 1/l"]:
        assert run(s, line)[0] == 0
    assert s.data.changed is False
    assert run(s, "use hsb")[0] == 0


def test_clear_is_the_explicit_discard(s):
    run(s, "gen t = 1")
    assert run(s, "use hsb, clear")[0] == 0 and s.data.nobs == 7185
    run(s, "gen t = 1")
    assert run(s, "import delimited other.csv, clear")[0] == 0
    run(s, "gen t = 1")
    assert run(s, "clear")[0] == 0
    assert s.data.names == [] and s.data.changed is False
    assert s.estimates.active is not None and s.scalars["k"] == 3  # clear keeps results
    assert run(s, "use hsb")[0] == 0


def test_exit_in_a_do_file_ends_only_the_do_file(s):
    run(s, "gen t = 1")
    s.do_depth = 1  # as inside `do`
    try:
        with pytest.raises(ExitRequest) as exc:
            s.execute("exit")
        assert exc.value.leave is False
        fails(s, "exit, STATA", 4, CHANGED)
    finally:
        s.do_depth = 0
    assert "t" in s.data.names


def test_exit_at_the_top_of_a_batch_run_refuses(s):
    run(s, "gen t = 1")
    before = fingerprint(s)
    assert run_text(s, "exit\ndi 1\n") == 4
    assert fingerprint(s) == before


def test_merge_keeps_every_master_row(s):
    run(s, "replace y = 99 in 1")  # unsaved work
    y = s.data.column("y").copy()
    assert run(s, "merge m:1 g using side")[0] == 0
    d = s.data
    assert d.changed is True and d.filename and d.filename.endswith("base.dta")
    master = d.column("_merge") != 2
    assert master.sum() == len(y)
    assert sorted(d.column("y")[master]) == sorted(y)


@pytest.mark.parametrize("line, code", [
    ("merge 1:1 g using side", 459),  # g is not unique in the master
    ("merge m:1 h using side", 111),
    ("merge m:1 g using nosuch", 601),
    ("merge m:1 g using side, keep(foo)", 198),
    ("merge m:1 g using side, gen(y)", 110),
    ("merge m:1 s using side", 111),
])
def test_merge_failures_change_nothing(s, line, code):
    run(s, "replace y = 99 in 1")
    fails(s, line, code)
    assert s.data.column("y")[0] == 99


def test_save_replace_goes_through_a_temporary_file(s, tmp_path, monkeypatch):
    import os

    import hlmshell.dataset.io as dio
    seen = []
    real = os.replace
    monkeypatch.setattr(dio.os, "replace",
                        lambda a, b: (seen.append((Path(a).name, Path(b).name)), real(a, b))[1])
    run(s, "gen t = 1")
    assert run(s, "save base, replace")[0] == 0
    assert len(seen) == 1 and seen[0][1] == "base.dta" and seen[0][0] != "base.dta"
    assert s.data.changed is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["base.dta", "hsb.dta", "other.csv",
                                                          "side.dta"]


# ---------------------------------------------------------------------------- model faults
@pytest.fixture
def m():
    """A small synthetic two-level dataset with a string, an all-missing and a sparse
    variable, and a fit already posted."""
    session = Session(out=io.StringIO())
    rng = np.random.default_rng(3)
    n = 60
    g = np.repeat(np.arange(6), 10)
    x = rng.normal(size=n)
    d = session.data
    d.add("id", g.astype(float), "byte")
    d.add("x", x, "double")
    d.add("y", 2 + x + rng.normal(size=6)[g] + rng.normal(size=n), "double")
    d.add("name", np.array([f"p{i}" for i in range(n)], dtype=object), "str3")
    d.add("gone", np.full(n, np.nan), "double")
    d.add("few", np.where(np.arange(n) < 1, 1.0, np.nan), "double")
    assert session.execute("qui mixed y x || id:") == 0
    assert session.execute("est store first") == 0
    session.data.changed = True
    return session


@pytest.mark.parametrize("line, code", [
    ("mixed name x || id:", 109),
    ("mixed y name || id:", 109),
    ("mixed y x || id: name", 109),
    ("mixed y x if x > 100 || id:", 2000),
    ("mixed y x if name == \"zz\" || id:", 2000),
    ("mixed gone x || id:", 2000),
    ("mixed y gone || id:", 2000),
    ("mixed y x || id: gone", 2000),
    ("mixed y x if gone < . || id:", 2000),
    ("mixed y few || id:", 2001),
    ("mixed y x || nosuch:", 111),
    ("mixed y x if nosuch > 1 || id:", 111),
])
def test_data_side_model_faults(m, line, code):
    active = m.estimates.active
    fails(m, line, code)
    assert m.estimates.active is active
    fails(m, "qui " + line, code)
    rc, out = run(m, "cap " + line)
    assert rc == 0 and m.rc == code and m.estimates.active is active


@pytest.mark.parametrize("prefix", ["", "capture ", "quietly "])
def test_a_failing_do_file_keeps_the_work_of_its_earlier_commands(s, tmp_path, prefix):
    """As in Stata: a do-file that stops at an error has still done what came before the
    error (it used to be rolled back with the `do` command as a whole: the whole run lost)."""
    (tmp_path / "clean.do").write_text("gen a = 1\nscalar k = 5\nreplace y = 0 in 1\n"
                                       "gen a = 2\ndi 3\n")
    rc, out = run(s, prefix + "do clean")
    if prefix == "capture ":
        assert rc == 0 and s.rc == 110
    else:
        assert rc == 110, out
    assert "a" in s.data.names and np.all(s.data.column("a") == 1)
    assert s.scalars["k"] == 5 and s.data.column("y")[0] == 0 and s.data.changed is True
    fails(s, "use base", 4, CHANGED)
