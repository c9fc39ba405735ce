"""Stata display formats: %w.dg, %w.df, %w.de, their comma variants, and %ws.

Pure functions; the only input types are Python numbers (numpy scalars work because they
convert with float()), None, and strings.

Sources for the rules (see tests/render/test_formats.py for the examples behind each):

* [R8]  docs/stata-reference.md section 8.2 (the handout's printed numbers).
* [FMT] Stata's format.sthlp (Stata 16): %12.0g examples, the example table
        (%9.0gc 3567890 -> 3567890, %9.2f 3567890 -> 3.57e+06, %09.2f, %9.2e).
* [WG]  W. Gould on Statalist, 2003-04 and 2003-07: "%g and %gc put aside two of the
        positions for a sign and for a decimal point"; so %12.0gc has 10 positions for
        digits and commas, and %12.0g shows 3141592654 but 3.14159e+10.

The %w.0g rule implemented here:

* fixed notation may use at most w-2 digits (commas count as digits for %gc); it takes as
  many decimals as fit, drops the leading 0 of "0.xxx" and trailing zeros and dot;
* e-notation may use w-1 characters (one is reserved for the sign); its mantissa fills them
  and keeps trailing zeros (4.80e-06);
* e-notation is chosen when the integer part does not fit, or when it shows strictly more
  significant digits than fixed notation (ties stay fixed: .0000493 but 4.80e-06).

Section 8.2's "at most w-1 characters" agrees with this for every number with a decimal
point; for bare integers [WG]/[FMT] show the w-2 digit limit (%12.0g: 5231371222 but
5.23137e+10 for 52313712223).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from hlmshell.errors import StataError

__all__ = [
    "FormatSpec", "parse_format", "is_format", "fmt", "fmt_g", "fmt_f", "fmt_fc", "comma_int",
    "display_number", "full_precision", "abbrev", "is_missing", "missing_code",
    "MISSING_THRESHOLD",
]

# Stata's system missing value "." as a double is 2**1023 (8.988e307); .a-.z lie above it.
MISSING_THRESHOLD = 2.0 ** 1023

_NUM_RE = re.compile(r"^%(-)?(0)?(\d+)([.,])(\d+)([gfe])(c)?$")
_STR_RE = re.compile(r"^%([-~])?(\d+)s$")
_MISSING_TEXT_RE = re.compile(r"^\.[a-z]?$")


@dataclass(frozen=True)
class FormatSpec:
    kind: str            # "g", "f", "e" or "s"
    width: int
    decimals: int = 0
    comma: bool = False  # thousands separators (gc, fc)
    align: str = "right"  # "right", "left" or "center" (center: strings only)
    zero_pad: bool = False  # %09.2f
    decimal_comma: bool = False  # %9,2f: "," is the decimal point and "." the separator
    date: tuple | None = None    # kind "t": (unit, tokens) of a %t format (render/datetime)


@lru_cache(maxsize=512)     # a table prints the same few formats hundreds of times
def parse_format(spec: str) -> FormatSpec:
    """Parse a Stata display format; r(120) for anything that is not one we support."""
    s = spec.strip()
    m = _NUM_RE.match(s)
    if m:
        minus, zero, w, point, d, kind, c = m.groups()
        if c and kind == "e":
            raise StataError(120, "invalid %format")
        width, decimals = int(w), int(d)
        if width < 1:
            raise StataError(120, "invalid %format")
        return FormatSpec(kind, width, decimals, comma=bool(c),
                          align="left" if minus else "right", zero_pad=bool(zero),
                          decimal_comma=(point == ","))
    m = _STR_RE.match(s)
    if m:
        flag, w = m.groups()
        align = {"-": "left", "~": "center"}.get(flag or "", "right")
        return FormatSpec("s", int(w), align=align)
    from hlmshell.render import datetime as dt
    parsed = dt.parse(s)
    if parsed is not None:
        unit, toks, left = parsed
        # no width of its own: a date is shown as long as its text (list aligns columns)
        return FormatSpec("t", 0, align="left" if left else "right", date=(unit, tuple(toks)))
    raise StataError(120, "invalid %format")


def is_format(spec: str) -> bool:
    try:
        parse_format(spec)
    except StataError:
        return False
    return True


# ----------------------------------------------------------------------------- missing

def is_missing(x) -> bool:
    """None, NaN, infinities and values >= 2**1023 (Stata's ., .a, ..., .z) are missing."""
    if x is None:
        return True
    if isinstance(x, str):
        return bool(_MISSING_TEXT_RE.match(x))
    try:
        v = float(x)
    except OverflowError:  # a Python int beyond the double range
        return True
    return not math.isfinite(v) or v >= MISSING_THRESHOLD


def missing_code(x) -> str:
    """The text of a missing value: "." or ".a"-".z".

    Extended missing values are stored as doubles 2**1023 * (1 + k/4096), k = 1..26 for
    .a-.z (the .dta encoding 0x7fe0000000000000 + k * 0x10000000000) [I]. Any other value
    at or above 2**1023 (e.g. an overflowed result) is plain ".".
    """
    if isinstance(x, str):
        return x
    if x is None:
        return "."
    try:
        v = float(x)
    except OverflowError:
        return "."
    if math.isnan(v):   # .a-.z held as NaN payloads (dataset/missing.py)
        from hlmshell.dataset.missing import text
        return text(v)
    if not math.isfinite(v):
        return "."
    k = (v / MISSING_THRESHOLD - 1.0) * 4096  # exact: scaling by powers of two
    return "." + chr(96 + int(k)) if k.is_integer() and 1 <= k <= 26 else "."


# ----------------------------------------------------------------------------- helpers

def _group(intpart: str, sep: str = ",") -> str:
    """Insert thousands separators into a string of digits."""
    head = len(intpart) % 3 or 3
    parts = [intpart[:head]] + [intpart[i:i + 3] for i in range(head, len(intpart), 3)]
    return sep.join(parts)


def _n_commas(ndigits: int) -> int:
    return (ndigits - 1) // 3 if ndigits > 0 else 0


def _strip_fixed(intpart: str, frac: str, comma: bool) -> str:
    """Stata's %g look: no leading 0 before the point, no trailing zeros or point."""
    frac = frac.rstrip("0")
    if intpart == "0":
        intpart = ""
    if comma and intpart:
        intpart = _group(intpart)
    if frac:
        return intpart + "." + frac
    return intpart or "0"


def _g_fixed(a: float, budget: int, comma: bool, max_dec: int | None, sig_cap: int | None):
    """Fixed candidate for %g: (text, significant digits) or None if it cannot fit.

    `budget` = digits (plus commas if `comma`) allowed; decimals are as many as fit.
    """
    intdigits = 0 if a < 1 else len(f"{a:.0f}")
    dec = budget - intdigits - (_n_commas(intdigits) if comma else 0)
    if dec < 0:
        return None
    if max_dec is not None:
        dec = min(dec, max_dec)
    if sig_cap is not None and 0 < a < 1:
        # d significant digits for |x| < 1: decimals = leading zeros + d
        lead = -math.floor(math.log10(a)) - 1
        dec = min(dec, lead + sig_cap)
    while dec >= 0:
        s = f"{a:.{dec}f}"
        intpart, _, frac = s.partition(".")
        shown_int = "" if intpart == "0" else intpart
        used = len(shown_int) + len(frac) + (_n_commas(len(shown_int)) if comma else 0)
        if used <= budget:
            sig = len((shown_int + frac).lstrip("0"))
            return _strip_fixed(intpart, frac, comma), sig
        dec -= 1  # rounding carried into a new integer digit
    return None


def _g_exp(a: float, room: int, max_md: int | None = None):
    """E-notation candidate: the mantissa fills `room` characters. (text, sig) or None."""
    top = room if max_md is None else min(room, max_md)
    for md in range(max(top, 0), -1, -1):
        s = f"{a:.{md}e}"
        if len(s) <= room:
            return s, md + 1
    return None


def _general(a: float, spec: FormatSpec) -> str:
    """Magnitude text (no sign) of a finite a >= 0 in %w.dg / %w.dgc."""
    if a == 0:
        return "0"
    w, d = spec.width, spec.decimals
    budget = max(w - 2, 1)  # [WG]: two positions set aside for sign and point
    room = max(w - 1, 1)    # e-notation: everything but the sign
    max_dec = d if (d > 0 and a >= 1) else None  # %w.dg, d>0: at most d decimals [FMT] [I]
    sig_cap = d if d > 0 else None              # ... and d significant digits below 1 [WG]
    max_md = (d - 1) if d > 0 else None
    fixed = None
    if spec.comma:
        fixed = _g_fixed(a, budget, True, max_dec, sig_cap)
    if fixed is None:  # %gc falls back to no commas when they do not fit [WG]
        fixed = _g_fixed(a, budget, False, max_dec, sig_cap)
    expo = _g_exp(a, room, max_md)
    if fixed is not None and (expo is None or fixed[1] >= expo[1]) and fixed[1] > 0:
        return fixed[0]
    if expo is not None:
        return expo[0]
    if fixed is not None and a >= 1:
        return fixed[0]
    return f"{a:.0e}"  # nothing fits: widen rather than truncate


def _fixed_text(a: float, d: int, comma: bool) -> str:
    s = f"{a:.{d}f}"
    if comma:
        intpart, dot, frac = s.partition(".")
        s = _group(intpart) + dot + frac
    return s


def _is_zero_text(t: str) -> bool:
    return not any(ch in "123456789" for ch in t.split("e")[0])


def _justify(text: str, spec: FormatSpec, zero_ok: bool = False) -> str:
    w = spec.width
    if len(text) >= w:
        return text
    if spec.align == "left":
        return text.ljust(w)
    if spec.align == "center":
        left = (w - len(text)) // 2
        return (" " * left + text).ljust(w)
    if spec.zero_pad and zero_ok:
        sign = "-" if text.startswith("-") else ""
        body = text[len(sign):]
        return sign + body.rjust(w - len(sign), "0")
    return text.rjust(w)


def _swap_points(text: str) -> str:
    return text.translate(str.maketrans({".": ",", ",": "."}))


# ----------------------------------------------------------------------------- fmt

def fmt(x, spec: str | FormatSpec) -> str:
    """Render x with a Stata display format, e.g. fmt(.2747390, "%9.0g") == "  .274739".

    Missing values (None, NaN, inf, >= 2**1023) print as "." (or ".a"...) justified like
    numbers. When a number cannot fit, the result is wider than w, never truncated.
    """
    sp = spec if isinstance(spec, FormatSpec) else parse_format(spec)
    if sp.kind == "s":
        if x is None:
            return _justify("", sp)
        if not isinstance(x, str):
            raise StataError(109, "type mismatch")
        return _justify(x, sp)
    if isinstance(x, str):
        if _MISSING_TEXT_RE.match(x):
            return _justify(x, sp)
        raise StataError(109, "type mismatch")
    if is_missing(x):
        return _justify(missing_code(x), sp)
    if sp.kind == "t":
        from hlmshell.render.datetime import render
        return _justify(render(float(x), sp.date[0], list(sp.date[1])), sp)
    v = float(x)
    a = abs(v)
    zero_ok = False
    if sp.kind == "g":
        body = _general(a, sp)
    elif sp.kind == "e":
        body = f"{a:.{sp.decimals}e}"
    else:  # "f"
        zero_ok = True
        body = _fixed_text(a, sp.decimals, sp.comma)
        sign_len = 1 if (v < 0) else 0
        if len(body) + sign_len > sp.width and sp.comma:
            body = _fixed_text(a, sp.decimals, False)  # [I] drop the commas first
        if len(body) + sign_len > sp.width:
            # [FMT]: %9.2f of 3567890 prints 3.57e+06; if even that cannot fit, widen.
            expo = _g_exp(a, max(sp.width - 1, 1))
            if expo is not None:
                body, zero_ok = expo[0], False
    negative = v < 0 and not (sp.kind == "g" and _is_zero_text(body))
    text = ("-" if negative else "") + body
    if sp.decimal_comma:
        text = _swap_points(text)
    return _justify(text, sp, zero_ok)


# ----------------------------------------------------------------------------- shortcuts

def fmt_g(x, w: int = 9) -> str:
    """%w.0g (right-justified in w)."""
    return fmt(x, f"%{w}.0g")


def fmt_f(x, w: int, d: int) -> str:
    """%w.df (right-justified in w)."""
    return fmt(x, f"%{w}.{d}f")


def fmt_fc(x, w: int, d: int = 0) -> str:
    """%w.dfc: fixed with thousands commas."""
    return fmt(x, f"%{w}.{d}fc")


def comma_int(n) -> str:
    """An integer with thousands commas and no padding: 7185 -> "7,185"."""
    if is_missing(n):
        return missing_code(n)
    v = float(n)
    text = _fixed_text(abs(v), 0, True)
    return "-" + text if v < 0 and text.strip("0,") else text


def display_number(x) -> str:
    """What `display` prints for a bare number: %10.0g, trimmed.

    Examples from the handout: 8.5535197, .17931188, .2307748, .83333333. Large and small
    numbers switch to e-notation by the same %10.0g rule, e.g. 1e12 -> 1.000e+12 (the
    mantissa fills 9 characters) and 123456789 -> 1.235e+08 (at most 8 digits in fixed
    notation, [WG]); section 8.3 of the reference says display "behaves like %10.0g".
    """
    return fmt(x, "%10.0g").strip()


def full_precision(x) -> str:
    """How `ereturn list`, `return list` and `scalar list` print a scalar: %18.0g, trimmed.

    That is up to 16 significant digits in fixed notation (-23557.90510815813,
    983.9218208056773) and a 17-character e-notation otherwise (2.8059555978e-216).
    """
    return fmt(x, "%18.0g").strip()


# ----------------------------------------------------------------------------- names

def abbrev(name: str, n: int) -> str:
    """Stata's abbrev(s, n): first n-2 characters + "~" + the last one.

    n < 5 counts as 5; a name containing "." with n < 8 counts as n = 8 (f_abbrev.ihlp).
    """
    if "." in name and n < 8:
        n = 8
    n = max(n, 5)
    if len(name) <= n:
        return name
    return name[: n - 2] + "~" + name[-1]
