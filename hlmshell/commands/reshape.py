"""reshape long|wide stubnames, i(varlist) j(varname [values]) [string]; the argument-free
`reshape long` / `reshape wide` that go back, and `reshape error` (the observations at fault
after a refused reshape). The numeric core is dataset/reshape.py.

The last reshape's settings (i, j, stubs, string, the form the data are in) are kept on the
session (`session.reshape_settings`), as Stata keeps them with the data: a refused reshape
records them too, so that `reshape error` can say what went wrong.
"""
from __future__ import annotations

import re

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.dataset.reshape import NotUnique, find_j_values, to_long, to_wide
from hlmshell.dataset.varlist import NAME_RE, expand_varlist
from hlmshell.errors import StataError
from hlmshell.render import reshape as _render  # noqa: F401  (registers the Report layout)
from hlmshell.syntax.spec import Spec, split_options

OPTIONS = Spec(", I(string) J(string) STRing")

PICTURE = """
         long                                wide
        +---------------+                   +------------------+
        | i   j   a   b |                   | i   a1 a2  b1 b2 |
        |---------------| <--- reshape ---> |------------------|
        | 1   1   1   2 |                   | 1   1   3   2  4 |
        | 1   2   3   4 |                   | 2   5   7   6  8 |
        | 2   1   5   6 |                   +------------------+
        | 2   2   7   8 |
        +---------------+"""


def _j_values(text: str, string: bool) -> list | None:
    """`j(year 80/82 85)`: the values after the name (numlist ranges for numeric j)."""
    words = text.split()
    if not words:
        return None
    out: list = []
    for w in words:
        if string:
            out.append(w.strip('"'))
            continue
        m = re.match(r"^(-?\d+)/(-?\d+)$", w)
        try:
            if m:
                out.extend(range(int(m.group(1)), int(m.group(2)) + 1))
            else:
                out.append(float(w) if "." in w else int(w))
        except ValueError:
            raise StataError(121, "invalid numlist") from None
    return out


def _settings(session, words: list[str], opts: dict) -> dict:
    if not words:        # `reshape long` / `reshape wide`: the last settings
        prev = getattr(session, "reshape_settings", None)
        if prev is None:
            raise StataError(198, "i() option required" if opts else
                             "data have not been reshaped yet\n"
                             "    specify stubnames, i(varlist) and j(varname)")
        return dict(prev)
    if not opts.get("i"):
        raise StataError(198, "option i() required")
    jtext = opts.get("j") or ""
    jwords = jtext.split(None, 1)
    return {"stubs": words, "i": opts["i"], "j": jwords[0] if jwords else "_j",
            "values": jwords[1] if len(jwords) > 1 else "", "string": bool(opts.get("string"))}


@command("reshape", syntax="raw", help="convert data between wide and long forms")
def reshape(session, raw):
    """reshape long stubnames, i(varlist) [j(varname [values]) string]
        reshape wide stubnames, i(varlist) [j(varname [values]) string]
        reshape long | reshape wide   (back, with the last settings)
        reshape error                 (list the problem observations)
    """
    main, opt_text = split_options(raw.anything)
    opts = OPTIONS.bind_options(opt_text) if opt_text is not None else {}
    words = main.split()
    if not words:
        raise StataError(198, "invalid syntax")
    sub, words = words[0].lower(), words[1:]
    if sub == "error":
        if words or opts:
            raise StataError(198, "invalid syntax")
        return _error_listing(session)
    if sub not in ("long", "wide"):
        raise StataError(198, f"invalid syntax: reshape {sub}")
    data = session.data
    spec = _settings(session, words, opts)
    spec["direction"] = sub
    session.reshape_settings = spec       # kept even when refused: for `reshape error`
    ivars = expand_varlist(spec["i"], data.names)
    if not ivars:
        raise StataError(100, "varlist required")
    j = spec["j"]
    if not NAME_RE.match(j):
        raise StataError(198, f"{j} invalid name")
    stubs = spec["stubs"]
    for stub in stubs:
        if not re.match(r"^[A-Za-z_@][A-Za-z0-9_@]*$", stub) or stub.count("@") > 1:
            raise StataError(198, f"{stub} invalid stub name")
    string = spec["string"]
    values = _j_values(spec["values"], string)
    try:
        if sub == "long":
            found = find_j_values(data.names, stubs, string)
            if values is not None:
                found = [v for v in values if v in set(found)] if found else []
            if not found:
                raise StataError(111, "no xij variables found")
            new, report = to_long(data, stubs, ivars, j, found, string)
        else:
            if j not in data.vars:
                raise StataError(111, f"variable {j} not found")
            new, report = to_wide(data, stubs, ivars, j, values, string)
    except NotUnique as err:
        raise StataError(9, _explain(err, sub, spec)) from None
    new.label, new.filename, new.timestamp = data.label, data.filename, data.timestamp
    new.changed = True
    session.data = new
    return report


