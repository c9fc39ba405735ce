"""Bad files through Session.execute: truncated, corrupt or unreadable .dta files, odd text
files, empty datasets, awkward variable names, and saves that cannot (or fail to) finish.

Every failure must give Stata's return code and leave the session exactly as it was (data,
estimates, r(), scalars, matrices: `fingerprint`), and every file on disk intact."""
from __future__ import annotations

import builtins
import io
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from fuzz_commands import fingerprint, fresh_session
from session_helpers import HSB, post_results
from session_helpers import execute_text as run

from hlmshell.batch import run_file
from hlmshell.errors import StataError
from hlmshell.session import Session


@pytest.fixture
def s(tmp_cwd):
    """The small two-level session of the fuzz harness, with estimates, r() and a scalar and
    matrix posted, working in a temporary directory."""
    session = post_results(fresh_session(5))
    session.data.changed = True  # unsaved work that must never be dropped silently
    return session


def fails(session: Session, line: str, code: int, message: str | None = None) -> str:
    """Run `line`; it must fail with r(code), print no traceback and change nothing."""
    before = fingerprint(session)
    filename = session.data.filename
    rc, out = run(session, line)
    assert rc == code, out
    assert f"r({code});" in out
    assert "Traceback" not in out and "internal error" not in out, out
    if message is not None:
        assert message in out, out
    assert fingerprint(session) == before
    assert session.data.filename == filename
    return out


def digest(path) -> bytes:
    return Path(path).read_bytes()


# ---------------------------------------------------------------------------- reading .dta
CUTS = [0, 1, 11, 100, 600, 2_000, 50_000, 150_000, -200, -40, -20, -12, -1]


@pytest.mark.parametrize("cut", CUTS)
def test_truncated_dta_is_not_stata_format(s, tmp_path, cut):
    raw = HSB.read_bytes()
    (tmp_path / "cut.dta").write_bytes(raw[:cut] if cut >= 0 else raw[:len(raw) + cut])
    fails(s, "use cut, clear", 610, "file cut.dta not Stata format")
    fails(s, "merge m:1 g using cut", 610)


def test_corrupt_dta_random_bytes_and_text(s, tmp_path):
    rng = np.random.default_rng(1)
    (tmp_path / "noise.dta").write_bytes(rng.integers(0, 256, 5_000, dtype=np.uint8).tobytes())
    (tmp_path / "text.dta").write_text("id,score\n1,2\n3,4\n")
    (tmp_path / "fake.dta").write_bytes(b"<stata_dta><header><release>118</release>" + b"\0" * 300)
    for name in ["noise", "text", "fake"]:
        fails(s, f"use {name}, clear", 610, f"file {name}.dta not Stata format")
        fails(s, f"use {name}.dta, clear", 610)
        fails(s, f"use y using {name}, clear", 610)


def test_directory_named_like_a_dataset(s, tmp_path):
    (tmp_path / "x.dta").mkdir()
    fails(s, "use x, clear", 603, "file x.dta could not be opened")
    fails(s, "merge m:1 g using x", 603)
    fails(s, "save x, replace", 603)
    fails(s, "save x", 602)  # exists, and no replace
    assert (tmp_path / "x.dta").is_dir()


def test_unreadable_file(s, tmp_path, monkeypatch):
    """We run as root, so chmod 000 cannot stop us reading: `open` is made to raise
    PermissionError for the one file instead."""
    shutil.copy(HSB, tmp_path / "locked.dta")
    (tmp_path / "locked.csv").write_text("a,b\n1,2\n")
    (tmp_path / "locked.do").write_text("di 1\n")
    real_open = builtins.open

    def guarded(file, *args, **kwargs):
        if "locked" in str(file):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)
    fails(s, "use locked, clear", 603, "file locked.dta could not be opened")
    fails(s, "merge m:1 g using locked", 603)
    fails(s, "import delimited locked.csv, clear", 603)
    with pytest.raises(StataError) as err:
        run_file(s, "locked.do")
    assert err.value.code == 603


def test_missing_file(s):
    fails(s, "use nosuch, clear", 601, "file nosuch.dta not found")
    fails(s, "import delimited nosuch.csv, clear", 601)
    fails(s, "merge m:1 g using nosuch", 601)


