"""syntax/spec.py: declarative syntax specs bound against a command line's body."""
from __future__ import annotations

import io

import numpy as np
import pytest

from hlmshell.errors import StataError
from hlmshell.syntax.spec import (Spec, clauses, parse_in_range, parse_option_list,
                                  split_options, unquote)

NAMES = ["id", "size", "sector", "meanses", "ses", "mathach", "minority"]


def bind(spec, body, nobs=10):
    return Spec(spec).bind(body, NAMES, nobs)


def code_of(spec, body, nobs=10):
    with pytest.raises(StataError) as err:
        bind(spec, body, nobs)
    return err.value.code, err.value.message


# --- options ---------------------------------------------------------------------------------
SUM = "[varlist] [if] [in] [, Detail MEANonly Format SEParator(integer) level(real) COVariance(string) NOCONstant]"


@pytest.mark.parametrize("body, options", [
    (", d", {"detail": True}),
    (", de", {"detail": True}),
    (", detail", {"detail": True}),
    (", DETAIL", {"detail": True}),
    (", mean", {"meanonly": True}),
    (", d f", {"detail": True, "format": True}),
    (", sep(5)", {"separator": 5}),
    (", separator( 5 )", {"separator": 5}),
    (", level(90)", {"level": 90.0}),
    (", level(99.5)", {"level": 99.5}),
    (", cov(un)", {"covariance": "un"}),
    (", covariance(unstructured)", {"covariance": "unstructured"}),
    (", cov( exch )", {"covariance": "exch"}),
    (", nocon", {"noconstant": True}),
    (",detail", {"detail": True}),
    ("", {}),
    (",", {}),
])
def test_options(body, options):
    assert bind(SUM, body).options == options


@pytest.mark.parametrize("body, code, message", [
    (", detailx", 198, "option detailx not allowed"),
    (", mea", 198, "option mea not allowed"),  # shorter than MEANonly's minimum
    (", co(un)", 198, "option co not allowed"),
    (", nosuch", 198, "option nosuch not allowed"),
    (", d(1)", 198, "option detail() not allowed"),
    (", cov", 198, "option covariance() required"),
    (", level(x)", 198, "option level() incorrectly specified"),
    (", sep(2.5)", 198, "option separator() incorrectly specified"),
    (", cov(un", 198, "invalid syntax"),
    (", 1x", 198, "invalid syntax"),
])
def test_option_errors(body, code, message):
    assert code_of(SUM, body) == (code, message)


def test_any_option_star():
    spec = "[varlist] [, Detail *]"
    assert bind(spec, ", d foo bar(1 2)").options == {"detail": True, "foo": True, "bar": "1 2"}


def test_parse_option_list_and_split_options():
    assert parse_option_list("detail cov(un) level(90) f(g(1))") == [
        ("detail", None), ("cov", "un"), ("level", "90"), ("f", "g(1)")]
    assert split_options('x y if z == "a,b", detail') == ('x y if z == "a,b"', " detail")
    assert split_options("x, a(1,2)") == ("x", " a(1,2)")
    assert split_options("f(a,b) x") == ("f(a,b) x", None)


# --- varlists ----------------------------------------------------------------------------------
@pytest.mark.parametrize("body, varlist", [
    ("", NAMES),
    ("id", ["id"]),
    ("ma", ["mathach"]),  # unique abbreviation
    ("mea", ["meanses"]),
    ("ses", ["ses"]),  # exact name beats abbreviation of sector/size... (ses is exact)
    ("s*", ["size", "sector", "ses"]),
    ("*ses", ["meanses", "ses"]),
    ("m*s", ["meanses"]),
    ("s?s", ["ses"]),
    ("mat~", ["mathach"]),
    ("id-sector", ["id", "size", "sector"]),
    ("size- meanses", ["size", "sector", "meanses"]),
    ("size -meanses", ["size", "sector", "meanses"]),
    ("size - meanses", ["size", "sector", "meanses"]),
    ("si-mea", ["size", "sector", "meanses"]),
    ("ses id ses", ["ses", "id"]),  # duplicates kept once
    ("_all", NAMES),
    ("*", NAMES),
    ("mathach ses-mathach", ["mathach", "ses"]),
])
def test_varlist(body, varlist):
    assert bind(SUM, body).varlist == varlist


@pytest.mark.parametrize("body, code, message", [
    ("nosuch", 111, "variable nosuch not found"),
    ("m", 111, "m ambiguous abbreviation"),
    ("se", 111, "se ambiguous abbreviation"),
    ("z*", 111, "variable z* not found"),
    ("m~", 111, "m~ ambiguous abbreviation"),
    ("sector-id", 198, "sector-id invalid varlist"),
    ("1x", 198, "1x invalid name"),
    ("id-", 198, "- invalid name"),
])
def test_varlist_errors(body, code, message):
    assert code_of(SUM, body) == (code, message)


def test_varlist_required_and_varname():
    assert code_of("varlist", "") == (100, "varlist required")
    assert bind("varname", "ma").varlist == ["mathach"]
    assert code_of("varname", "id ses") == (103, "too many variables specified")
    assert bind("[varname]", "").varlist == []