def _explain(err: NotUnique, direction: str, spec: dict) -> str:
    ivars, j = spec["i"], spec["j"]
    head = err.message
    if direction == "long":
        body = (f"Your data are currently wide.  You are performing a reshape long.  You "
                f"specified i({ivars}) and j({j}).  In the current wide form, variable "
                f"{ivars} should uniquely identify the observations.  Remember this picture:")
    elif head.startswith("variable"):
        body = (f"Your data are currently long.  You are performing a reshape wide.  You "
                f"typed something like\n\n        . reshape wide a b, i({ivars}) j({j})\n\n"
                f"There are variables other than a, b, {ivars}, {j} in your data.  They must "
                f"be constant within {ivars} because that is the only way they can fit into "
                f"wide data without loss of information.")
    else:
        body = (f"Your data are currently long.  You are performing a reshape wide.  You "
                f"specified i({ivars}) and j({j}).  There are observations within i({ivars}) "
                f"with the same value of j({j}).  In the long data, variables i() and j() "
                f"together must uniquely identify the observations.")
    tail = "Type reshape error for a list of the problem observations."
    import textwrap
    picture = PICTURE + "\n" if not head.startswith("variable") or direction == "long" else ""
    paras = [textwrap.fill(p, 79, initial_indent="    ", subsequent_indent="    ")
             if not p.startswith("        .") else p for p in body.split("\n\n")]
    return f"{head}\n" + "\n\n".join(paras) + f"\n{picture}    {tail}"


def _error_listing(session):
    """The observations that made the last reshape fail (none when it would work)."""
    from hlmshell.commands.describe_list import list_rows
    spec = getattr(session, "reshape_settings", None)
    if spec is None:
        raise StataError(198, "data have not been reshaped yet")
    data = session.data
    ivars = expand_varlist(spec["i"], data.names)
    string = spec["string"]
    try:
        if spec["direction"] == "long":
            found = find_j_values(data.names, spec["stubs"], string)
            to_long(data, spec["stubs"], ivars, spec["j"], found, string)
        else:
            to_wide(data, spec["stubs"], ivars, spec["j"], _j_values(spec["values"], string), string)
    except NotUnique as err:
        rows = np.asarray(err.rows)
        cols = ivars if spec["direction"] == "long" else ivars + [spec["j"]]
        if err.message.startswith("variable") and spec["direction"] == "wide":
            cols = ivars + [err.message.split()[1]]
        head = (f"i ({' '.join(ivars)}) indicates the top-level grouping such as subject id.\n"
                f"{len(rows):,} of {data.nobs:,} observations have "
                + ("duplicate i values:" if spec["direction"] == "long"
                   else ("varying values:" if err.message.startswith("variable")
                         else "repeated j values:")))
        return head + "\n" + list_rows(session, cols, rows)
    return "(reshape error: no problem found; the reshape would work)"
