"""syntax/lines.py: comments, `///` continuation, is_complete for the REPL."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hlmshell.syntax.lines import do_lines, is_complete, logical_lines


@pytest.mark.parametrize("text, expected", [
    ("sum x\nsum y", ["sum x", "sum y"]),
    ("\n\n  sum x  \n\n", ["sum x"]),
    ("* a comment\nsum x", ["sum x"]),
    ("   * indented comment\nsum x", ["sum x"]),
    ("*comment without space\nsum x", ["sum x"]),
    ("sum x // trailing", ["sum x"]),
    ("// whole line\nsum x", ["sum x"]),
    ("sum x /* inline */ y", ["sum x  y"]),
    ("/* block\nover lines */ sum x", ["sum x"]),
    ("/* outer /* nested */ still comment */ sum x", ["sum x"]),
    ("sum x /* \n */ y", ["sum x  y"]),  # Stata's old continuation idiom
    ("sum x ///\n y", ["sum x   y"]),
    ("sum x /// comment after continuation\n y", ["sum x   y"]),
    ("sum ///\n x ///\n y", ["sum   x   y"]),
    ("* comment ///\n continued comment\nsum x", ["sum x"]),
    ('di "a // b"', ['di "a // b"']),
    ('di "a /* b */"', ['di "a /* b */"']),
    ('di "a ///"', ['di "a ///"']),
    ('di `"a // "b" c"\'', ['di `"a // "b" c"\'']),
    ("di 2*3", ["di 2*3"]),  # * inside a line is an operator
    ("di 6/2//comment", ["di 6/2//comment"]),  # // needs a blank before it
    ("di 1 //comment", ["di 1"]),
    ("sum x///\n y", ["sum x///", "y"]),  # /// needs a blank before it too
    ("", []),
    ("* only a comment", []),
    ("sum x\r\nsum y", ["sum x", "sum y"]),
])
def test_logical_lines(text, expected):
    assert logical_lines(text) == expected


@pytest.mark.parametrize("text, complete", [
    ("sum x", True),
    ("", True),
    ("sum x ///", False),
    ("sum x ///   ", False),
    ("///", False),
    ("sum x ///\n y", True),
    ("sum x ///\n y ///", False),
    ("sum x///", True),
    ("sum x /* open", False),
    ("sum x /* open\n still */", True),
    ("/* a /* b */", False),
    ('di "///"', True),
    ("sum x // not a continuation", True),
])
def test_is_complete(text, complete):
    assert is_complete(text) is complete


def test_an_unclosed_quote_ends_with_its_line():
    # the next line starts afresh: a `*` there begins a comment
    assert logical_lines('di "a\n* comment\ndi 2') == ['di "a', "di 2"]


def test_do_lines_keep_every_line_as_typed_for_the_echo():
    text = ("* note ///\n  more note\n\nuse hsb, clear  // load\n"
            "mixed y x ///\n    || id:\n/* a\n b */ di 1\n")
    assert list(do_lines(text)) == [
        ("* note ///\n>   more note", "", ""),
        ("", "", ""),
        ("use hsb, clear  // load", "use hsb, clear", ""),
        ("mixed y x ///\n>     || id:", "mixed y x      || id:", ""),
        ("/* a\n>  b */ di 1", "di 1", ""),
    ]
    assert list(do_lines("a\r\nb")) == [("a", "a", ""), ("b", "b", "")]
    assert list(do_lines("")) == [] and list(do_lines("\n")) == [("", "", "")]


def test_do_lines_semicolon_delimiter():
    # [P] #delimit: after `#delimit ;` a command ends at `;` (outside quotes and comments),
    # a line break inside it is a blank, a `*` comment runs to the `;`; `#delimit cr`
    # returns to line ends. Abbreviated `#d` works too.
    text = ('di 1\n#delimit ;\ndi 2 ; gen y = x\n  * 2;\n* a comment\n on two lines ;\n'
            'di "a;b" /* ; */ + "c" // ;\n;\n#d cr\ndi 3\n')
    assert list(do_lines(text)) == [
        ("di 1", "di 1", ""),
        ("#delimit ;", "", "delimiter now ;"),
        ("di 2 ;", "di 2", ""),
        ("gen y = x\n>   * 2;", "gen y = x   * 2", ""),
        ("* a comment\n>  on two lines ;", "", ""),
        ('di "a;b" /* ; */ + "c" // ;\n> ;', 'di "a;b"  + "c"', ""),
        ("#d cr", "", "delimiter now cr"),
        ("di 3", "di 3", ""),
    ]
    # an unterminated last command still runs; a file may end in `;` mode
    assert list(do_lines("#delimit ;\ndi 4")) == [("#delimit ;", "", "delimiter now ;"),
                                                    ("di 4", "di 4", "")]


@given(st.text(alphabet='ab */"\n\r\t', max_size=60))
def test_do_lines_commands_are_the_logical_lines(text):
    # without #delimit, do_lines runs exactly the logical lines
    assert [c for _, c, _ in do_lines(text) if c] == logical_lines(text)
