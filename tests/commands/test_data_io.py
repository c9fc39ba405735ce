"""use / save / clear / import delimited / export delimited through Session.run:
messages as Stata prints them, r() codes, and nothing changed after a failure."""
import io
import os
from pathlib import Path

import numpy as np
import pytest

from session_helpers import run_fresh_out as run

from hlmshell.dataset.io import read_dta, write_dta
from hlmshell.session import Session

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def snapshot(session: Session):
    d = session.data
    return (d.names, d.nobs, d.changed, d.filename, d.label, list(d.sortedby),
            [(v.stype, v.fmt, v.label, tuple(v.values.tolist())) for v in d.vars.values()])


@pytest.fixture
def at_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("HLMSHELL_DATAPATH", raising=False)


@pytest.fixture
def session():
    return Session(out=io.StringIO())


def test_use_from_repo_root_via_search_path(at_root, session):
    rc, out = run(session, "use hsb1.dta, clear")
    assert rc == 0 and out == "(High School and Beyond)\n\n"
    assert session.data.nobs == 7185 and session.data.names[:2] == ["id", "minority"]
    assert session.data.changed is False
    assert session.data.filename == os.path.join(ROOT, "data", "hsb1.dta")
    rc, _ = run(session, "use hsb2")  # extension optional; unchanged data needs no clear
    assert rc == 0 and session.data.nobs == 160


def test_use_refuses_to_drop_changed_data(at_root, session):
    run(session, "use hsb2")
    run(session, "generate one = 1")
    assert session.data.changed is True
    before = snapshot(session)
    rc, out = run(session, "use hsb1")
    assert (rc, out) == (4, "no; dataset in memory has changed since last saved\nr(4);\n\n")
    assert snapshot(session) == before
    rc, _ = run(session, "use hsb1, clear")
    assert rc == 0 and session.data.changed is False and "one" not in session.data.names


def test_use_errors_change_nothing(at_root, session, tmp_path):
    run(session, "use hsb2")
    before = snapshot(session)
    bad = tmp_path / "bad.dta"
    bad.write_bytes(b"garbage")
    (tmp_path / "folder.dta").mkdir()
    for line, code, message in [
        ("use nosuchfile", 601, "file nosuchfile.dta not found"),
        (f"use {bad}, clear", 610, f"file {bad} not Stata format"),
        (f"use {tmp_path}/folder, clear", 603, f"file {tmp_path}/folder.dta could not be opened"),
        (f"use {tmp_path}, clear", 601, f"file {tmp_path}.dta not found"),
        ("use nosuch using hsb1, clear", 111, "variable nosuch not found"),
        ("use hsb1 extra, clear", 198, "invalid 'extra'"),
        ("use hsb1, bogus", 198, "option bogus not allowed"),
        ("use", 198, "invalid file specification"),
        ("use id if nosuch > 1 using hsb1, clear", 111, "variable nosuch not found"),
        ("use id if id > 1 using hsb1, clear", 109, "type mismatch"),
    ]:
        rc, out = run(session, line)
        assert rc == code and out.startswith(message + "\n"), line
        assert snapshot(session) == before, line


def test_use_varlist_if_in_using(at_root, session):
    rc, _ = run(session, "use id ses using hsb.dta in 1/5, clear")
    assert rc == 0 and session.data.names == ["id", "ses"] and session.data.nobs == 5
    rc, _ = run(session, "use ses id if ses > 1 using hsb, clear")
    assert rc == 0 and session.data.names == ["id", "ses"]  # file order, as Stata
    assert session.data.nobs == int((read_dta(os.path.join(ROOT, "data", "hsb.dta"))
                                     .column("ses") > 1).sum())
    assert session.data.changed is False
    rc, _ = run(session, "use m* using hsb if sector==1, clear")
    assert rc == 0 and session.data.names == ["minority", "mathach", "meanses"]
    rc, out = run(session, "use id using hsb in 1/99999, clear")
    assert rc == 198 and out.startswith("Obs. nos. out of range")


def test_use_quoted_name_with_spaces(session, tmp_path):
    src = read_dta(os.path.join(ROOT, "data", "hsb2.dta"))
    path = tmp_path / "my data.dta"
    write_dta(src, str(path))
    rc, _ = run(session, f'use "{tmp_path}/my data", clear')
    assert rc == 0 and session.data.nobs == 160
    rc, _ = run(session, f'use id size using "{path}", clear')
    assert rc == 0 and session.data.names == ["id", "size"]


