"""Stata's datetime display formats ([D] Datetime display formats): %td %tc %tw %tm %tq %th
%ty, their defaults and their custom codes (%tdDD/NN/CCYY, %tcHH:MM ...).

Stata's units: %td days since 01jan1960, %tc milliseconds since 01jan1960 00:00:00 (no leap
seconds), %tw weeks (52 a year; week 52 holds the last 8 or 9 days), %tm months, %tq
quarters, %th half-years since 1960, %ty the year itself.
"""
from __future__ import annotations

import datetime as _dt
import math
import re

from hlmshell.errors import StataError

EPOCH = _dt.date(1960, 1, 1)
UNITS = "cdwmqhy"
DEFAULTS = {"c": "DDmonCCYY_HH:MM:SS", "d": "DDmonCCYY", "w": "CCYY!www", "m": "CCYY!mnn",
            "q": "CCYY!qq", "h": "CCYY!hh", "y": "CCYY"}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
# the codes, longest first so that matching is greedy
CODES = sorted(["CC", "cc", "YY", "yy", "JJJ", "jjj", "Mon", "Month", "mon", "month", "NN",
                "nn", "DD", "dd", "DAYNAME", "Dayname", "Day", "Da", "day", "da", "h", "q",
                "WW", "ww", "HH", "Hh", "hH", "hh", "MM", "mm", "SS", "ss", ".sss", ".ss", ".s",
                "am", "pm", "AM", "PM", ".a.m.", ".p.m.", ".A.M.", ".P.M."], key=len, reverse=True)
_DATE_RE = re.compile(r"^%(-)?t([cCdwmqhy])(.*)$")


def parse(spec: str) -> tuple[str, list[str], bool] | None:
    """(unit, tokens, left-aligned) of a %t format, or None when spec is not one; r(120)
    for a %t format with an unknown code."""
    m = _DATE_RE.match(spec.strip())
    if not m:
        return None
    left, unit, body = bool(m.group(1)), m.group(2), m.group(3)
    if unit == "C":
        unit = "c"      # %tC (with leap seconds) is shown as %tc: leap seconds not kept
    return unit, tokens(body or DEFAULTS[unit]), left


def tokens(body: str) -> list[str]:
    out, i = [], 0
    while i < len(body):
        if body[i] == "!" and i + 1 < len(body):
            out.append("!" + body[i + 1])
            i += 2
            continue
        code = next((c for c in CODES if body.startswith(c, i)), None)
        if code is not None:
            out.append(code)
            i += len(code)
        elif body[i] in ".,:-/\\' _+":
            out.append(body[i])
            i += 1
        else:
            raise StataError(120, "invalid %format")
    return out


def _parts(value: float, unit: str):
    """(date, hour, minute, second-with-fraction) of a value in `unit`."""
    hour = minute = 0
    sec = 0.0
    if unit == "c":
        ms = math.floor(value + 0.5)
        days, rem = divmod(ms, 86_400_000)
        hour, rem = divmod(rem, 3_600_000)
        minute, rem = divmod(rem, 60_000)
        sec = rem / 1000
        d = EPOCH + _dt.timedelta(days=int(days))
    elif unit == "d":
        d = EPOCH + _dt.timedelta(days=math.floor(value))
    elif unit == "w":
        y, w = divmod(math.floor(value), 52)
        d = _dt.date(1960 + y, 1, 1) + _dt.timedelta(days=7 * w)
    elif unit == "m":
        y, mth = divmod(math.floor(value), 12)
        d = _dt.date(1960 + y, mth + 1, 1)
    elif unit == "q":
        y, q = divmod(math.floor(value), 4)
        d = _dt.date(1960 + y, 3 * q + 1, 1)
    elif unit == "h":
        y, h = divmod(math.floor(value), 2)
        d = _dt.date(1960 + y, 6 * h + 1, 1)
    else:
        d = _dt.date(math.floor(value), 1, 1)
    return d, hour, minute, sec


def week_of(d: _dt.date) -> int:
    return min((d.timetuple().tm_yday - 1) // 7 + 1, 52)


def render(value: float, unit: str, toks: list[str]) -> str:
    try:
        d, hh, mm, ss = _parts(value, unit)
    except (ValueError, OverflowError):
        return "."
    dow = (d.weekday() + 1) % 7          # Sunday = 0, as Stata's dow()
    out = []
    for t in toks:
        if t.startswith("!"):
            out.append(t[1])
        elif t == "_":
            out.append(" ")
        elif t == "+":
            continue
        elif len(t) == 1 and t not in "hq":
            out.append(t)
        else:
            out.append(_code(t, d, dow, hh, mm, ss))
    return "".join(out)


def _code(t, d, dow, hh, mm, ss) -> str:
    y = d.year
    simple = {
        "CC": f"{y // 100:02d}", "cc": str(y // 100), "YY": f"{y % 100:02d}", "yy": str(y % 100),
        "JJJ": f"{d.timetuple().tm_yday:03d}", "jjj": str(d.timetuple().tm_yday),
        "Mon": MONTHS[d.month - 1][:3], "Month": MONTHS[d.month - 1],
        "mon": MONTHS[d.month - 1][:3].lower(), "month": MONTHS[d.month - 1].lower(),
        "NN": f"{d.month:02d}", "nn": str(d.month), "DD": f"{d.day:02d}", "dd": str(d.day),
        "DAYNAME": DAYS[dow], "Dayname": DAYS[dow], "Day": DAYS[dow][:3], "Da": DAYS[dow][:2],
        "day": DAYS[dow][:3].lower(), "da": DAYS[dow][:2].lower(),
        "h": str((d.month - 1) // 6 + 1), "q": str((d.month - 1) // 3 + 1),
        "WW": f"{week_of(d):02d}", "ww": str(week_of(d)),
        "HH": f"{hh:02d}", "hH": str(hh), "Hh": f"{(hh % 12) or 12:02d}",
        "hh": str((hh % 12) or 12), "MM": f"{mm:02d}", "mm": str(mm),
        "SS": f"{int(ss):02d}", "ss": str(int(ss)),
        "am": "am" if hh < 12 else "pm", "pm": "am" if hh < 12 else "pm",
        "AM": "AM" if hh < 12 else "PM", "PM": "AM" if hh < 12 else "PM",
        ".a.m.": "a.m." if hh < 12 else "p.m.", ".p.m.": "a.m." if hh < 12 else "p.m.",
        ".A.M.": "A.M." if hh < 12 else "P.M.", ".P.M.": "A.M." if hh < 12 else "P.M.",
    }
    if t in simple:
        return simple[t]
    digits = len(t) - 1                   # .s .ss .sss: the fraction of the second
    frac = int(round((ss - int(ss)) * 10 ** digits))
    return "." + f"{min(frac, 10 ** digits - 1):0{digits}d}"
