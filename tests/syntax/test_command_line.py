"""syntax/command_line.py: prefixes, the command word and its body; and the prefixes at work
in Session.run (quietly drops output, capture sets _rc, noisily restores output)."""
from __future__ import annotations

import io

import pytest

from hlmshell.errors import StataError
from hlmshell.session import Session
from hlmshell.syntax.command_line import matches, parse_command_line, split_word


def test_matches():
    assert matches("qui", "quietly", "qui")
    assert matches("quietly", "quietly", "qui")
    assert not matches("qu", "quietly", "qui")
    assert not matches("quietlyx", "quietly", "qui")


@pytest.mark.parametrize("text, word, body", [
    ("sum x", "sum", "x"),
    ("  sum   x y  ", "sum", "x y"),
    ("sum", "sum", ""),
    ("sum,detail", "sum", ",detail"),
    ("di(1+2)", "di", "(1+2)"),
    ('di"x"', "di", '"x"'),
    ("_foo", "_foo", ""),
])
def test_word_and_body(text, word, body):
    line = parse_command_line(text)
    assert (line.word, line.body) == (word, body)
    assert line.quietly is None and not line.capture and line.by is None


@pytest.mark.parametrize("text, quietly, capture", [
    ("quietly sum x", True, False),
    ("qui sum x", True, False),
    ("quiet sum x", True, False),
    ("noisily sum x", False, False),
    ("noi sum x", False, False),
    ("capture sum x", None, True),
    ("cap sum x", None, True),
    ("capt sum x", None, True),
    ("cap noi sum x", False, True),
    ("qui: sum x", True, False),
    ("capture quietly sum x", True, True),
])
def test_prefixes(text, quietly, capture):
    line = parse_command_line(text)
    assert (line.word, line.body) == ("sum", "x")
    assert line.quietly is quietly and line.capture is capture


def test_prefix_abbreviations_too_short_are_commands():
    assert parse_command_line("qu sum x").word == "qu"
    assert parse_command_line("ca sum x").word == "ca"
    assert parse_command_line("no sum x").word == "no"


@pytest.mark.parametrize("text, by, bysort, word, body", [
    ("by id: sum x", "id", False, "sum", "x"),
    ("bysort id: sum x", "id", True, "sum", "x"),
    ("bys id sector: egen m = mean(x)", "id sector", True, "egen", "m = mean(x)"),
    ("by id, sort: sum x", "id", True, "sum", "x"),
    ("by id,s: sum x", "id", True, "sum", "x"),
    ("by id (year): gen k = _n", "id (year)", False, "gen", "k = _n"),
    ("qui by id: sum x", "id", False, "sum", "x"),
    ("by id:sum x", "id", False, "sum", "x"),
])
def test_by_prefix(text, by, bysort, word, body):
    line = parse_command_line(text)
    assert (line.by, line.bysort, line.word, line.body) == (by, bysort, word, body)


@pytest.mark.parametrize("text, code", [
    ("by id sum x", 198),  # no colon
    ("by : sum x", 100),  # no varlist
    ("by id, nosuch: sum x", 198),
    ("quietly", 198),
    ("capture  ", 198),
    ("by id:", 198),
])
def test_errors(text, code):
    # kept on the line and raised when it runs, so that a `capture` prefix holds it
    error = parse_command_line(text).error
    assert isinstance(error, StataError) and error.code == code


@pytest.mark.parametrize("text", ["1sum", "", "(sum)", "##", "capture noisily ##"])
def test_a_word_that_is_no_name_is_refused_by_the_registry(text):
    """Not at parse time: `capture noisily ##` must catch it like any unknown command."""
    from hlmshell.commands.registry import REGISTRY
    with pytest.raises(StataError) as err:
        REGISTRY.lookup(parse_command_line(text).word)
    assert err.value.code == 199


def test_capture_catches_a_line_of_hashes():
    import io
    from hlmshell.session import Session
    out = io.StringIO()
    s = Session(out=out)
    assert s.run("capture noisily ##") == 0 and s.rc == 199
    assert "command ## is unrecognized" in out.getvalue() and "r(199)" not in out.getvalue()
    assert s.run("capture ##") == 0 and s.rc == 199


def test_split_word_star():
    assert split_word("*x") == ("*", "x")


# --- prefixes at work --------------------------------------------------------------------
@pytest.fixture
def s():
    return Session(out=io.StringIO())


def output(session, line):
    session.out = io.StringIO()
    rc = session.run(line)
    return session.out.getvalue(), rc


def test_quietly_drops_output_but_not_errors(s):
    assert output(s, "quietly di 1") == ("\n", 0)
    assert output(s, "qui di nosuch") == ("nosuch not found\nr(111);\n\n", 111)


def test_capture_sets_rc_and_hides_the_error(s):
    assert output(s, "capture di nosuch") == ("\n", 0)
    assert s.rc == 111
    assert output(s, "di _rc") == ("111\n\n", 0)
    assert output(s, "cap di 1") == ("\n", 0)
    assert s.rc == 0
    assert output(s, "cap nosuchcommand") == ("\n", 0)
    assert s.rc == 199


def test_capture_noisily_shows_output(s):
    assert output(s, "cap noi di 5") == ("5\n\n", 0)
    # the error message is shown, as Stata's `capture noisily` shows it; the r(#) is not
    assert output(s, "cap noi di nosuch") == ("nosuch not found\n\n", 0)
    assert s.rc == 111
    assert output(s, "capture noisily nosuchcommand") == (
        "command nosuchcommand is unrecognized\n\n", 0)


@pytest.mark.parametrize("line", ["sum x [fw=w]", "tab x [aweight = w]", "list x in 1 [pw=w]",
                                  "mixed y x || g: [weight=w]"])
def test_weights_are_not_allowed(s, line):
    assert output(s, line) == ("weights not allowed\nr(101);\n\n", 101)


def test_mixed_takes_frequency_weights_only(s):
    # mixed allows fweights (tests/models/test_weights.py); other types: Stata's wording
    assert output(s, "mixed y x [iw=w] || g:") == ("iweights not allowed\nr(101);\n\n", 101)


def test_noisily_inside_quietly_block(s):
    s.quiet = True
    assert output(s, "noi di 2") == ("2\n", 0)  # the blank line after it is still quiet
    assert s.quiet is True  # the prefix lasts for its command only
    s.quiet = False


def test_by_not_allowed(s):
    out, rc = output(s, "by id: di 1")
    assert rc == 190 and out.startswith("display may not be combined with by")


def test_user_written_commands_get_a_hint_after_statas_message():
    import io
    from hlmshell.session import Session
    out = io.StringIO()
    s = Session(out=out)
    assert s.run("esttab m1 m2") == 199
    lines = out.getvalue().splitlines()
    assert lines[0] == "command esttab is unrecognized"          # Stata's own line first
    assert "user-written command (SSC)" in lines[1] and "estimates table" in lines[1]
    out.seek(0), out.truncate()
    assert s.run("nosuchcommand") == 199
    assert out.getvalue().splitlines()[0:2] == ["command nosuchcommand is unrecognized", "r(199);"]
