"""Table layout, checked byte for byte against tables of the handout.

Expected lines are copied from /work/shared/handout/two-level-hlm-handout.txt with the
handout's trailing spaces removed. Numbers are fixed inputs (handout values, with invented
extra digits where the handout rounds), never a live computation.
"""
import numpy as np
import pytest

from handout_blocks import FE_M5, RE_M2, SUM_HSB2, SUM_LEVEL2, TAB_TAG

from hlmshell.render.formats import fmt
from hlmshell.render.table import Table, align, hline, row, row_text, rule, separate

f32 = np.float32  # hsb data are stored as Stata floats


def g9(x):
    return fmt(x, "%9.0g")


# --------------------------------------------------------------------------- tab tag

def test_tabulate_tag():
    # tabulate: label column 11 (its minimum) + " |", Freq/Percent/Cum 11/12/12
    t = Table(12, (11, 12, 12))
    freq = {0: 7025, 1: 160}
    total = sum(freq.values())
    lines = [t.row("tag(id)", ["Freq.", "Percent", "Cum."]), t.sep()]
    cum = 0
    for value, n in freq.items():
        cum += n
        lines.append(t.row(str(value), [fmt(n, "%10.0fc"), fmt(100 * n / total, "%6.2f"),
                                        fmt(100 * cum / total, "%6.2f")]))
    lines += [t.sep(), t.row("Total", [fmt(total, "%10.0fc"), fmt(100.0, "%6.2f")])]
    assert "\n".join(lines) == TAB_TAG


# --------------------------------------------------------------------------- summarize

HSB2 = [  # name, N, mean, sd, min, max
    ("id", 0, None, None, None, None),
    ("size", 160, 1097.825, 629.50644, 100, 2713),
    ("sector", 160, 0.4375, 0.49763594, 0, 1),
    ("pracad", 160, 0.51393750, 0.25589671, 0, 1),
    ("disclim", 160, -0.015125, 0.97697771, f32(-2.416), f32(2.756)),
    ("himinty", 160, 0.275, 0.44791621, 0, 1),
    ("meanses", 160, -0.0001875, 0.41397312, f32(-1.188), f32(0.831)),
]


def summarize_lines(data):
    t = Table(13, (11, 12, 12, 11, 11))
    body = []
    for name, n, *stats in data:
        cells = [fmt(n, "%9.0fc")] + ([g9(v) for v in stats] if n else [])
        body.append((name, cells))
    # the header is free text: "Std. dev." ends one column right of the values' edge
    header = t.text("Variable", "        Obs        Mean    Std. dev.       Min        Max")
    return [header, t.sep()] + t.rows(body, every=5)


def test_summarize_hsb2():
    assert "\n".join(summarize_lines(HSB2)) == SUM_HSB2


def test_summarize_if_tag():
    # `sum size- meanses if tag==1`: the same numbers without id, so the separator moves
    lines = summarize_lines(HSB2[1:])
    assert lines == SUM_LEVEL2.split("\n")


# --------------------------------------------------------------------------- model tables

def test_coefficient_table():
    t = Table(13, (11, 11, 9, 8, 13, 12))
    assert t.width == 78

    def line(label, b, se, z, p, lo, hi):
        return t.row(label, [g9(b), g9(se), fmt(z, "%8.2f"), fmt(p, "%5.3f"), g9(lo), g9(hi)])

    lines = [t.full(),
             t.text("mathach", " Coefficient  Std. err.      z    P>|z|     [95% conf. interval]"),
             t.sep(),
             line("ses", 2.9597452, 0.14294953, 20.7049, 0.0, 2.6795693, 3.2399211),
             line("1.sector", 2.1287143, 0.34343583, 6.1983, 0.0, 1.4555931, 2.8018356),
             t.row(""), t.row("sector#c.ses"),
             line("1 ", -1.3129093, 0.21538514, -6.0957, 0.0, -1.7350562, -0.89076153),
             t.row(""),
             line("_cons", 11.752561, 0.23016344, 51.0622, 0.0, 11.301453, 12.203677),
             t.full()]
    assert "\n".join(lines) == FE_M5


