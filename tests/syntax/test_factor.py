"""Factor-variable terms → Term/Factor, and Stata's names for them."""
import pytest

from hlmshell.errors import StataError
from hlmshell.models.spec import Factor, Term
from hlmshell.syntax.factor import column_names, parse_terms, resolver_for, term_name

NAMES = ["id", "minority", "female", "ses", "mathach", "size", "sector", "pracad", "disclim",
         "himinty", "meanses"]


def names(text, resolve=None):
    return [term_name(t) for t in parse_terms(text, resolve)]


def test_plain_names_are_continuous():
    assert parse_terms("ses sector") == [Term((Factor("ses"),)), Term((Factor("sector"),))]


def test_operators():
    assert parse_terms("i.sector") == [Term((Factor("sector", True),))]
    assert parse_terms("c.ses") == [Term((Factor("ses"),))]
    assert parse_terms("ib1.sector") == [Term((Factor("sector", True, 1.0),))]
    assert parse_terms("ib(1).sector") == [Term((Factor("sector", True, 1.0),))]
    assert parse_terms("b1.sector") == [Term((Factor("sector", True, 1.0),))]
    assert parse_terms("ib(first).sector") == [Term((Factor("sector", True),))]
    assert parse_terms("I.sector") == [Term((Factor("sector", True),))]


def test_handout_model5_full_factorial():
    terms = parse_terms("c.ses##i.sector")
    assert [term_name(t) for t in terms] == ["ses", "sector", "sector#c.ses"]
    # categorical factors first inside the interaction, as Stata names it
    assert terms[2] == Term((Factor("sector", True), Factor("ses")))
    assert names("c.ses##ib1.sector") == ["ses", "sector", "sector#c.ses"]
    assert parse_terms("c.ses##ib1.sector")[1] == Term((Factor("sector", True, 1.0),))


def test_interactions_default_to_categorical():
    assert parse_terms("a#b") == [Term((Factor("a", True), Factor("b", True)))]
    assert names("a##b##c") == ["a", "b", "a#b", "c", "a#c", "b#c", "a#b#c"]
    assert names("c.x#c.x") == ["c.x#c.x"]
    assert names("a # b") == ["a#b"]


def test_abbreviations_resolved_by_caller():
    r = resolver_for(NAMES)
    assert names("c.ses##i.sect", r) == ["ses", "sector", "sector#c.ses"]
    assert names("mino fem", r) == ["minority", "female"]
    assert names("size-disclim", r) == ["size", "sector", "pracad", "disclim"]
    assert names("size - sector ses", r) == ["size", "sector", "ses"]
    assert names("m*", r) == ["minority", "mathach", "meanses"]
    with pytest.raises(StataError) as e:
        parse_terms("i.nosuch", r)
    assert e.value.code == 111
    with pytest.raises(StataError) as e:
        parse_terms("s", r)
    assert e.value.code == 111 and "ambiguous" in e.value.message


@pytest.mark.parametrize("bad", ["q.ses", "i.", "ses#", "#ses", "i.a#i.a", "ib(last).x", "_cons"])
def test_errors(bad):
    with pytest.raises(StataError) as e:
        parse_terms(bad)
    assert e.value.code == 198


def test_column_names_follow_stata():
    lv = {"sector": [0, 1], "a": [1, 2], "b": [1, 2]}
    m5 = parse_terms("c.ses##i.sector")
    assert [column_names(t, lv) for t in m5] == [
        ["ses"], ["0b.sector", "1.sector"], ["0b.sector#co.ses", "1.sector#c.ses"]]
    m5b = parse_terms("c.ses##ib1.sector")
    assert [column_names(t, lv) for t in m5b] == [
        ["ses"], ["0.sector", "1b.sector"], ["0.sector#c.ses", "1b.sector#co.ses"]]
    assert column_names(parse_terms("a#b")[0], lv) == ["1b.a#1b.b", "1b.a#2o.b", "2o.a#1b.b",
                                                      "2.a#2.b"]
    assert column_names(parse_terms("c.x#c.z")[0], lv) == ["c.x#c.z"]
