"""`numlist "list"` ([P] numlist: r(numlist), no output) and `timer` ([P] timer: clear, on,
off, list with r(t#) and r(nt#))."""
from __future__ import annotations

import time

from hlmshell.commands.registry import Registry, command
from hlmshell.errors import StataError
from hlmshell.render.formats import fmt, full_precision
from hlmshell.returns import Returns
from hlmshell.syntax.numlist import parse_numlist
from hlmshell.syntax.spec import unquote


@command("numlist", abbrev="numlist",
         syntax="anything [, Ascending Descending Integer MIssingokay min(integer) "
                "max(integer) Range(string) Sort]",
         help="expand a numeric list into r(numlist)")
def numlist_cmd(session, args):
    """numlist "numlist" [, ascending integer min(#) max(#) sort]"""
    for refused in ("descending", "missingokay", "range"):
        if refused in args.options:
            suffix = "()" if refused == "range" else ""
            raise StataError(198, f"option {refused}{suffix} not allowed")
    text = args.anything.strip()
    if not text:
        raise StataError(198, "invalid syntax")
    o = args.options
    values = parse_numlist(unquote(text), integer=bool(o.get("integer")),
                           ascending=bool(o.get("ascending")), min=o.get("min"),
                           max=o.get("max"), sort=bool(o.get("sort")))
    session.r = Returns(macros={"numlist": " ".join(full_precision(v) for v in values)})


# --- timer ------------------------------------------------------------------------------
TIMER = Registry("subcommand")
_MAX_TIMER = 100


def _timers(session) -> dict:
    """timer number -> [seconds so far, times switched off, start or None]."""
    timers = getattr(session, "timers", None)
    if timers is None:
        timers = session.timers = {}
    return timers


def _number(text: str, required: bool) -> int | None:
    words = text.split()
    if not words:
        if required:
            raise StataError(198, "invalid syntax")
        return None
    if len(words) > 1:
        raise StataError(198, "invalid syntax")
    try:
        n = int(words[0])
    except ValueError:
        raise StataError(198, "invalid syntax") from None
    if not 1 <= n <= _MAX_TIMER:
        raise StataError(198, f"timer number must be between 1 and {_MAX_TIMER}")  # unconfirmed
    return n


@command("timer", abbrev="timer", syntax="raw", help="time sections of a do-file")
def timer_cmd(session, args):
    """timer clear [#] | timer on # | timer off # | timer list [#]"""
    words = args.body.split(None, 1)
    if not words:
        raise StataError(198, "invalid syntax")
    return TIMER.lookup(words[0]).handler(session, words[1] if len(words) > 1 else "")


@TIMER.command("clear", abbrev="clear", syntax="raw", help="timer clear [#]")
def timer_clear(session, text: str):
    n = _number(text, False)
    timers = _timers(session)
    if n is None:
        timers.clear()
    else:
        timers.pop(n, None)


@TIMER.command("on", abbrev="on", syntax="raw", help="timer on #")
def timer_on(session, text: str):
    entry = _timers(session).setdefault(_number(text, True), [0.0, 0, None])
    if entry[2] is None:          # on while already on keeps the first start
        entry[2] = time.perf_counter()


@TIMER.command("off", abbrev="off", syntax="raw", help="timer off #")
def timer_off(session, text: str):
    entry = _timers(session).get(_number(text, True))
    if entry is not None and entry[2] is not None:
        entry[0] += time.perf_counter() - entry[2]
        entry[1] += 1
        entry[2] = None


@TIMER.command("list", abbrev="list", syntax="raw", help="timer list [#]")
def timer_list(session, text: str):
    n = _number(text, False)
    timers = _timers(session)
    shown = sorted(timers) if n is None else [n]
    now = time.perf_counter()
    lines, scalars = [], {}
    for k in shown:
        total, count, start = timers.get(k, [0.0, 0, None])
        if start is not None:       # a running timer counts up to now, as Stata lists it
            total, count = total + now - start, count + 1
        scalars[f"t{k}"], scalars[f"nt{k}"] = float(round(total, 3)), float(count)
        mean = total / count if count else 0.0
        lines.append(f"{k:>4}: {fmt(total, '%9.2f')} / {fmt(count, '%8.0f')} = "
                     f"{fmt(mean, '%12.4f')}")
    session.r = Returns(scalars=scalars)
    return "\n".join(lines) if lines else None
