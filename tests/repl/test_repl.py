"""The REPL driven in-process: prompt_toolkit pipe input, DummyOutput, session output captured.

Keys are fed from a thread with short pauses, as a typist would: prompt_toolkit computes Tab
completions in a background task, so keys sent in one burst could overtake them.
"""
from __future__ import annotations

import io
import threading
import time

import numpy as np
import pytest
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from hlmshell.repl import app
from hlmshell.repl.app import make_history, run_repl
from hlmshell.session import Session

ENTER, TAB, CTRL_C, CTRL_D, UP = "\r", "\t", "\x03", "\x04", "\x1b[A"


def drive(session, keys, history=None, pause=0.05):
    """Run the REPL on `keys` (a list of chunks); return (exit code, what the session wrote)."""
    session.out = io.StringIO()
    with create_pipe_input() as inp:
        def feed():
            for chunk in keys:
                inp.send_text(chunk)
                time.sleep(pause)
        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        rc = run_repl(session, input=inp, output=DummyOutput(),
                      history=history if history is not None else InMemoryHistory())
        feeder.join()
    return rc, session.out.getvalue()


@pytest.fixture
def s():
    session = Session(out=io.StringIO())
    session.data.set_obs(2)
    session.data.add("mathach", np.array([1.5, 2.5]), "double")
    session.data.add("ses", np.array([0.5, -0.5]), "double")
    session.data.changed = False
    return session


def test_commands_run_and_output_goes_to_the_session(s):
    rc, out = drive(s, ["di 1+1" + ENTER, "di mathach" + ENTER, CTRL_D])
    assert rc == 0
    assert out == "2\n\n1.5\n\n"  # no echo at the prompt: the terminal shows the command


def test_error_does_not_end_the_repl(s):
    rc, out = drive(s, ["nosuch" + ENTER, "di foo" + ENTER, 'di "still here"' + ENTER, CTRL_D])
    assert rc == 0
    assert out == ("command nosuch is unrecognized\nr(199);\n\nfoo not found\nr(111);\n\n"
                   "still here\n\n")


def test_continuation_lines(s):
    history = InMemoryHistory()
    rc, out = drive(s, ["di 1 + ///" + ENTER, "2 + ///" + ENTER, "3" + ENTER, CTRL_D],
                    history=history)
    assert out == "6\n\n"
    assert list(history.load_history_strings()) == ["di 1 + ///\n2 + ///\n3"]


def test_open_block_comment_continues(s):
    rc, out = drive(s, ["di 1 /* a" + ENTER, "comment */ + 4" + ENTER, CTRL_D])
    assert out == "5\n\n"


def test_ctrl_c_abandons_the_line(s):
    rc, out = drive(s, ["di 111", CTRL_C, "di 2" + ENTER, CTRL_D])
    assert rc == 0 and out == "2\n\n"


def test_ctrl_d_exits_at_once_when_data_unchanged(s):
    rc, out = drive(s, [CTRL_D, "di 1" + ENTER])
    assert rc == 0 and out == ""


def test_ctrl_d_with_changed_data_asks(s):
    s.data.changed = True
    rc, out = drive(s, [CTRL_D, "n" + ENTER, "di 3" + ENTER, CTRL_D, "y" + ENTER])
    assert rc == 0 and out == "3\n\n"


def test_exit_command(s):
    rc, out = drive(s, ["exit" + ENTER, "di 1" + ENTER])
    assert rc == 0 and out == ""
    s.data.changed = True
    rc, out = drive(s, ["exit" + ENTER, "exit, clear" + ENTER, "di 1" + ENTER])
    assert rc == 0
    assert out == "no; dataset in memory has changed since last saved\nr(4);\n\n"


def test_tab_completes_command_and_variable_names(s):
    history = InMemoryHistory()
    rc, out = drive(s, ["summ", TAB, " mat", TAB, ENTER, "disp", TAB, ' "x"' + ENTER, CTRL_D],
                    history=history)
    assert list(history.load_history_strings()) == ['display "x"', "summarize mathach"]
    assert out.endswith("x\n\n")


def test_history_is_shared_between_sessions(s, tmp_path, monkeypatch):
    path = tmp_path / "hist"
    monkeypatch.setenv("HLMSHELL_HISTORY", str(path))
    assert app.history_path() == str(path)
    drive(s, ['di "first session"' + ENTER, CTRL_D], history=make_history())
    assert 'di "first session"' in path.read_text()
    rc, out = drive(Session(out=io.StringIO()), [UP, ENTER, CTRL_D], history=make_history())
    assert out == "first session\n\n"


def test_history_falls_back_to_memory_when_unwritable(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert isinstance(make_history(str(blocker / "hist")), InMemoryHistory)
    assert isinstance(make_history(str(tmp_path / "new" / "hist")), FileHistory)


def test_break_during_a_command_keeps_the_data(s, monkeypatch):
    def interrupted(parsed):
        s.data.drop_vars(["ses"])  # half-done work that must be undone
        raise KeyboardInterrupt
    monkeypatch.setattr(s, "call", interrupted)
    rc, out = drive(s, ["drop ses" + ENTER, CTRL_D])
    assert out == "--Break--\nr(1);\n\n"
    assert s.data.names == ["mathach", "ses"]


def test_logging_from_the_repl_echoes_commands(s, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    drive(s, ["log using l" + ENTER, "di 6*7" + ENTER, "log close" + ENTER, CTRL_D])
    assert ". di 6*7\n42\n\n. log close\n" in (tmp_path / "l.log").read_text()


def test_lexer_is_optional():
    from prompt_toolkit.document import Document
    from hlmshell.repl.lexer import make_lexer
    lexer = make_lexer()
    if lexer is not None:
        line = lexer.lex_document(Document('di "x" // note'))(0)
        assert "".join(text for _, text in line) == 'di "x" // note'


def test_block_typed_at_the_prompt_runs_when_closed(s):
    keys = ["forvalues i = 1/2 {" + ENTER, "di `i'" + ENTER, "}" + ENTER, CTRL_D]
    rc, out = drive(s, keys)
    assert rc == 0 and out == "1\n2\n\n"


def test_ctrl_c_abandons_an_open_block(s):
    keys = ["forvalues i = 1/2 {" + ENTER, "di `i'" + ENTER, CTRL_C, 'di "after"' + ENTER, CTRL_D]
    rc, out = drive(s, keys)
    assert rc == 0 and "r(1);" in out and "after" in out and "\n1\n" not in out


def test_block_lines_are_numbered_as_stata_shows_them():
    text = "foreach x in a b {\ndi 1 ///\n+ 2\n"
    assert app.continuation_prompt(text, 1) == "  2. "
    assert app.continuation_prompt(text, 2) == "> "
    assert app.continuation_prompt("di 1 ///\n", 1) == "> "
