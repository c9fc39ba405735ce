"""batch.py in-process: run_text / run_do / run_file, the do-file trailer, file reading."""
from __future__ import annotations

import io

import pytest

from hlmshell.batch import DoFileFailed, read_text, run_do, run_file, run_text
from hlmshell.errors import StataError
from hlmshell.session import ExitRequest, Session


@pytest.fixture
def s(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return Session(out=io.StringIO())


def test_run_text_echoes_and_stops_at_the_first_error(s):
    rc = run_text(s, "di 1\nnosuch\ndi 2\n")
    assert rc == 199
    assert s.out.getvalue() == ". di 1\n1\n\n. nosuch\ncommand nosuch is unrecognized\nr(199);\n\n"


def test_run_text_without_echo(s):
    assert run_text(s, "di 1", echo=False) == 0
    assert s.out.getvalue() == "1\n\n"


def test_exit_at_top_level_leaves(s):
    with pytest.raises(ExitRequest):
        run_text(s, "di 1\nexit\ndi 2")


def test_run_do_trailer_and_state(s, tmp_path):
    assert run_do(s, "di 1\n", str(tmp_path)) == 0
    assert s.out.getvalue().endswith("\n. \nend of do-file\n")
    assert s.do_depth == 0 and s.do_dirs == []
    with pytest.raises(DoFileFailed) as err:
        run_do(s, "nosuch\n", str(tmp_path))
    assert err.value.code == 199 and err.value.message == ""
    assert s.out.getvalue().endswith("r(199);\n\nend of do-file\n")
    assert s.do_depth == 0 and s.do_dirs == [] and not s.quiet


def test_run_do_quiet_is_restored(s, tmp_path):
    with pytest.raises(DoFileFailed):
        run_do(s, "di 1\nnosuch", str(tmp_path), echo=False)
    assert not s.quiet
    assert s.out.getvalue() == "command nosuch is unrecognized\nr(199);\n"


def test_exit_in_do_file(s, tmp_path):
    s.data.changed = True
    assert run_do(s, "di 1\nexit\ndi 2\n", str(tmp_path)) == 0
    assert s.out.getvalue() == ". di 1\n1\n\n. exit\n\nend of do-file\n"


def test_run_file_finds_do_files_next_to_the_calling_file(s, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.do").write_text("do b\n")
    (tmp_path / "sub" / "b.do").write_text("scalar found = 1\n")
    assert run_file(s, "sub/a.do") == 0
    assert s.scalars == {"found": 1.0}


def test_run_file_errors(s, tmp_path):
    with pytest.raises(StataError) as err:
        run_file(s, "nosuch")
    assert (err.value.code, err.value.message) == (601, "file nosuch.do not found")
    (tmp_path / "dir.do").mkdir()
    with pytest.raises(StataError) as err:
        run_file(s, "dir.do")
    assert err.value.code == 603


def test_read_text_latin1_and_utf8(tmp_path):
    (tmp_path / "l.do").write_bytes('di "caf\xe9"\n'.encode("latin-1"))
    assert read_text(str(tmp_path / "l.do")) == 'di "caf\xe9"\n'
    (tmp_path / "u.do").write_bytes('di "caf\xe9"\n'.encode("utf-8"))
    assert read_text(str(tmp_path / "u.do")) == 'di "caf\xe9"\n'


def test_crlf_do_file(s, tmp_path):
    (tmp_path / "w.do").write_bytes(b"di 1\r\ndi 2 ///\r\n + 3\r\n")
    assert run_file(s, "w.do") == 0
    out = s.out.getvalue()
    assert "\n1\n" in out and "\n5\n" in out


def test_delimit_semicolon_in_a_do_file(s, tmp_path):
    # the echo shows the typed lines; `#delimit` prints its new delimiter; a do-file called
    # from a `;` do-file starts with line ends again ([P] #delimit)
    (tmp_path / "inner.do").write_text("di 7\n")
    rc = run_text(s, "#delimit ;\ndi 1\n  + 1 ; do inner ;\n#delimit cr\ndi 3\n")
    assert rc == 0
    assert s.out.getvalue() == (
        ". #delimit ;\ndelimiter now ;\n"
        ". di 1\n>   + 1 ;\n2\n\n"
        ". do inner ;\n\n. di 7\n7\n\n. \nend of do-file\n\n"
        ". #delimit cr\ndelimiter now cr\n"
        ". di 3\n3\n\n")
