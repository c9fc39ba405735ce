"""Stata's datetime functions ([FN] Date and time functions) on its units (render/datetime):
date() and clock() from strings with a mask, mdy() ym() yq() yh() yw() mdyhms() dhms() hms(),
the parts (year month day dow doy week quarter halfyear hh mm ss), and the conversions
between units (dofm mofd dofq qofd dofh hofd dofw wofd dofy yofd dofc cofd).
Missing in, missing out; an impossible date (31feb) is missing."""
from __future__ import annotations

import datetime as _dt
import math
import re

import numpy as np

from hlmshell.dataset.functions import _apply, _num, _register
from hlmshell.errors import StataError
from hlmshell.render.datetime import EPOCH, MONTHS, week_of

_MS_DAY = 86_400_000
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[A-Za-z]+")


def _days(d: _dt.date) -> float:
    return float((d - EPOCH).days)


def _date(value) -> _dt.date | None:
    if value is None or not math.isfinite(value):
        return None
    try:
        return EPOCH + _dt.timedelta(days=math.floor(value))
    except OverflowError:
        return None


def _mdy(m, d, y) -> float:
    if any(v is None or not math.isfinite(v) or v != math.floor(v) for v in (m, d, y)):
        return math.nan
    try:
        return _days(_dt.date(int(y), int(m), int(d)))
    except ValueError:
        return math.nan


def _numeric(fn, *arrays):
    return _num(_apply(lambda *xs: fn(*[float(x) for x in xs]), *arrays).astype(float))


# ----------------------------------------------------------------------- from strings
def _mask(mask: str) -> list[tuple[str, int | None]]:
    """'MD19Y' -> [('M', None), ('D', None), ('Y', 19)]; letters D M Y (and h m s for
    clock()), a century before Y."""
    out, i = [], 0
    mask = mask.replace(" ", "")
    while i < len(mask):
        m = re.match(r"(\d\d)?([DMYhms#])", mask[i:])
        if m is None:
            raise StataError(198, f'invalid mask "{mask}"')     # text unconfirmed
        out.append((m.group(2), int(m.group(1)) if m.group(1) else None))
        i += m.end()
    return out


def _month(word: str) -> int | None:
    w = word.lower()
    for k, name in enumerate(MONTHS, 1):
        if len(w) >= 3 and name.lower().startswith(w):
            return k
    return None


def _split_digits(tok: str, parts) -> list[str] | None:
    """A run of digits holding several fields ('20200131' for YMD): Y takes 4 digits (2
    with a century), the others 2."""
    widths = [2 if p != "Y" or c is not None else 4 for p, c in parts]
    if sum(widths) != len(tok):
        widths = [2 if p == "Y" else w for w, (p, _) in zip(widths, parts)]
        if sum(widths) != len(tok):
            return None
    out, i = [], 0
    for w in widths:
        out.append(tok[i:i + w])
        i += w
    return out


def _fields(s: str, parts):
    toks = _TOKEN.findall(s)
    toks = [t for t in toks if not (t.isalpha() and _month(t) is None and
                                    t.lower() not in ("am", "pm"))]
    ampm = [t.lower() for t in toks if t.lower() in ("am", "pm")]
    toks = [t for t in toks if t.lower() not in ("am", "pm")]
    if len(toks) == 1 and toks[0].isdigit() and len(parts) > 1:
        toks = _split_digits(toks[0], parts) or toks
    if len(toks) != len(parts):
        return None, None
    return dict(zip([p for p, _ in parts], zip(toks, [c for _, c in parts]))), ampm