# ---------------------------------------------------------------------------- text files
def test_latin1_do_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "l1.do").write_bytes('di "caf\xe9 \xdf"\nscalar n = "na\xefve"\n'
                                     .encode("latin-1"))
    session = Session(out=io.StringIO())
    assert run_file(session, "l1.do") == 0
    assert "café ß" in session.out.getvalue()
    assert session.scalars["n"] == "naïve"


def test_latin1_csv(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "l1.csv").write_bytes("name,score\ncaf\xe9,1\nna\xefve,2\n".encode("latin-1"))
    session = Session(out=io.StringIO())
    rc, out = run(session, "import delimited l1.csv")
    assert rc == 0 and "ISO-8859-1" in out
    assert list(session.data.column("name")) == ["café", "naïve"]
    assert run(session, "save l1, replace")[0] == 0
    assert run(session, "use l1, clear")[0] == 0
    assert list(session.data.column("name")) == ["café", "naïve"]


def test_ragged_csv(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rag.csv").write_text("a,b,c\n1,2\n3,4,5,6\n\n7\n")
    session = Session(out=io.StringIO())
    rc, out = run(session, "import delimited rag.csv")
    assert rc == 0, out
    d = session.data
    assert d.names == ["a", "b", "c", "v4"]
    assert d.nobs == 4
    assert np.isnan(d.column("c")[0]) and d.column("v4")[1] == 6
    assert run(session, "sum")[0] == 0


def test_empty_csv(s, tmp_path):
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text("a,b\n")
    fails(s, "import delimited empty.csv", 4)  # the data in memory changed: clear needed
    for name, k in [("empty", 0), ("header", 2)]:
        rc, out = run(s, f"import delimited {name}.csv, clear")
        assert rc == 0 and f"({k} vars, 0 obs)" in out
        assert s.data.nobs == 0 and len(s.data.names) == k
        for line in ["des", "sum", "list", "count"]:
            assert run(s, line)[0] == 0, line


# ---------------------------------------------------------------------------- odd datasets
ZERO_OBS_OK = ["des", "sum", "list", "count", "gen q = y", "replace y = 1", "sort g",
               "egen m = mean(y)", "egen k = group(g)", "drop x", "keep y g"]
ZERO_OBS_FAIL = [("tab g", 2000), ("tab g h", 2000), ("mixed y x || g:", 2000),
                 ("predict p", 459), ("list in 1", 198)]


def test_zero_observations(s, tmp_path):
    assert run(s, "keep if 0")[0] == 0
    assert run(s, "save zero")[0] == 0
    assert run(s, "use zero, clear")[0] == 0
    assert s.data.nobs == 0 and s.data.names == ["y", "x", "z", "g", "h", "s"]
    for line, code in ZERO_OBS_FAIL:
        fails(s, line, code)
    for line in ZERO_OBS_OK:
        rc, out = run(s, line)
        assert rc == 0, (line, out)
    assert run(s, "save zero2")[0] == 0
    assert run(s, "use zero2, clear")[0] == 0 and s.data.nobs == 0


def test_zero_variables(s, tmp_path):
    assert run(s, "drop _all")[0] == 0
    assert s.data.names == []
    fails(s, "save novars", 111, "no variables defined")
    assert not (tmp_path / "novars.dta").exists()
    fails(s, "export delimited novars.csv", 111)
    fails(s, "mixed y x || g:", 111)
    fails(s, "tab", 100)
    for line in ["des", "sum", "list", "count"]:
        assert run(s, line)[0] == 0, line


def test_names_that_are_command_names(s, tmp_path):
    for line in ["rename x sum", "rename z list", "rename h mixed", "gen by = g",
                 "gen use = 1", "gen save = 2"]:
        assert run(s, line)[0] == 0, line
    fails(s, "rename y if", 101)
    fails(s, "gen in = 1", 198)
    fails(s, "gen double = 1", 198)
    fails(s, "gen _all = 1", 198)
    for line in ["sum sum", "list sum list in 1/2", "tab mixed", "sum sum if sum > 0",
                 "egen q = mean(sum), by(by)", "qui mixed y sum || by:", "save coll"]:
        rc, out = run(s, line)
        assert rc == 0, (line, out)
    assert run(s, "use coll, clear")[0] == 0
    assert s.data.names[:3] == ["y", "sum", "list"] and "mixed" in s.data.names


# ---------------------------------------------------------------------------- saving
def test_save_to_a_missing_directory(s, tmp_path):
    fails(s, "save nodir/sub/a", 603, "file nodir/sub/a.dta could not be opened")
    fails(s, "save nodir/sub/a, replace", 603)
    fails(s, "export delimited using nodir/a.csv", 603)
    assert not (tmp_path / "nodir").exists()


def test_save_over_an_existing_file_needs_replace(s, tmp_path):
    shutil.copy(HSB, tmp_path / "keep.dta")
    (tmp_path / "keep.csv").write_text("a\n1\n")
    old, old_csv = digest(tmp_path / "keep.dta"), digest(tmp_path / "keep.csv")
    fails(s, "save keep", 602, "file keep.dta already exists")
    fails(s, "save keep.dta", 602)
    fails(s, "export delimited keep.csv", 602, "file keep.csv already exists")
    assert digest(tmp_path / "keep.dta") == old and digest(tmp_path / "keep.csv") == old_csv


class _Failing:
    """A file object that writes the first `limit` bytes, then fails as a full disk does."""

    def __init__(self, fh, limit, exc):
        self.fh, self.limit, self.exc = fh, limit, exc

    def write(self, data):
        self.fh.write(data[:self.limit])
        self.fh.flush()
        raise self.exc

    def __getattr__(self, name):
        return getattr(self.fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.fh.close()


@pytest.mark.parametrize("exc, code", [(OSError(28, "No space left on device"), 603),
                                       (KeyboardInterrupt(), 1)])
@pytest.mark.parametrize("line, name", [("save keep, replace", "keep.dta"),
                                        ("export delimited keep.csv, replace", "keep.csv")])
def test_replace_failing_midway_keeps_the_old_file(s, tmp_path, monkeypatch, exc, code, line,
                                                   name):
    shutil.copy(HSB, tmp_path / name)
    old = digest(tmp_path / name)
    import hlmshell.dataset.io as dio
    real_fdopen = os.fdopen
    monkeypatch.setattr(dio.os, "fdopen", lambda fd, *a, **k: _Failing(real_fdopen(fd, *a, **k),
                                                                         1000, exc))
    fails(s, line, code)
    assert digest(tmp_path / name) == old
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # no temporary file left


def test_replace_writes_a_new_file_by_rename(s, tmp_path, monkeypatch):
    """save, replace: a temporary file in the same directory, renamed over the target."""
    shutil.copy(HSB, tmp_path / "keep.dta")
    import hlmshell.dataset.io as dio
    renames = []
    real_replace = os.replace

    def spy(src, dst):
        renames.append((os.path.dirname(os.path.abspath(src)), os.path.basename(dst)))
        assert os.path.basename(src) != "keep.dta"
        return real_replace(src, dst)

    monkeypatch.setattr(dio.os, "replace", spy)
    rc, out = run(s, "save keep, replace")
    assert rc == 0 and "file keep.dta saved" in out
    assert renames == [(str(tmp_path), "keep.dta")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.dta"]
    assert s.data.changed is False
    check = Session(out=io.StringIO())
    assert check.execute(f'use "{tmp_path / "keep.dta"}"') == 0
    assert check.data.names == s.data.names and check.data.nobs == s.data.nobs


def test_file_names_with_a_nul_byte(s, tmp_path):
    fails(s, 'save "a\x00b"', 603)
    fails(s, 'save "a\x00b", replace', 603)
    fails(s, 'export delimited using "a\x00b.csv"', 603)
    fails(s, 'use "a\x00b", clear', 601)
    fails(s, 'import delimited "a\x00b.csv", clear', 601)
    assert list(tmp_path.iterdir()) == []


def test_save_replace_writes_through_a_symbolic_link(s, tmp_path):
    (tmp_path / "real").mkdir()
    shutil.copy(HSB, tmp_path / "real" / "data.dta")
    (tmp_path / "link.dta").symlink_to(tmp_path / "real" / "data.dta")
    rc, out = run(s, "save link, replace")
    assert rc == 0, out
    assert (tmp_path / "link.dta").is_symlink()
    check = Session(out=io.StringIO())
    assert check.execute(f'use "{tmp_path / "real" / "data.dta"}"') == 0
    assert check.data.names == s.data.names
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["data.dta"]


def test_special_files_are_not_replaced(s, tmp_path):
    """A pipe (or a device, such as /dev/null when run as root) named as the target must not
    be replaced by a regular file; reading one must not wait for a writer."""
    from fuzz_commands import time_limit
    os.mkfifo(tmp_path / "pipe.dta")
    os.mkfifo(tmp_path / "pipe.csv")
    fails(s, "save pipe, replace", 603)
    fails(s, "export delimited pipe.csv, replace", 603)
    with time_limit(10):
        out = fails(s, "use pipe, clear", run(s, "use pipe, clear")[0])
        assert "r(60" in out
        fails(s, "import delimited pipe.csv, clear", run(s, "import delimited pipe.csv, clear")[0])
    import stat
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe.dta").st_mode)
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe.csv").st_mode)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_csv(tmp_path, monkeypatch, encoding):
    """Spreadsheets save "Unicode text" as UTF-16 with a byte-order mark, in either byte
    order (it was read as Latin-1: names like __a_ and NULs inside every value)."""
    monkeypatch.chdir(tmp_path)
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(encoding, b"")
    (tmp_path / "u.csv").write_bytes(bom + "name\tscore\ncafé\t1\n".encode(encoding))
    session = Session(out=io.StringIO())
    rc, out = run(session, "import delimited u.csv")
    assert rc == 0 and "(encoding automatically selected: UTF-16)" in out, out
    assert session.data.names == ["name", "score"]
    assert list(session.data.column("name")) == ["café"] and session.data.column("score")[0] == 1


def test_repeated_sort_variables_still_save(s, tmp_path):
    """`sort x x x` recorded x three times as the sort order, and save then failed with
    r(9999) (struct.error) writing the sort list."""
    for line in ["sort x x x", "save dup", "use dup, clear"]:
        rc, out = run(s, line)
        assert rc == 0, (line, out)
    assert s.data.sortedby == ["x"]
    assert run(s, "gsort g g x")[0] == 0 and s.data.sortedby == ["g", "x"]
    s.data.sortedby = ["x"] * 3000  # however it came about
    assert run(s, "save dup, replace")[0] == 0
    assert run(s, "use dup, clear")[0] == 0 and s.data.sortedby == ["x"]


def test_huge_strings(s, tmp_path):
    """`"a" * 1e300` once asked Python for an impossible string (r(9999) OverflowError);
    a long string variable cannot be saved (no strL) and is refused before it is encoded."""
    fails(s, 'scalar a = 1e300 * "a"', 1000)
    fails(s, 'gen t = s * 1e12', 1000)
    assert run(s, 'di "ab" * 3')[1].startswith("ababab")
    assert run(s, 'gen u = "a" * 3000')[0] == 0
    fails(s, "save long", 920)
    assert not (tmp_path / "long.dta").exists()


def test_save_text_with_undecodable_bytes(s):
    """Labels and strings holding bytes that were not UTF-8 (surrogate escapes) are saved as
    the bytes they were; a lone surrogate of any other kind as `?` (was an internal error:
    fuzz seed 151)."""
    for line in ['label variable y "a\udcffb"', 'label data "x\udcff"', 'gen s2 = "\udcff"',
                 'gen s3 = "\ud800"', 'label define l 1 "\udcff"', "label values g l",
                 "save odd, replace", "use odd, clear"]:
        assert run(s, line)[0] == 0, line
    raw = Path("odd.dta").read_bytes()
    assert b"a\xffb\0" in raw and b"x\xff</label>" in raw    # the bytes as they came
    # read back, an invalid UTF-8 byte shows as the replacement character
    assert s.data.var("y").label == "a\ufffdb" and s.data.label == "x\ufffd"
    assert s.data.column("s2")[0] == "\ufffd" and s.data.column("s3")[0] == "?"
    assert s.data.value_labels["l"][1.0] == "\ufffd"
