"""`mixed` command bodies → MixedCall; every handout form and the error cases."""
import pytest

from hlmshell.errors import StataError
from hlmshell.models.spec import Factor, ModelSpec, RandomLevel, Term
from hlmshell.syntax.factor import resolver_for, term_name
from hlmshell.syntax.mixed_call import LevelCall, covariance_name, parse_mixed

NAMES = ["id", "minority", "female", "ses", "mathach", "size", "sector", "pracad", "disclim",
         "himinty", "meanses"]


def test_model0():
    c = parse_mixed("mathach || id:")
    assert c.depvar == "mathach" and c.fixed == [] and c.constant
    assert c.levels == [LevelCall("id")]
    assert c.options.method == "ML" and c.options.log and not c.replay
    assert c.cmdline == "mixed mathach || id:"
    assert c.model_spec() == ModelSpec("mathach", (), (RandomLevel("id", (), True, "identity"),))


@pytest.mark.parametrize("text, fixed, slopes, cov", [
    ("mathach ses || id:", ["ses"], (), None),
    ("mathach ses || id: ses, cov(unstructured)", ["ses"], ("ses",), "unstructured"),
    ("mathach sector || id:", ["sector"], (), None),
    ("mathach ses sector || id: ses, cov(unstr)", ["ses", "sector"], ("ses",), "unstructured"),
    ("mathach c.ses##i.sector || id: ses, cov(unstr)", ["ses", "sector", "sector#c.ses"],
     ("ses",), "unstructured"),
    ("mathach c.ses##ib1.sector || id: ses, cov(unstr)", ["ses", "sector", "sector#c.ses"],
     ("ses",), "unstructured"),
    ("mathach c.ses##i.sector || id:", ["ses", "sector", "sector#c.ses"], (), None),
])
def test_handout_forms(text, fixed, slopes, cov):
    c = parse_mixed(text)
    assert [term_name(t) for t in c.fixed] == fixed
    assert c.levels == [LevelCall("id", slopes, True, cov)]
    spec = c.model_spec()
    assert spec.levels[0].covariance == (cov if slopes else "identity")
    assert c.variables()[:2] == ["mathach", fixed[0]]


@pytest.mark.parametrize("word, full", [
    ("un", "unstructured"), ("unstr", "unstructured"), ("unstructured", "unstructured"),
    ("ind", "independent"), ("exch", "exchangeable"), ("id", "identity"), ("IDENTITY", "identity"),
    ("ex", "exchangeable")])  # mixed.sthlp: {opt ex:changeable}
def test_covariance_abbreviations(word, full):
    assert covariance_name(word) == full


@pytest.mark.parametrize("bad", ["u", "in", "e", "i", "foo", ""])
def test_bad_covariance(bad):
    with pytest.raises(StataError) as e:
        parse_mixed(f"y || id: x, cov({bad})")
    assert e.value.code == 198


def test_global_options_after_last_equation():
    c = parse_mixed("mathach || id:, reml")
    assert c.options.method == "REML" and c.levels == [LevelCall("id")]
    c = parse_mixed("mathach ses || id: ses, cov(un) nolog stddev level(90) iterate(20) "
                    "noheader nofetable noretable nolrtest nogroup")
    o = c.options
    assert (o.log, o.stddev, o.level, o.iterate) == (False, True, 90.0, 20)
    assert o.noheader and o.nofetable and o.noretable and o.nolrtest and o.nogroup
    assert c.model_spec().maxiter == 20
    assert parse_mixed("y x, reml || id:").options.method == "REML"
    assert parse_mixed("y || id:, ml").options.method == "ML"
    assert parse_mixed("y || id:, mle var log").options.stddev is False


def test_noconstant_fixed_and_random():
    c = parse_mixed("y x, nocons || id: x, noconstant")
    assert not c.constant and c.levels == [LevelCall("id", ("x",), False, None)]
    assert c.model_spec().levels[0].covariance == "identity"  # one effect: forced


def test_if_in_and_or_expression():
    c = parse_mixed("mathach ses if sector==1 | female in 1/100 || id:")
    assert c.if_text == "sector==1 | female" and c.in_text == "1/100"
    c = parse_mixed("mathach ses || id: if female, reml")
    assert c.if_text == "female" and c.options.method == "REML"
    with pytest.raises(StataError):
        parse_mixed("y if a || id: if b")


def test_multilevel():
    c = parse_mixed("y x || school: || class: x, cov(ind)")
    assert [lv.groupvar for lv in c.levels] == ["school", "class"]
    assert c.levels[1] == LevelCall("class", ("x",), True, "independent")
    assert c.variables() == ["y", "x", "school", "class"]


def test_abbreviations_resolved():
    c = parse_mixed("matha c.ses##i.sect || i: ses", resolver_for(NAMES))
    assert c.depvar == "mathach" and c.levels[0].groupvar == "id"
    assert c.fixed[2] == Term((Factor("sector", True), Factor("ses")))
    c = parse_mixed("mathach ses || id: size - sector", resolver_for(NAMES))
    assert c.levels[0].slopes == ("size", "sector")
    with pytest.raises(StataError) as e:
        parse_mixed("mathach nosuch || id:", resolver_for(NAMES))
    assert e.value.code == 111


def test_replay():
    c = parse_mixed("")
    assert c.replay
    c = parse_mixed(", stddev level(90)")
    assert c.replay and c.options.stddev and c.options.level == 90
    for bad in (", reml", ", nolog", ", iterate(5)", ", foo"):
        with pytest.raises(StataError) as e:
            parse_mixed(bad)
        assert e.value.code == 198


@pytest.mark.parametrize("text, code, message", [
    ("mathach || id:, reml mle", 198, "ml and reml may not be specified at the same time"),
    ("mathach || id:, ml reml", 198, "ml and reml may not be specified at the same time"),
    ("mathach || id:, xyz", 198, "option xyz not allowed"),
    ("mathach || id:, residuals(ar 1)", 198, "option t() required for residuals(ar)"),
    ("mathach || id:, var stddev", 198, "options variance and stddeviations may not be combined"),
    ("|| id:", 100, "varlist required"),
    ("if female || id:", 100, "varlist required"),
    ("y || id", 198, "invalid syntax"),
    ("y || school: || class: || school:", 198,
     "school level variable, specified at more than one level"),
    ("y x, cov(un) || id:", 198, "option cov() not allowed"),
    ("i.y x || id:", 198, "depvar may not be a factor variable"),
    ("y || id: i.x", 101, "factor-variable and time-series operators not allowed"),
    ("y || id:, level(5)", 198, "level() must be between 10 and 99.99 inclusive"),
    ("y || id:, iterate(-1)", 198, "option iterate() incorrectly specified"),
    ("y || id:, cov", 198, "option covariance() required"),
    ("y || id:, reml(1)", 198, "option reml() not allowed"),
    ("y || id: x, nocon", 198, "option nocon not allowed"),
])
def test_errors(text, code, message):
    with pytest.raises(StataError) as e:
        parse_mixed(text)
    assert (e.value.code, e.value.message) == (code, message)