def test_no_variables_defined():
    with pytest.raises(StataError) as err:
        Spec("varlist").bind("x", [], 0)
    assert (err.value.code, err.value.message) == (111, "no variables defined")


def test_newvarname():
    assert bind("newvarname =exp", "z = 1").newvars == ["z"]
    assert code_of("newvarname =exp", "ses = 1") == (110, "variable ses already defined")
    assert code_of("newvarname =exp", "_n = 1") == (198, "_n invalid name")
    assert code_of("newvarname =exp", "a b = 1")[0] == 103
    assert code_of("newvarname =exp", "= 1") == (100, "varlist required")
    assert code_of("newvarname =exp", "z")[0] == 198  # = expected
    assert code_of("newvarname =exp", "z = ")[0] == 198


def test_exp():
    args = bind("newvarname =exp [if]", "z = ses*2 if id > 1")
    assert args.exp_text == "ses*2" and args.if_text == "id > 1"
    assert args.exp is not None and args.if_exp is not None


# --- if, in, using: any order ----------------------------------------------------------------
@pytest.mark.parametrize("body", [
    "ses if id > 1 in 2/5",
    "ses in 2/5 if id > 1",
    "ses in 2/5 if id > 1, d",
])
def test_if_in_any_order(body):
    args = bind(SUM, body)
    assert args.varlist == ["ses"] and args.if_text == "id > 1" and args.in_range == (1, 5)


def test_using_anywhere_and_quoted():
    spec = "[varlist] using [if] [, clear]"
    for body in ('ses using "my file.dta" if id, clear', 'ses if id using "my file.dta", clear',
                 'using "my file.dta" if id, clear'):
        args = bind(spec, body)
        assert args.using == "my file.dta" and args.if_text == "id"
        assert args.options == {"clear": True}
    assert code_of(spec, "ses") == (100, "using required")
    assert bind("[using]", "").using is None
    assert code_of(spec, 'using ""')[0] == 198


def test_clause_keywords_inside_names_strings_and_parentheses():
    assert bind(SUM, "minority").varlist == ["minority"]  # `in` inside a name
    main, found = clauses('x if s == "a in b" in 1/2')
    assert main == "x " and found == {"if": ' s == "a in b" ', "in": " 1/2"}
    main, found = clauses("x if f(in) > 1")
    assert found == {"if": " f(in) > 1"}


@pytest.mark.parametrize("spec, body, code, message", [
    ("[varlist]", "ses if id", 101, "if not allowed"),
    ("[varlist]", "ses in 1", 101, "in range not allowed"),
    ("[varlist]", "ses using x", 101, "using not allowed"),
    ("", "x", 198, "invalid syntax"),
    ("anything", "", 198, "invalid syntax"),
    (SUM, "ses if", 198, "invalid syntax"),
])
def test_clause_errors(spec, body, code, message):
    assert code_of(spec, body) == (code, message)


def test_anything_and_raw():
    assert bind("anything [, clear]", "foo bar, clear").anything == "foo bar"
    assert bind("[anything]", "").anything == ""
    args = bind("raw", "mathach ses || id:, cov(un) if x in 1")
    assert args.anything == args.body == "mathach ses || id:, cov(un) if x in 1"
    assert args.options == {} and args.in_range is None


# --- in ranges --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, nobs, expected", [
    ("1/5", 10, (0, 5)),
    ("3", 10, (2, 3)),
    ("f/l", 10, (0, 10)),
    ("F/L", 10, (0, 10)),
    ("-3/l", 10, (7, 10)),
    ("-3/-1", 10, (7, 10)),
    ("-1", 10, (9, 10)),
    ("f/-2", 10, (0, 9)),
    (" 2 / 4 ", 10, (1, 4)),
    ("10/10", 10, (9, 10)),
])
def test_in_range(text, nobs, expected):
    assert parse_in_range(text, nobs) == expected


@pytest.mark.parametrize("text, nobs, code, message", [
    ("0/5", 10, 198, "Obs. nos. out of range"),
    ("5/11", 10, 198, "Obs. nos. out of range"),
    ("5/2", 10, 198, "Obs. nos. out of range"),
    ("-11", 10, 198, "Obs. nos. out of range"),
    ("1", 0, 198, "Obs. nos. out of range"),
    ("a/b", 10, 198, "invalid syntax"),
    ("1.5", 10, 198, "invalid syntax"),
])
def test_in_range_errors(text, nobs, code, message):
    with pytest.raises(StataError) as err:
        parse_in_range(text, nobs)
    assert (err.value.code, err.value.message) == (code, message)


def test_touse():
    from hlmshell.session import Session
    s = Session(out=io.StringIO())
    s.data.set_obs(4)
    s.data.add("x", np.array([1.0, np.nan, 3.0, 4.0]), "double")
    args = Spec("[if] [in]").bind("if x > 2 in 2/4", s.data.names, s.data.nobs)
    assert args.touse(s).tolist() == [False, True, True, True]  # missing > 2 is true
    args = Spec("[if] [in]").bind("", s.data.names, s.data.nobs)
    assert args.touse(s).tolist() == [True] * 4


def test_unquote():
    assert unquote(' "a b" ') == "a b"
    assert unquote('`"a "b""\'') == 'a "b"'
    assert unquote("plain") == "plain"
    assert unquote('"') == '"'
