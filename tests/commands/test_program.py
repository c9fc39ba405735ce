"""do, run, exit, cd, pwd, set, log using/close/query/off/on and help."""
from __future__ import annotations

import io
import os
import re

import pytest

from hlmshell.commands.program import close_logs, shown_name, subregistry
from hlmshell.commands.registry import REGISTRY
from hlmshell.session import ExitRequest, Session


@pytest.fixture
def s(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    session = Session(out=io.StringIO())
    yield session
    close_logs(session)


def run(session, line, echo=False):
    session.out = io.StringIO()
    rc = session.run(line, echo=echo)
    return session.out.getvalue(), rc


# --- log ---------------------------------------------------------------------------------
def test_log_using_writes_echo_and_output(s, tmp_path):
    out, rc = run(s, "log using mylog")
    assert rc == 0
    path = tmp_path / "mylog.log"  # .log by default
    assert path.exists()
    assert f"       log:  {path}" in out and "  log type:  text" in out
    run(s, 'di "hello"')  # typed at the REPL: no echo on the screen, but in the log
    run(s, "di 1+1", echo=True)
    run(s, "nosuch")
    out, rc = run(s, "log close")
    assert rc == 0 and "closed on:" in out
    text = path.read_text()
    assert text.startswith("-" * 79 + "\n      name:  <unnamed>\n")
    assert '. di "hello"\nhello\n\n. di 1+1\n2\n\n' in text
    assert ". nosuch\ncommand nosuch is unrecognized\nr(199);\n" in text
    assert "\n. log close\n      name:  <unnamed>\n" in text
    run(s, 'di "after"')
    assert "after" not in path.read_text()


def test_log_exists_replace_append(s, tmp_path):
    (tmp_path / "a.log").write_text("old\n")
    out, rc = run(s, "log using a")
    assert rc == 602 and out.startswith("file a.log already exists\nr(602);")
    out, rc = run(s, "log using a.log, replace append")
    assert rc == 198
    run(s, "log using a, append")
    run(s, "di 5")
    run(s, "log close")
    text = (tmp_path / "a.log").read_text()
    assert text.startswith("old\n---") and ". di 5\n5\n" in text
    run(s, "log using a, replace text")
    run(s, "log close")
    assert "old" not in (tmp_path / "a.log").read_text()


def test_log_quoted_name_with_extension(s, tmp_path):
    out, rc = run(s, 'log using "my log.txt", text')
    assert rc == 0 and (tmp_path / "my log.txt").exists()


def test_log_errors_and_query(s):
    out, rc = run(s, "log close")
    assert (rc, out.splitlines()[0]) == (606, "no log file open")
    out, rc = run(s, "log")
    assert rc == 0 and out.startswith("no log file open")
    run(s, "log using x")
    out, rc = run(s, "log using y")
    assert (rc, out.splitlines()[0]) == (604, "log file already open")
    out, rc = run(s, "log query")
    assert "status:  on" in out
    run(s, "log off")
    out, rc = run(s, "log")
    assert "status:  off" in out
    out, rc = run(s, "log using z, smcl")
    assert rc == 198
    out, rc = run(s, "log using")
    assert rc == 198
    out, rc = run(s, 'log using "')
    assert rc == 198
    out, rc = run(s, "log frobnicate")
    assert rc != 0


def test_log_off_on(s, tmp_path):
    run(s, "log using x")
    run(s, "log off")
    run(s, 'di "hidden"')
    run(s, "log on")
    run(s, 'di "shown"')
    run(s, "log close")
    text = (tmp_path / "x.log").read_text()
    assert "hidden" not in text and "shown" in text


# --- cd, pwd, set --------------------------------------------------------------------------
def test_cd_pwd(s, tmp_path, monkeypatch):
    (tmp_path / "sub dir").mkdir()
    out, rc = run(s, 'cd "sub dir"')
    assert rc == 0 and out.splitlines()[0] == str(tmp_path / "sub dir")
    out, rc = run(s, "pwd")
    assert out.splitlines()[0] == str(tmp_path / "sub dir")
    out, rc = run(s, "cd ..")
    assert os.getcwd() == str(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "sub dir"))
    out, rc = run(s, "cd")  # Unix Stata: cd alone goes home
    assert rc == 0 and os.getcwd() == str(tmp_path / "sub dir")
    out, rc = run(s, "cd nosuch")
    assert rc == 170 and out.startswith("unable to change to nosuch")


def test_set(s):
    assert run(s, "set more off")[1] == 0
    assert s.settings["more"] == "off"
    assert run(s, "set linesize 120")[1] == 0
    assert s.settings["linesize"] == 120
    assert run(s, "set linesize 10")[1] == 198
    assert run(s, "set linesize x")[1] == 198
    assert run(s, "set more")[1] == 198
    assert run(s, "set nosuch 1")[1] == 199
    assert s.settings["linesize"] == 120


