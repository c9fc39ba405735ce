"""Stata display formats, checked against printed Stata output.

Sources named in the comments:
  handout  /work/shared/handout/two-level-hlm-handout.txt (Stata 17/18 output)
  ref 8.x  /work/shared/docs/stata-reference.md, section 8.x
  FMT      Stata's format.sthlp (Stata 16), the %12.0g examples and the example table
  WG       W. Gould on Statalist (2003-04, 2003-07): %g/%gc set two positions aside;
           %12.0g of pi*10^k; %9.2g examples

Where the handout prints a rounded number, the input below carries invented extra digits
that round to it; the expected text is always the printed one.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from hlmshell.errors import StataError
from hlmshell.render.formats import (
    MISSING_THRESHOLD, abbrev, comma_int, display_number, fmt, fmt_f, fmt_fc, fmt_g,
    full_precision, is_format, missing_code, parse_format,
)


def cases(*rows):
    return pytest.mark.parametrize("x, spec, expected", rows)


# --------------------------------------------------------------------------- %9.0g, handout

@cases(
    # handout: summarize (%9.0g columns of 11/12 characters; here the bare %9.0g text)
    (0.27473903966597077, "%9.0g", "  .274739"),
    (0.44641370001, "%9.0g", " .4464137"),
    (np.float32(-3.758), "%9.0g", "   -3.758"),      # float-stored data widened to double
    (np.float32(24.993), "%9.0g", "   24.993"),
    (1097.825, "%9.0g", " 1097.825"),
    (-0.0001875, "%9.0g", "-.0001875"),
    (0.0001434, "%9.0g", " .0001434"),
    (12.747853, "%9.0g", " 12.74785"),
    (2713, "%9.0g", "     2713"),
    (0.4375, "%9.0g", "    .4375"),
    (-0.015125, "%9.0g", " -.015125"),
    (0, "%9.0g", "        0"),
    # handout: coefficient and random-effects tables (%9.0g)
    (0.00700993, "%9.0g", " .0070099"),
    (-0.89076153, "%9.0g", "-.8907615"),
    (4.7285194, "%9.0g", " 4.728519"),
    (6.1872304, "%9.0g", "  6.18723"),
    (-1.3129093, "%9.0g", "-1.312909"),
    (12.657623, "%9.0g", " 12.65762"),
    (0.07394903, "%9.0g", "  .073949"),
    (37.029791, "%9.0g", " 37.02979"),
    # handout: estat ic (%9.0g)
    (-23318.2348, "%9.0g", "-23318.23"),
    (-23320.502, "%9.0g", " -23320.5"),
    (46649.004, "%9.0g", "    46649"),
    (46648.4696, "%9.0g", " 46648.47"),
    # handout: estat icc
    (0.1793119, "%9.0g", " .1793119"),
    (0.14570901, "%9.0g", "  .145709"),
)
def test_handout_9_0g(x, spec, expected):
    assert fmt(x, spec) == expected


@cases(
    # handout: summarize Obs, estat ic N, headers (comma formats)
    (7185, "%9.0fc", "    7,185"),
    (7185, "%9.0gc", "    7,185"),
    (160, "%9.0gc", "      160"),
    (7185, "%10.0fc", "     7,185"),
    (44.90625, "%10.1fc", "      44.9"),
    (14, "%10.0fc", "        14"),
    # handout: coefficient table z, P>|z|; header Prob > chi2; LR line
    (22.627, "%8.2f", "   22.63"),
    (-6.0956, "%8.2f", "   -6.10"),
    (0.0000, "%5.3f", "0.000"),
    (0.0, "%6.4f", "0.0000"),
    (0.1035, "%6.4f", "0.1035"),
    (511.9846, "%9.2f", "   511.98"),
    (983.9218208056773, "%8.2f", "  983.92"),
    (6.0, "%6.0f", "     6"),
    # handout: tabulate percentages (Stata 18 tab prints 100.00 in the Percent column)
    (97.7731384829506, "%6.2f", " 97.77"),
    (2.2268615170494, "%6.2f", "  2.23"),
    (100.0, "%6.2f", "100.00"),
)
def test_handout_other_formats(x, spec, expected):
    assert fmt(x, spec) == expected


@cases(
    # handout: mat list e(b) uses %10.0g in 12-wide columns
    (12.637070, "%10.0g", "  12.63707"),
    (1.07317142, "%10.0g", " 1.0731714"),
    (1.83367968, "%10.0g", " 1.8336797"),
    (2.39149941, "%10.0g", " 2.3914994"),
    (12.6576232, "%10.0g", " 12.657623"),
    (0.776806018, "%10.0g", " .77680602"),
    # handout: header log likelihood (%10.0g)
    (-23557.90510815813, "%10.0g", "-23557.905"),
    (-23320.50197, "%10.0g", "-23320.502"),
)
def test_handout_10_0g(x, spec, expected):
    assert fmt(x, spec) == expected


# --------------------------------------------------------------------------- ref 8.2 and FMT

@cases(
    # ref 8.2
    (0.15627494, "%9.0g", " .1562749"),
    (4.8875, "%9.0g", "   4.8875"),
    (-0.475, "%9.0g", "    -.475"),
    (7185, "%9.0g", "     7185"),
    (4.709375, "%9.0g", " 4.709375"),
    (12.636972, "%9.0g", " 12.63697"),
    (-14260.9448, "%9.0g", "-14260.94"),
    (0.06579931, "%9.0g", " .0657993"),
    (-14260.9448, "%10.0g", "-14260.945"),
    (-23558.3972, "%10.0g", "-23558.397"),
    (0.0000493, "%9.0g", " .0000493"),         # tie in digits: stays fixed
    (0.0000048, "%9.0g", " 4.80e-06"),         # e shows more digits; mantissa keeps its 0
    (1.04e-09, "%9.0g", " 1.04e-09"),
    (5.2e-222, "%9.0g", " 5.2e-222"),
    (2147483647, "%10.0g", " 2.147e+09"),
    (52313712223.139, "%12.0g", " 5.23137e+10"),   # also FMT
    (0.0000029394, "%12.0g", " 2.93940e-06"),      # also FMT
    (5.139, "%12.0g", "       5.139"),               # FMT
    (5231371222.139, "%12.0g", "  5231371222"),      # FMT: 10 digits = w-2 fit
)
def test_reference_general(x, spec, expected):
    assert fmt(x, spec) == expected


@pytest.mark.parametrize("k, expected", [
    # WG: display %12.0g _pi*10^k
    (0, "3.141592654"), (1, "31.41592654"), (5, "314159.2654"), (8, "314159265.4"),
    (9, "3141592654"), (10, "3.14159e+10"), (-1, ".3141592654"), (-4, ".0003141593"),
    (-5, ".0000314159"), (-6, "3.14159e-06"),
])
def test_gould_pi(k, expected):
    assert fmt(math.pi * 10.0 ** k, "%12.0g") == expected.rjust(12)


# FMT: "Four values displayed in different numeric display formats"
FMT_TABLE = {
    "%9.0g": ["12345", "37.916", "3567890", ".9165"],
    "%9.0gc": ["12,345", "37.916", "3567890", ".9165"],
    "%9.2f": ["12345.00", "37.92", "3.57e+06", "0.92"],
    "%9.2fc": ["12,345.00", "37.92", "3.57e+06", "0.92"],
    "%09.2f": ["012345.00", "000037.92", "3.57e+06", "000000.92"],
    "%9.2e": ["1.23e+04", "3.79e+01", "3.57e+06", "9.16e-01"],
}


@pytest.mark.parametrize("spec", sorted(FMT_TABLE))
def test_format_help_table(spec):
    for x, expected in zip([12345, 37.916, 3567890, 0.9165], FMT_TABLE[spec]):
        assert fmt(x, spec) == expected.rjust(9)


def test_format_help_left_and_examples():
    for x, expected in zip([12345, 37.916, 3567890, 0.9165],
                           ["12345", "37.916", "3567890", ".9165"]):
        assert fmt(x, "%-9.0g") == expected.ljust(9)
    assert fmt(5.139, "%12.2f") == "        5.14"
    assert fmt(5.14, "%12.0f") == "           5"
    assert fmt(5.139, "%-12.2f") == "5.14        "
    assert fmt(5203.139, "%12.2fc") == "    5,203.14"
    assert fmt(5203.139, "%12.0fc") == "       5,203"
    assert fmt(5203.139, "%-12.0fc") == "5,203       "
    assert fmt(5.139, "%12.4e") == "  5.1390e+00"
    assert fmt(5.139e220, "%12.4e") == " 5.1390e+220"
    assert fmt(1000.03, "%9,2fc") == " 1.000,03"
    assert fmt("Mary Smith", "%16s") == "      Mary Smith"
    assert fmt("Mary Smith", "%-16s") == "Mary Smith      "
    assert fmt("Mary Smith", "%~16s") == "   Mary Smith   "


def test_gould_comma_general():
    # WG: %12.0gc has 10 positions for digits and commas, else no commas
    assert fmt(12345678, "%12.0gc") == "  12,345,678"
    assert fmt(123456789, "%12.0gc") == "   123456789"


def test_general_with_digits():
    # WG (Statalist 2003-07 and 2009-10): %9.2g shows 2 significant digits below 1
    assert fmt(4.52394e-3, "%9.2g") == "    .0045"
    assert fmt(4.52394e-5, "%9.2g") == "  .000045"
    assert fmt(-0.0000201, "%9.2g") == "  -.00002"


# --------------------------------------------------------------------------- display, lists

@pytest.mark.parametrize("x, expected", [
    # handout: di ...
    (8.553519671, "8.5535197"), (0.179311876, ".17931188"), (0.23077480, ".2307748"),
    ((0.42 - 0.07) / 0.42, ".83333333"), (0.447184428, ".44718443"), (0.054117311, ".05411731"),
    (0.124598909, ".12459891"),
    # ref 8.3
    (54.1294744, "54.129474"), (0.972511836, ".97251184"), (-10.0157281, "-10.015728"),
    (6.66666681, "6.6666668"), (1.89712, "1.89712"),
    # the %10.0g rule: 8 digits fixed, else e-notation filling 9 characters
    (-23557.90510815813, "-23557.905"), (7185, "7185"), (1, "1"), (0, "0"), (None, "."),
    (12345678, "12345678"), (123456789, "1.235e+08"), (1e12, "1.000e+12"),
    (1e-12, "1.000e-12"), (-2.5e-7, "-2.500e-07"),
])
def test_display_number(x, expected):
    assert display_number(x) == expected


@pytest.mark.parametrize("x, expected", [
    # handout: ereturn list
    (-23557.90510815813, "-23557.90510815813"),
    (-24049.86601856097, "-24049.86601856097"),
    (983.9218208056773, "983.9218208056773"),
    (2.8059555978e-216, "2.8059555978e-216"),
    (7185, "7185"), (3, "3"), (1, "1"), (0, "0"), (None, "."), (float("nan"), "."),
    # ref 6.4
    (-686.5395809065244, "-686.5395809065244"),
])
def test_full_precision(x, expected):
    assert full_precision(x) == expected


@pytest.mark.parametrize("name, n, expected", [
    ("displacement", 8, "displa~t"),         # ref 8.5, documented example
    ("intersections", 12, "intersecti~s"),   # ref 8.5, observed
    ("transformed1", 12, "transformed1"),
    ("transformedx1", 12, "transforme~1"),
    ("capped_daily_avg", 12, "capped_dai~g"),
    ("intercept", 8, "interc~t"),
    ("grp_cent_ses", 8, "grp_ce~s"),
    ("mathach", 12, "mathach"),
    ("abcdefg", 3, "abc~g"),                  # n < 5 counts as 5
    ("i.sector_long", 6, "i.sect~g"),         # a "." and n < 8: n = 8
])
def test_abbrev(name, n, expected):
    assert abbrev(name, n) == expected


def test_shortcuts_and_missing():
    assert fmt_g(0.274739) == "  .274739"
    assert fmt_g(-23557.905108, 10) == "-23557.905"
    assert fmt_f(0.0, 5, 3) == "0.000"
    assert fmt_fc(7185, 10) == "     7,185"
    assert comma_int(7185) == "7,185"
    assert comma_int(1234567) == "1,234,567"
    assert comma_int(-1234567) == "-1,234,567"
    assert comma_int(None) == "."
    assert fmt(None, "%9.0g") == "        ."
    assert fmt(float("nan"), "%-6.2f") == ".     "
    assert fmt(MISSING_THRESHOLD, "%10.0g") == "         ."
    assert fmt(".b", "%4.0g") == "  .b"
    assert missing_code(MISSING_THRESHOLD * (1 + 1 / 4096)) == ".a"
    assert missing_code(MISSING_THRESHOLD * (1 + 26 / 4096)) == ".z"
    assert fmt(np.float64(0.5), "%9.0g") == "       .5"
    assert fmt(np.int64(7185), "%9.0gc") == "    7,185"


def test_widens_instead_of_truncating():
    assert fmt(123456, "%4.0g") == "1e+05"      # nothing fits in 4: e, wider
    assert fmt(100, "%5.2f") == "100.00"        # no e-notation fits in 4 characters
    assert fmt(-12345.678, "%5.1f") == "-12345.7"
    assert fmt(1.5, "%3.6e") == "1.500000e+00"
    assert fmt("a long string", "%4s") == "a long string"


def test_bad_formats():
    for bad in ["%9.0q", "9.0g", "%9g", "%9.2ec", "%~9.0g", "%0.0g", "%s"]:
        assert not is_format(bad)
        with pytest.raises(StataError) as err:
            parse_format(bad)
        assert err.value.code == 120
    with pytest.raises(StataError):
        fmt("abc", "%9.0g")
    with pytest.raises(StataError):
        fmt(1.0, "%9s")
    assert parse_format("%-10.2fc").align == "left"


# --------------------------------------------------------------------------- properties

finite = st.floats(allow_nan=False, allow_infinity=False).filter(
    lambda v: abs(v) < MISSING_THRESHOLD)


def implied_tolerance(text: str) -> float:
    """Half a unit in the last printed digit."""
    t = text.strip().replace(",", "")
    if "e" in t:
        mant, exp = t.split("e")
        md = len(mant.split(".")[1]) if "." in mant else 0
        return 0.5 * 10.0 ** (int(exp) - md)
    dec = len(t.split(".")[1]) if "." in t else 0
    return 0.5 * 10.0 ** (-dec)


def parse(text: str) -> float:
    return float(text.strip().replace(",", ""))


@settings(max_examples=400, deadline=None)
@given(x=finite, w=st.integers(7, 24), comma=st.booleans(), left=st.booleans())
def test_general_width(x, w, comma, left):
    """%w.0g always fits in w (w >= 7 leaves room for a 3-digit exponent)."""
    spec = f"%{'-' if left else ''}{w}.0g{'c' if comma else ''}"
    out = fmt(x, spec)
    assert len(out) == w
    body = out.strip()
    assert len(body.lstrip("-")) <= w - 1
    if "e" not in body:
        assert sum(ch.isdigit() for ch in body) + body.count(",") <= w - 2


@settings(max_examples=400, deadline=None)
@given(x=finite, w=st.integers(7, 24), d=st.integers(0, 8), comma=st.booleans())
def test_fixed_width(x, w, d, comma):
    out = fmt(x, f"%{w}.{d}f{'c' if comma else ''}")
    assert len(out) == w
    assert abs(parse(out) - x) <= implied_tolerance(out) * (1 + 1e-9) + abs(x) * 1e-15


@settings(max_examples=400, deadline=None)
@given(x=finite, w=st.integers(7, 24), comma=st.booleans())
def test_general_round_trip(x, w, comma):
    out = fmt(x, f"%{w}.0g{'c' if comma else ''}")
    assert abs(parse(out) - x) <= implied_tolerance(out) * (1 + 1e-9) + abs(x) * 1e-15


@settings(max_examples=300, deadline=None)
@given(x=finite)
def test_full_precision_round_trip(x):
    out = full_precision(x)
    assert abs(parse(out) - x) <= implied_tolerance(out) * (1 + 1e-9) + abs(x) * 1e-15
    if 0.1 <= abs(x) < 1e16:   # 16 significant digits (%18.0g: 16 digits in fixed)
        assert abs(parse(out) - x) <= abs(x) * 1e-15


@settings(max_examples=300, deadline=None)
@given(x=finite, y=finite, w=st.integers(7, 20))
def test_general_is_monotone(x, y, w):
    lo, hi = sorted([x, y])
    assert parse(fmt(lo, f"%{w}.0g")) <= parse(fmt(hi, f"%{w}.0g"))


missing_values = st.one_of(
    st.none(), st.just(float("nan")), st.just(float("inf")), st.just(float("-inf")),
    st.floats(min_value=MISSING_THRESHOLD, allow_infinity=False, allow_nan=False),
)
specs = st.sampled_from(["%9.0g", "%10.0g", "%8.2f", "%5.3f", "%6.4f", "%9.0gc", "%10.0fc",
                         "%10.3e", "%-9.0g", "%09.2f", "%18.0g"])


@settings(max_examples=300, deadline=None)
@given(x=missing_values, spec=specs)
def test_missing_prints_as_dot(x, spec):
    sp = parse_format(spec)
    out = fmt(x, spec)
    code = missing_code(x)
    assert code == "." or (len(code) == 2 and code[1].isalpha())
    assert out == (code.ljust(sp.width) if sp.align == "left" else code.rjust(sp.width))


MISSING_CODES = [MISSING_THRESHOLD * (1 + k / 4096) for k in range(27)]  # ., .a, ..., .z


@settings(max_examples=300, deadline=None)
@given(i=st.integers(0, 26), j=st.integers(0, 26))
def test_missing_codes_are_monotone(i, j):
    """., .a, ..., .z keep their order when printed (text order agrees with Stata's)."""
    a, b = MISSING_CODES[i], MISSING_CODES[j]
    lo, hi = sorted([a, b])
    assert missing_code(lo) <= missing_code(hi)
    assert missing_code(a) == ("." + chr(96 + i) if i else ".")


def test_other_huge_values_are_plain_missing():
    between = (MISSING_CODES[1] + MISSING_CODES[2]) / 2
    for v in [between, 1e308, float("inf"), -float("inf"), 10 ** 400]:
        assert fmt(v, "%9.0g") == "        ."
