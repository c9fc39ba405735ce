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
    typed = bool(words)
    try:
        if sub == "long":
            if j in data.vars:
                if not typed:
                    return "(already long)"
                raise StataError(110, f"variable {j} already exists\n    Data are already long.")
            found = find_j_values(data.names, stubs, string)
            if values is not None:
                found = [v for v in values if v in set(found)] if found else []
            if not found:
                raise StataError(111, "no xij variables found")
            new, report = to_long(data, stubs, ivars, j, found, string,
                                  labels=spec.get("labels"))
        else:
            if j not in data.vars:
                if not typed:
                    return "(already wide)"
                if j == "_j":
                    raise StataError(198, "option j() required")
                raise StataError(111, f"variable {j} not found\n    Data are already wide.")
            labels = {s_.replace("@", ""): data.var(s_.replace("@", "")).label
                      for s_ in stubs if s_.replace("@", "") in data.vars}
            new, report = to_wide(data, stubs, ivars, j, values, string)
            spec["labels"] = labels            # restored by the reshape long that undoes it
    except NotUnique as err:
        raise StataError(9, _explain(err, sub, spec)) from None
    new.label, new.filename, new.timestamp = data.label, data.filename, data.timestamp
    new.value_labels = dict(data.value_labels)
    for name, var in new.vars.items():
        if name in data.vars:
            var.value_label = data.var(name).value_label
    new.changed = True
    session.data = new
    return report


def _para(text: str) -> str:
    """A {p 4 4 2} paragraph at the line size."""
    import textwrap
    return textwrap.fill(text, 79, initial_indent="    ", subsequent_indent="    ")


def _explain(err: NotUnique, direction: str, spec: dict) -> str:
    """reshape.ado's explanation of an r(9)."""
    ivars, j = spec["i"], spec["j"]
    head = err.message
    if direction == "long":
        return "\n".join([head, _para(
            f"Your data are currently wide. You are performing a reshape long. You specified "
            f"i({ivars}) and j({j}). In the current wide form, variable {ivars} should uniquely "
            "identify the observations. Remember this picture:"), PICTURE,
            _para("Type reshape error for a list of the problem observations.")])
    if head.startswith("variable"):
        return "\n".join([head, _para(
            "Your data are currently long. You are performing a reshape wide. You typed "
            "something like"), "", f"        . reshape wide a b, i({ivars}) j({j})", "",
            _para(f"There are variables other than a, b, {ivars}, {j} in your data. They must "
                  f"be constant within {ivars} because that is the only way they can fit into "
                  "wide data without loss of information."), "",
            _para(f"The variable or variables listed above are not constant within {ivars}. "
                  "Perhaps the values are in error. Type reshape error for a list of the "
                  "problem observations."), "",
            _para("Either that, or the values vary because they should vary, in which case "
                  "you must either add the variables to the list of xij variables to be "
                  "reshaped, or drop them.")])
    return "\n".join([head, _para(
        f"Your data are currently long. You are performing a reshape wide. You specified "
        f"i({ivars}) and j({j}). There are observations within i({ivars}) with the same value "
        f"of j({j}). In the long data, variables i() and j() together must uniquely identify "
        "the observations."), PICTURE,
        _para("Type reshape error for a list of the problem variables.")])


def _error_listing(session):
    """reshape error: the observations at fault (long data when the j variable exists);
    the data are left sorted by i (and j), as reshape.ado leaves them."""
    from hlmshell.commands.describe_list import list_rows
    from hlmshell.dataset.groups import group_ids, sort_order
    spec = getattr(session, "reshape_settings", None)
    if spec is None:
        raise StataError(198, "data have not been reshaped yet")
    data = session.data
    ivars = expand_varlist(spec["i"], data.names)
    itext, j = " ".join(ivars), spec["j"]
    msg_i = f"i ({itext}) indicates the top-level grouping such as subject id."
    if j not in data.vars:                                  # wide: i must be unique
        data.take(sort_order(data, ivars), sortedby=list(ivars))
        ids = group_ids(data, ivars)
        bad = np.bincount(ids)[ids] > 1 if data.nobs else np.zeros(0, bool)
        if not bad.any():
            return f"{itext} is unique; there is no problem on this score"
        return "\n".join(["", msg_i, "", "The data are currently in the wide form; there should "
                           "be a single", "observation per i.", "",
                           f"{int(bad.sum())} of {data.nobs} observations have duplicate i values:",
                           list_rows(session, ivars, np.flatnonzero(bad)), "",
                           f"(data now sorted by {itext})"])
    keys = ivars + [j]
    data.take(sort_order(data, keys), sortedby=list(keys))
    msg = ["", msg_i, f"j ({j}) indicates the subgrouping such as time."]
    ids = group_ids(data, keys)
    bad = np.bincount(ids)[ids] > 1 if data.nobs else np.zeros(0, bool)
    if bad.any():
        return "\n".join(msg + ["The data are in the long form;  j should be unique within i.",
                                 "", f"There are multiple observations on the same {j} within "
                                 f"{itext}.", "", f"The following {int(bad.sum())} of {data.nobs} "
                                 f"observations have repeated {j} values:",
                                 list_rows(session, keys, np.flatnonzero(bad)), "",
                                 f"(data now sorted by {itext} {j})"])
    longs = [s_.replace("@", "") for s_ in spec["stubs"]]
    others = [n for n in data.names if n not in ivars and n != j and n not in longs]
    gi = group_ids(data, ivars)
    first = np.full(int(gi.max(initial=-1)) + 1, -1, dtype=np.int64)
    first[gi[::-1]] = np.arange(data.nobs)[::-1]
    varying = []
    for name in others:
        col = data.column(name)
        ref = col[first][gi]
        same = (col == ref) | ((col != col) & (ref != ref)) if col.dtype != object else col == ref
        if not np.all(same):
            groups_bad = np.zeros(len(first), dtype=bool)
            groups_bad[gi[~same]] = True
            varying.append((name, groups_bad))
    if not varying:
        return "\n".join([f"{j} is unique within {itext};",
                          'there is no error with which "reshape error" can help.'])
    out = msg + [("xij variable is " if len(longs) == 1 else "xij variables are ")
                 + " ".join(longs) + ".",
                 "Thus, the following variable(s) should be constant within i:",
                 "      " + " ".join(others)]
    for name, groups_bad in varying:
        n = int(groups_bad.sum())
        out += ["", f"{name} not constant within i ({itext}) for {n} value{'s' if n != 1 else ''} of i:",
                list_rows(session, keys + [name], np.flatnonzero(groups_bad[gi]))]
    return "\n".join(out + ["", f"(data now sorted by {itext} {j})"])