def test_random_effects_table():
    t = Table(29, (11, 11, 14, 12))
    assert t.width == 78
    vals = {"var(ses)": (0.39834181, 0.23240551, 0.12695133, 1.2498981),
            "var(_cons)": (4.7852352, 0.66485781, 3.6444991, 6.2830241),
            "cov(ses,_cons)": (-0.15586541, 0.29562251, -0.73527491, 0.42354411)}
    lines = [t.full(),
             t.text("  Random-effects parameters", "   Estimate   Std. err.     [95% conf. interval]",
                    label_align="left"),
             t.sep(),
             t.row("id: Unstructured", label_align="left")]
    lines += [t.row(k, [g9(v) for v in vs]) for k, vs in vals.items()]
    lines += [t.sep(), t.row("var(Residual)", [g9(v) for v in
                                                (36.831541, 0.62934451, 35.618471, 38.085921)]),
              t.full()]
    assert "\n".join(lines) == RE_M2


ESTAT_IC = """\
-----------------------------------------------------------------------------
       Model |          N   ll(null)  ll(model)      df        AIC        BIC
-------------+---------------------------------------------------------------
 interaction |      7,185          .  -23281.59       8   46579.18   46634.22
-----------------------------------------------------------------------------"""


def test_estat_ic_table():
    # the handout prints the middle rule of this table with a stray leading space; the
    # same rule is flush left in its other four estat ic tables
    t = Table(13, (11, 11, 11, 8, 11, 11))
    ll, df, n = -23281.589, 8, 7185
    aic, bic = -2 * ll + 2 * df, -2 * ll + np.log(n) * df
    lines = [t.top(), t.row("Model", ["N", "ll(null)", "ll(model)", "df", "AIC", "BIC"]),
             t.sep(),
             t.row("interaction", [fmt(n, "%10.0fc"), g9(None), g9(ll), fmt(df, "%6.0f"),
                                   g9(aic), g9(bic)]),
             t.bottom()]
    assert "\n".join(lines) == ESTAT_IC


ESTAT_ICC = """\
------------------------------------------------------------------------------
                       Level |        ICC   Std. err.     [95% conf. interval]
-----------------------------+------------------------------------------------
                          id |   .1793119   .0185938       .145709    .2186805
------------------------------------------------------------------------------"""


def test_estat_icc_table():
    t = Table(29, (11, 11, 14, 12))
    lines = [t.full(), t.text("Level", "        ICC   Std. err.     [95% conf. interval]"),
             t.sep(), t.row("id", [g9(v) for v in (0.17931188, 0.01859381, 0.14570901,
                                                   0.21868051)]),
             t.full()]
    assert "\n".join(lines) == ESTAT_ICC


# --------------------------------------------------------------------------- primitives

def test_rules():
    assert rule(13, 64) == "-" * 13 + "+" + "-" * 64
    assert len(rule(13, 64)) == 78
    assert rule(13, 63, "TT") == "-" * 77
    assert rule(29, 48, "BT") == "-" * 78
    assert hline(3) == "---"
    with pytest.raises(KeyError):
        rule(1, 1, "x")


def test_row_and_alignment():
    assert row("id", ["0"], 13, (11, 12)) == "          id |          0"
    assert row("id: Identity", [], 29, (11,), label_align="left") == \
        "id: Identity                 |"
    assert row("a", ["x", "y"], 4, (3, 3), cell_align=["left", "right"]) == "  a |x    y"
    assert row_text("Model", " free", 13) == "       Model | free"
    # too wide: pushed right, never cut
    assert row("a_very_long_label", ["123456"], 5, (4,)) == "a_very_long_label |123456"
    assert align("ab", 6, "center") == "  ab  "
    with pytest.raises(ValueError):
        row("a", ["1", "2"], 5, (3,))
    with pytest.raises(ValueError):
        align("a", 3, "middle")


def test_separate():
    assert separate(list("abcdefg"), 5, "-") == list("abcde") + ["-"] + list("fg")
    assert separate(list("abcde"), 5, "-") == list("abcde")
    assert separate(list("abc"), 0, "-") == list("abc")
