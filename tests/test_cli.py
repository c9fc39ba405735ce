"""The command line: `hlmshell FILE.do`, `hlmshell -`, a pipe on stdin, `python -m hlmshell`,
run as subprocesses on small do-files."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def hlm(*args, cwd, stdin=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("HLMSHELL_DATAPATH", None)
    proc = subprocess.run([sys.executable, "-m", "hlmshell", *args], cwd=cwd, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)
    return proc


def test_do_file_echo_output_and_trailer(tmp_path):
    (tmp_path / "a.do").write_text('di "hello " 1+2\nscalar x = 4\ndi x^2\n')
    p = hlm("a.do", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout == ('. di "hello " 1+2\nhello 3\n\n. scalar x = 4\n\n. di x^2\n16\n\n'
                        ". \nend of do-file\n")
    assert p.stderr == ""


def test_error_stops_with_stata_trailer_and_nonzero_exit(tmp_path):
    (tmp_path / "b.do").write_text("di 1\ndecribe\ndi 2\n")
    p = hlm("b.do", cwd=tmp_path)
    assert p.returncode == 199
    assert p.stdout == (". di 1\n1\n\n. decribe\ncommand decribe is unrecognized\nr(199);\n\n"
                        "end of do-file\nr(199);\n")


def test_nested_do_repeats_the_trailer(tmp_path):
    (tmp_path / "inner.do").write_text("di 1\ndi nosuch\n")
    (tmp_path / "outer.do").write_text('di "outer"\ndo inner\ndi "not reached"\n')
    p = hlm("outer.do", cwd=tmp_path)
    assert p.returncode == 111
    assert p.stdout.endswith(". di nosuch\nnosuch not found\nr(111);\n\nend of do-file\n"
                             "r(111);\n\nend of do-file\nr(111);\n")
    assert "not reached" not in p.stdout


def test_nested_do_success_and_run_is_silent(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.do").write_text('di "inner"\nscalar y = 2\n')
    # the inner do-file is found next to the do-file that calls it
    (tmp_path / "sub" / "outer.do").write_text('do inner\nrun inner\ndi "y=" y\n')
    p = hlm("sub/outer.do", cwd=tmp_path)
    assert p.returncode == 0, p.stdout
    assert p.stdout == ('. do inner\n\n. di "inner"\ninner\n\n. scalar y = 2\n\n. \n'
                        'end of do-file\n\n. run inner\n\n. di "y=" y\ny=2\n\n. \nend of do-file\n')


def test_exit_inside_do_file(tmp_path):
    (tmp_path / "e.do").write_text("di 1\nexit\ndi 2\n")
    p = hlm("e.do", cwd=tmp_path)
    assert p.returncode == 0
    assert p.stdout == ". di 1\n1\n\n. exit\n\nend of do-file\n"
    (tmp_path / "e7.do").write_text("di 1\nexit 7\n")
    assert hlm("e7.do", cwd=tmp_path).returncode == 7


def test_continuation_and_every_comment_style(tmp_path):
    (tmp_path / "c.do").write_text(
        "* a star comment ///\n"
        "  still the comment\n"
        "// a line comment\n"
        "di 1 + ///  the rest of this line is ignored\n"
        "   2 // trailing comment\n"
        "/* a block\n"
        "   di 99\n"
        "*/ di 3\n"
        'di "a // not a comment" /* inline */ "b"\n'
        "   * indented star comment\n"
        "/* nested /* block */ di 98 */\n"
        "di 4\n")
    p = hlm("c.do", cwd=tmp_path)
    assert p.returncode == 0, p.stdout
    # Stata's log: every line echoed as typed (comments and continuations too, the latter
    # after "> "); a blank line follows the output of each command that ran
    assert p.stdout == (
        ". * a star comment ///\n"
        ">   still the comment\n"
        ". // a line comment\n"
        ". di 1 + ///  the rest of this line is ignored\n"
        ">    2 // trailing comment\n"
        "3\n\n"
        ". /* a block\n"
        ">    di 99\n"
        "> */ di 3\n"
        "3\n\n"
        '. di "a // not a comment" /* inline */ "b"\n'
        "a // not a commentb\n\n"
        ".    * indented star comment\n"
        ". /* nested /* block */ di 98 */\n"
        ". di 4\n"
        "4\n\n"
        ". \nend of do-file\n")


def test_missing_do_file(tmp_path):
    p = hlm("nosuch.do", cwd=tmp_path)
    assert p.returncode != 0
    assert p.stdout == "file nosuch.do not found\nr(601);\n"
    p = hlm("nosuch", cwd=tmp_path)  # .do is added
    assert p.stdout.startswith("file nosuch.do not found")


def test_stdin_dash_and_pipe(tmp_path):
    for args in (("-",), ()):
        p = hlm(*args, cwd=tmp_path, stdin="di 2*3\ndi 1 ///\n+ 1\n")
        assert p.returncode == 0
        assert p.stdout == ". di 2*3\n6\n\n. di 1 ///\n> + 1\n2\n\n. \nend of do-file\n"
    p = hlm("-", cwd=tmp_path, stdin="di 1\nnosuch\n")
    assert p.returncode == 199
    assert p.stdout.endswith("r(199);\n\nend of do-file\nr(199);\n")


def test_exit_from_stdin_ends_the_run(tmp_path):
    p = hlm("-", cwd=tmp_path, stdin="di 1\nexit\ndi 2\n")
    assert p.returncode == 0 and "2\n" not in p.stdout


def test_log_in_batch(tmp_path):
    (tmp_path / "l.do").write_text("log using out\ndi 42\n")  # left open: closed at exit
    p = hlm("l.do", cwd=tmp_path)
    assert p.returncode == 0
    assert ". di 42\n42\n" in (tmp_path / "out.log").read_text()


def test_data_files_are_found_from_the_repository_root(tmp_path):
    (tmp_path / "u.do").write_text("use hsb1, clear\ndi _N\n")  # found in ./data
    p = hlm(str(tmp_path / "u.do"), cwd=ROOT)
    assert p.returncode == 0, p.stdout
    assert "\n. di _N\n7185\n" in p.stdout


def test_a_reader_that_closes_the_pipe_ends_the_run_quietly(tmp_path):
    # `hlmshell long.do | head -1`: no traceback on stderr, exit status 128 + SIGPIPE
    (tmp_path / "long.do").write_text("di 1\n" * 20000)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "hlmshell", "long.do"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline() == b". di 1\n"
    proc.stdout.close()
    rc = proc.wait(timeout=120)
    assert proc.stderr.read() == b"" and rc == 141
    proc.stderr.close()