def test_set_type_matsize_maxvar_permanently(s):
    out, rc = run(s, "set more off, perm")
    assert rc == 0 and "keeps no preferences between sessions" in out
    assert run(s, "set obs 3, permanently")[1] == 198       # not a setting that is kept
    assert run(s, "set matsize 800")[1] == 0 and run(s, "set maxvar 10000")[1] == 0
    assert run(s, "set matsize 5")[1] == 198 and run(s, "set maxvar 100")[1] == 198
    assert run(s, 'di c(matsize) " " c(maxvar) " " c(type)')[0].strip() == "800 10000 float"
    assert run(s, "set type long")[1] == 198
    assert run(s, "set type double")[1] == 0
    for line in ["set obs 3", "gen x = _n / 3", "egen m = mean(x)", "gen float f = x"]:
        assert run(s, line)[1] == 0
    assert [s.data.var(v).stype for v in ("x", "m", "f")] == ["double", "double", "float"]
    assert s.data.column("x")[0] == 1 / 3                   # not rounded to float


# --- exit ------------------------------------------------------------------------------------
def test_exit_with_changed_data_needs_clear(s):
    s.data.changed = True
    out, rc = run(s, "exit")
    assert rc == 4 and out.startswith("no; dataset in memory has changed since last saved\nr(4);")
    with pytest.raises(ExitRequest):
        s.run("exit, clear")


def test_exit_unchanged_and_code(s):
    with pytest.raises(ExitRequest):
        s.run("exit")
    out, rc = run(s, "exit 7")
    assert rc == 7
    assert run(s, "exit x")[1] == 198


# --- do and run --------------------------------------------------------------------------------
def test_do_and_run(s, tmp_path):
    (tmp_path / "a.do").write_text('di "in a"\nscalar z = 3\n')
    out, rc = run(s, "do a")
    assert rc == 0
    assert out == '\n. di "in a"\nin a\n\n. scalar z = 3\n\n. \nend of do-file\n\n'
    s.scalars.clear()
    out, rc = run(s, "run a")
    assert (out, rc) == ("\n", 0)
    assert s.scalars == {"z": 3.0}
    out, rc = run(s, "do nosuch")
    assert rc == 601 and out.startswith("file nosuch.do not found\nr(601);")


def test_do_error_trailer(s, tmp_path):
    (tmp_path / "b.do").write_text("di 1\nnosuch\ndi 2\n")
    out, rc = run(s, "do b")
    assert rc == 199
    assert out.endswith(". nosuch\ncommand nosuch is unrecognized\nr(199);\n\n"
                        "end of do-file\nr(199);\n\n")
    assert "di 2" not in out


def test_exit_in_do_file_ends_only_the_file(s, tmp_path):
    (tmp_path / "c.do").write_text("di 1\nexit\ndi 2\n")
    s.data.changed = True  # exit in a do-file does not check the data
    out, rc = run(s, "do c")
    assert rc == 0 and "2\n" not in out and out.endswith(". exit\n\nend of do-file\n\n")
    (tmp_path / "d.do").write_text("exit, STATA clear\n")
    with pytest.raises(ExitRequest):
        s.run("do d")


# --- help ------------------------------------------------------------------------------------
def test_help_lists_every_command_with_its_abbreviation(s):
    out, rc = run(s, "help")
    assert rc == 0
    for name, cmd in REGISTRY.commands.items():
        assert re.search(rf"^  {re.escape(shown_name(cmd))} +{re.escape(cmd.help)}$", out, re.M)
    assert "  di[splay]" in out and "  h[elp]" in out


def test_help_command(s):
    out, rc = run(s, "help di")
    assert rc == 0
    assert out.startswith("di[splay] -- show strings and the values of expressions\n")
    assert "    display [" in out
    out, rc = run(s, "h log")
    assert "    log using" in out and "    log close" in out
    out, rc = run(s, "help exit")
    assert "exit [#] [, clear STATA]" in out
    out, rc = run(s, "help nosuch")
    assert (rc, out.splitlines()[0]) == (111, "help for nosuch not found")


def test_help_shows_the_documented_syntax_of_every_command(s):
    # no command's help is left at `name ...`; a syntax written out in several lines (mixed)
    # is shown whole, its explanations indented under it
    for name in REGISTRY.names():
        out, rc = run(s, f"help {name}")
        assert rc == 0 and f"    {name} ...\n" not in out, out
    out, rc = run(s, "help mixed")
    syntax = out.split("Syntax\n\n")[1].splitlines()
    assert syntax[0] == ("    mixed depvar [fe_terms] [if] [in] [|| levelvar: [varlist] "
                         "[, re_options]] ... [, options]")
    assert syntax[2] == ("        re_options: covariance(identity|independent|exchangeable|"
                         "unstructured) noconstant")
    assert "Capital letters" not in out     # only under a syntax written with them


def test_help_options_and_subcommands(s):
    cmd = REGISTRY.find("scalar")
    assert subregistry(cmd).names() == ["define", "dir", "drop", "list"]
    assert subregistry(REGISTRY.find("pwd")) is None
    out, rc = run(s, "help scalar")
    assert "    scalar l[ist]" in out
    out, rc = run(s, "help set")
    assert "set more off" in out


def test_file_names_with_a_nul_byte(s, tmp_path):
    # found by the fuzz campaign: the OS refuses such names; Stata-style errors, no traceback
    assert run(s, 'cd "a\x00b"') == ("unable to change to a\x00b\nr(170);\n\n", 170)
    assert os.getcwd() == str(tmp_path)
    assert run(s, 'log using "a\x00b"') == ("file a\x00b.log could not be opened\nr(603);\n\n", 603)
    assert s.logs == []