def test_save_messages_and_replace(at_root, session, tmp_path, monkeypatch):
    run(session, "use hsb2")
    monkeypatch.chdir(tmp_path)
    rc, out = run(session, "save hsb")
    assert (rc, out) == (0, "file hsb.dta saved\n\n")
    assert session.data.changed is False
    assert session.data.filename == str(tmp_path / "hsb.dta")
    before = Path("hsb.dta").read_bytes()
    run(session, "generate two = 2")
    state = snapshot(session)
    rc, out = run(session, "save hsb")
    assert (rc, out) == (602, "file hsb.dta already exists\nr(602);\n\n")
    assert Path("hsb.dta").read_bytes() == before and snapshot(session) == state
    rc, out = run(session, "save hsb, replace")
    assert (rc, out) == (0, "file hsb.dta saved\n\n")
    assert read_dta("hsb.dta").names[-1] == "two" and session.data.changed is False
    rc, out = run(session, "save new, replace")
    assert (rc, out) == (0, "(file new.dta not found)\nfile new.dta saved\n\n")


def test_save_without_a_name_uses_the_data_file(session, tmp_path):
    path = tmp_path / "d.dta"
    write_dta(read_dta(os.path.join(ROOT, "data", "hsb2.dta")), str(path))
    run(session, f"use {path}")
    rc, out = run(session, "save")
    assert (rc, out) == (602, f"file {path} already exists\nr(602);\n\n")
    run(session, "replace size = size + 1")
    rc, out = run(session, "save, replace")
    assert (rc, out) == (0, f"file {path} saved\n\n")
    assert read_dta(str(path)).column("size")[0] == session.data.column("size")[0]


def test_save_errors(session, tmp_path):
    rc, out = run(session, f"save {tmp_path}/x")
    assert (rc, out) == (111, "no variables defined\nr(111);\n\n")
    run(session, f"use {ROOT}/data/hsb2")
    rc, out = run(session, f"save {tmp_path}/no/such/dir/x")
    assert rc == 603 and out.startswith(f"file {tmp_path}/no/such/dir/x.dta could not be opened")
    session.data.filename = None
    rc, out = run(session, "save")
    assert rc == 198


def test_saved_file_keeps_types_and_float_values(at_root, session, tmp_path):
    run(session, "use hsb")
    rc, _ = run(session, f"save {tmp_path}/h")
    back = read_dta(str(tmp_path / "h.dta"))
    for name in session.data.names:
        a, b = session.data.var(name), back.var(name)
        assert (a.stype, a.fmt, a.label) == (b.stype, b.fmt, b.label)
        if not a.is_string:
            assert np.array_equal(a.values, b.values, equal_nan=True)


def test_clear(at_root, session):
    run(session, "use hsb2")
    run(session, "generate x = 1")
    rc, out = run(session, "clear")
    assert (rc, out) == (0, "\n") and session.data.names == [] and session.data.changed is False
    rc, _ = run(session, "clear all")
    assert rc == 0
    rc, out = run(session, "clear junk")
    assert rc == 198


def test_import_export_delimited(at_root, session, tmp_path):
    run(session, "use hsb2")
    csv = tmp_path / "h.csv"
    rc, out = run(session, f"export delimited using {csv}")
    assert (rc, out) == (0, f"file {csv} saved\n\n")
    rc, out = run(session, f"export delimited id size using {csv}")
    assert (rc, out) == (602, f"file {csv} already exists\nr(602);\n\n")
    rc, out = run(session, f"export delimited id size using {csv} in 1/3, replace")
    assert rc == 0
    lines = Path(csv).read_text().splitlines()
    assert lines[0] == "id,size" and len(lines) == 4
    assert lines[1] == f"{session.data.column('id')[0]},{int(session.data.column('size')[0])}"
    run(session, "generate z = 1")
    state = snapshot(session)
    rc, out = run(session, f"import delimited {csv}")
    assert (rc, out) == (4, "no; dataset in memory has changed since last saved\nr(4);\n\n")
    assert snapshot(session) == state
    rc, out = run(session, f"import delimited using {csv}, clear")
    assert (rc, out) == (0, "(encoding automatically selected: UTF-8)\n(2 vars, 3 obs)\n\n")
    assert session.data.names == ["id", "size"] and session.data.var("size").stype == "int"
    assert session.data.changed is False and session.data.filename is None


def test_import_delimited_options_and_errors(session, tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(b"1;2\n3;4\n5\n")
    rc, out = run(session, f'import delim {path}, delimiters(";") varnames(nonames)')
    assert rc == 0 and out.endswith("(2 vars, 3 obs)\n\n")
    assert np.array_equal(session.data.column("v2"), [2, 4, np.nan], equal_nan=True)
    rc, out = run(session, f"import delimited {tmp_path}/nothere.csv, clear")
    assert (rc, out) == (601, f"file {tmp_path}/nothere.csv not found\nr(601);\n\n")
    rc, out = run(session, "import excel foo.xlsx")
    assert rc == 321