def _year(text: str, century, topyear) -> int | None:
    if not text.isdigit():
        return None
    y = int(text)
    if len(text) <= 2:
        if century is not None:
            return century * 100 + y
        if topyear is None or not math.isfinite(topyear):
            return None
        top = int(topyear)
        cand = (top // 100) * 100 + y
        return cand if cand <= top else cand - 100
    return y


def _ymd(fields, topyear):
    ytext, century = fields["Y"]
    y = _year(ytext, century, topyear)
    mtext = fields["M"][0]
    m = int(mtext) if mtext.isdigit() else _month(mtext)
    dtext = fields["D"][0]
    if y is None or m is None or not dtext.isdigit():
        return None
    try:
        return _dt.date(y, m, int(dtext))
    except ValueError:
        return None


def _date_of(s, mask, topyear=None) -> float:
    parts = _mask(mask)
    if sorted(p for p, _ in parts) != ["D", "M", "Y"]:
        raise StataError(198, f'invalid mask "{mask}"')
    fields, _ = _fields(str(s), parts)
    d = _ymd(fields, topyear) if fields else None
    return math.nan if d is None else _days(d)


def _clock_of(s, mask, topyear=None) -> float:
    parts = _mask(mask)
    letters = [p for p, _ in parts]
    if not set(letters) <= set("DMYhms") or len(set(letters)) != len(letters):
        raise StataError(198, f'invalid mask "{mask}"')
    fields, ampm = _fields(str(s).replace(":", " "), parts)
    if not fields:
        return math.nan
    days = 0.0
    if "Y" in fields:
        if not {"D", "M"} <= set(fields):
            raise StataError(198, f'invalid mask "{mask}"')
        d = _ymd(fields, topyear)
        if d is None:
            return math.nan
        days = _days(d)
    try:
        h = float(fields["h"][0]) if "h" in fields else 0.0
        mi = float(fields["m"][0]) if "m" in fields else 0.0
        sec = float(fields["s"][0]) if "s" in fields else 0.0
    except ValueError:
        return math.nan
    if ampm:
        if h > 12:
            return math.nan
        h = h % 12 + (12 if ampm[0] == "pm" else 0)
    if not (0 <= h < 24 and 0 <= mi < 60 and 0 <= sec < 61):
        return math.nan
    return days * _MS_DAY + round(((h * 60 + mi) * 60 + sec) * 1000)


@_register("date", 2, 3, "ssn")
def _date_fn(s, mask, topyear=None):
    masks = np.asarray(mask, dtype=object)
    top = topyear if topyear is not None else np.nan
    return _num(_apply(lambda a, m, t: _date_of(a, m, t if math.isfinite(float(t)) else None),
                       s, masks, top).astype(float))


@_register("clock", 2, 3, "ssn")
def _clock_fn(s, mask, topyear=None):
    top = topyear if topyear is not None else np.nan
    return _num(_apply(lambda a, m, t: _clock_of(a, m, t if math.isfinite(float(t)) else None),
                       s, np.asarray(mask, dtype=object), top).astype(float))


# ------------------------------------------------------------------ from numbers
_register("mdy", 3, 3, "n")(lambda m, d, y: _numeric(_mdy, m, d, y))


def _whole(*xs) -> bool:
    return all(math.isfinite(x) and x == math.floor(x) for x in xs)


_register("ym", 2, 2, "n")(lambda y, m: _numeric(
    lambda y, m: (y - 1960) * 12 + m - 1 if _whole(y, m) and 1 <= m <= 12 else math.nan, y, m))
_register("yq", 2, 2, "n")(lambda y, q: _numeric(
    lambda y, q: (y - 1960) * 4 + q - 1 if _whole(y, q) and 1 <= q <= 4 else math.nan, y, q))
_register("yh", 2, 2, "n")(lambda y, h: _numeric(
    lambda y, h: (y - 1960) * 2 + h - 1 if _whole(y, h) and 1 <= h <= 2 else math.nan, y, h))
_register("yw", 2, 2, "n")(lambda y, w: _numeric(
    lambda y, w: (y - 1960) * 52 + w - 1 if _whole(y, w) and 1 <= w <= 52 else math.nan, y, w))


def _hms_ms(h, m, s) -> float:
    if not all(math.isfinite(v) for v in (h, m, s)):
        return math.nan
    return round(((h * 60 + m) * 60 + s) * 1000)


_register("hms", 3, 3, "n")(lambda h, m, s: _numeric(_hms_ms, h, m, s))
_register("dhms", 4, 4, "n")(lambda d, h, m, s: _numeric(
    lambda d, h, m, s: d * _MS_DAY + _hms_ms(h, m, s) if math.isfinite(d) else math.nan,
    d, h, m, s))
_register("mdyhms", 6, 6, "n")(lambda mo, d, y, h, m, s: _numeric(
    lambda mo, d, y, h, m, s: _mdy(mo, d, y) * _MS_DAY + _hms_ms(h, m, s),
    mo, d, y, h, m, s))


# ----------------------------------------------------------------------- parts
def _part(fn):
    def impl(x):
        return _numeric(lambda v: (lambda d: math.nan if d is None else float(fn(d)))(_date(v)),
                        x)
    return impl


for _name, _fn in (("year", lambda d: d.year), ("month", lambda d: d.month),
                   ("day", lambda d: d.day), ("dow", lambda d: (d.weekday() + 1) % 7),
                   ("doy", lambda d: d.timetuple().tm_yday), ("week", week_of),
                   ("quarter", lambda d: (d.month - 1) // 3 + 1),
                   ("halfyear", lambda d: (d.month - 1) // 6 + 1)):
    _register(_name, 1, 1, "n")(_part(_fn))


def _tc_part(divisor, modulus):
    return lambda x: _numeric(
        lambda v: float((math.floor(v / divisor)) % modulus) if math.isfinite(v) else math.nan,
        x)


_register("hh", 1, 1, "n")(_tc_part(3_600_000, 24))
_register("mm", 1, 1, "n")(_tc_part(60_000, 60))
_register("ss", 1, 1, "n")(lambda x: _numeric(
    lambda v: (v % 60_000) / 1000 if math.isfinite(v) else math.nan, x))


# ------------------------------------------------------------------- conversions
def _from_day(fn):
    return lambda x: _numeric(lambda v: (lambda d: math.nan if d is None else float(fn(d)))(
        _date(v)), x)


def _to_day(fn):
    def impl(x):
        def one(v):
            if not math.isfinite(v):
                return math.nan
            try:
                return _days(fn(math.floor(v)))
            except (ValueError, OverflowError):
                return math.nan
        return _numeric(one, x)
    return impl


_register("mofd", 1, 1, "n")(_from_day(lambda d: (d.year - 1960) * 12 + d.month - 1))
_register("qofd", 1, 1, "n")(_from_day(lambda d: (d.year - 1960) * 4 + (d.month - 1) // 3))
_register("hofd", 1, 1, "n")(_from_day(lambda d: (d.year - 1960) * 2 + (d.month - 1) // 6))
_register("wofd", 1, 1, "n")(_from_day(lambda d: (d.year - 1960) * 52 + week_of(d) - 1))
_register("yofd", 1, 1, "n")(_from_day(lambda d: d.year))
_register("dofm", 1, 1, "n")(_to_day(lambda m: _dt.date(1960 + m // 12, m % 12 + 1, 1)))
_register("dofq", 1, 1, "n")(_to_day(lambda q: _dt.date(1960 + q // 4, 3 * (q % 4) + 1, 1)))
_register("dofh", 1, 1, "n")(_to_day(lambda h: _dt.date(1960 + h // 2, 6 * (h % 2) + 1, 1)))
_register("dofw", 1, 1, "n")(_to_day(
    lambda w: _dt.date(1960 + w // 52, 1, 1) + _dt.timedelta(days=7 * (w % 52))))
_register("dofy", 1, 1, "n")(_to_day(lambda y: _dt.date(y, 1, 1)))
_register("dofc", 1, 1, "n")(lambda x: _numeric(
    lambda v: float(math.floor(v / _MS_DAY)) if math.isfinite(v) else math.nan, x))
_register("cofd", 1, 1, "n")(lambda x: _numeric(
    lambda v: v * _MS_DAY if math.isfinite(v) else math.nan, x))
