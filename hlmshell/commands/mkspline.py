"""`mkspline` ([R] mkspline): linear splines (knots given, equally spaced or at percentiles;
`marginal` for the change-in-slope form) and restricted cubic splines (`cubic`) — the
piecewise growth curves and smooth covariate effects of a multilevel course.

Linear pieces: v1 = min(x, k1), v_i = max(min(x, k_i), k_{i-1}) - k_{i-1}, the last
max(x, k_last) - k_last; marginal: v1 = x, v_i = max(0, x - k_{i-1}). Each is a float
compressed to the smallest type that holds it, labelled `x: (k_{i-1},k_i)`.
Cubic: v1 = x and, for j = 1..k-2, ((x-t_j)+^3 - (x-t_{k-1})+^3 (t_k-t_j)/(t_k-t_{k-1})
+ (x-t_k)+^3 (t_{k-1}-t_j)/(t_k-t_{k-1})) / (t_k-t_1)^2, with Harrell's default knots at
centiles (x[(n+1)p/100] interpolated) kept within the 5th smallest and largest values.
Weights are not built (r(101)).
"""
from __future__ import annotations

import re

import numpy as np

from hlmshell.commands.convert import _compressed_type
from hlmshell.commands.quantiles import cut_points
from hlmshell.commands.registry import command
from hlmshell.dataset.dataset import coerce
from hlmshell.dataset.varlist import check_new_name
from hlmshell.errors import StataError
from hlmshell.matrix import StataMatrix
from hlmshell.render.formats import fmt
from hlmshell.returns import Returns
from hlmshell.syntax.numlist import parse_numlist
from hlmshell.syntax.spec import Spec, split_options

OPTIONS = Spec("[, Marginal Pctile DIsplayknots CUBic NKnots(integer) Knots(string)]")
# displayknots lists r(knots) with matlist, which is not built: refused (matrix list r(knots))
HARRELL = {3: (10, 50, 90), 4: (5, 35, 65, 95), 5: (5, 27.5, 50, 72.5, 95),
           6: (5, 23, 41, 59, 77, 95), 7: (2.5, 18.33, 34.17, 50, 65.83, 81.67, 97.5)}
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@command("mkspline", syntax="raw", help="linear and restricted cubic spline variables")
def mkspline(session, args):
    """mkspline newvar1 #1 [newvar2 #2 ...] newvark = oldvar [if] [in] [, marginal displayknots]
    mkspline stub # = oldvar [if] [in] [, marginal pctile displayknots]
    mkspline stub = oldvar [if] [in], cubic [nknots(#) knots(numlist) displayknots]"""
    head, eq, rest = args.body.partition("=")
    if not eq:        # (the `=` of a knot list comes after every name and number)
        raise StataError(198, "invalid syntax")
    main, opt_text = split_options(rest)
    opts = OPTIONS.bind_options(opt_text) if opt_text is not None else {}
    if opts.get("displayknots"):
        raise StataError(198, "option displayknots not allowed; type matrix list r(knots)")
    bound = Spec("varname [if] [in]").bind(main, session.data.names, session.data.nobs)
    source = bound.varlist[0]
    if session.data.is_string(source):
        raise StataError(109, "type mismatch")
    x = np.asarray(session.data.column(source), dtype=float)
    use = bound.touse(session) & ~np.isnan(x)
    words = head.split()
    if opts.get("cubic"):
        if len(words) != 1:
            raise StataError(198, "invalid syntax")
        _cubic(session, words[0], source, x, use, opts)
        return None
    for refused in ("nknots", "knots"):
        if opts.get(refused) is not None:
            raise StataError(198, f"option {refused}() requires option cubic")
    if len(words) == 2 and re.fullmatch(r"\d+", words[1]):
        names, knots = _stub_knots(words[0], int(words[1]), x, use, bool(opts.get("pctile")))
    else:
        if opts.get("pctile"):
            raise StataError(198, "option pctile not allowed")
        names, knots = _given_knots(words)
    for k, v in enumerate(names):
        check_new_name(v, session.data.names + names[:k])
    _linear(session, names, knots, source, x, use, bool(opts.get("marginal")))
    _finish(session, source, knots)


def _given_knots(words) -> tuple[list[str], list[float]]:
    """`v1 #1 v2 #2 ... vk`: names and strictly increasing knots."""
    if len(words) < 3 or len(words) % 2 == 0:
        raise StataError(198, "invalid syntax")
    names, knots = words[0::2], []
    for w in words[1::2]:
        if not _NUMBER.match(w):
            raise StataError(7, f"'{w}' found where number expected")
        knots.append(float(w))
        if len(knots) > 1 and knots[-1] <= knots[-2]:
            raise StataError(198, "knots must be in increasing order")
    return names, knots


def _stub_knots(stub, n, x, use, pctile) -> tuple[list[str], list[float]]:
    if n < 2:
        raise StataError(198, "invalid syntax")
    if not use.any():
        raise StataError(2000, "no observations")
    xs = x[use]
    if pctile:
        knots = cut_points(xs, [100 * i / n for i in range(1, n)], altdef=True)
    else:
        lo, step = float(xs.min()), (float(xs.max()) - float(xs.min())) / n
        knots = [lo + step * i for i in range(1, n)]
    return [f"{stub}{i}" for i in range(1, n + 1)], knots


def _add(session, name, values, use, label):
    values = coerce(np.where(use, values, np.nan), "float")
    session.data.add(name, values, _compressed_type(values, "float"), label=label[:80])


def _g(v: float) -> str:
    return fmt(v, "%9.0g").strip()


def _linear(session, names, knots, source, x, use, marginal):
    bounds = [None] + list(knots) + [None]
    for i, name in enumerate(names):
        lo, hi = bounds[i], bounds[i + 1]
        if marginal:
            values = x if lo is None else np.maximum(0.0, x - lo)
            label = f"{source}: ({'.' if lo is None else _g(lo)},.)"
        else:
            values = x.copy()
            if hi is not None:
                values = np.minimum(values, hi)
            if lo is not None:
                values = np.maximum(values, lo) - lo
            label = f"{source}: ({'.' if lo is None else _g(lo)},{'.' if hi is None else _g(hi)})"
        _add(session, name, values, use, label)


def _cubic(session, stub, source, x, use, opts):
    if opts.get("marginal") or opts.get("pctile"):
        raise StataError(198, f"option {'marginal' if opts.get('marginal') else 'pctile'} "
                              "not allowed with cubic")
    nk = opts.get("nknots")
    if opts.get("knots") is not None:
        knots = parse_numlist(opts["knots"])
        if nk is not None and nk != len(knots):
            raise StataError(498, "Count in nknots must be the same as the number of knots "
                                  "specified.")
        if len(knots) < 2:
            raise StataError(498, "Restricted cubic splines must have at least 2 knots.")
        if any(b <= a for a, b in zip(knots, knots[1:])):
            raise StataError(498, "Knots must be in increasing order.")
    else:
        nk = 5 if nk is None else nk
        if nk not in HARRELL:
            raise StataError(498, f"Restricted cubic splines with {nk} knots at default values "
                                  "not implemented.\nNumber of knots specified in nknots() "
                                  "must be between 3 and 7.")
        if not use.any():
            raise StataError(2000, "no observations")
        xs = x[use]
        knots = cut_points(xs, HARRELL[nk], altdef=True)
        n = len(xs)
        lo, hi = cut_points(xs, [500 / (n + 1), 100 * (n - 4) / (n + 1)], altdef=True)
        knots[0], knots[-1] = max(knots[0], lo), min(knots[-1], hi)
    k = len(knots)
    if k < 3 or knots[0] >= knots[1] or knots[-1] <= knots[-2]:
        raise StataError(198, "Sample size too small for this many knots.")
    names = [f"{stub}{i}" for i in range(1, k)]
    for i, v in enumerate(names):
        check_new_name(v, session.data.names + names[:i])
    t = np.asarray(knots)

    def plus3(u):
        return np.where(u > 0, u, 0.0) ** 3
    _add(session, names[0], x, use, "")
    for j in range(k - 2):
        values = (plus3(x - t[j]) - plus3(x - t[k - 2]) * (t[k - 1] - t[j]) / (t[k - 1] - t[k - 2])
                  + plus3(x - t[k - 1]) * (t[k - 2] - t[j]) / (t[k - 1] - t[k - 2])) \
            / (t[k - 1] - t[0]) ** 2
        _add(session, names[j + 1], values, use, "")
    _finish(session, source, list(knots))


def _finish(session, source, knots) -> None:
    """r(N_knots) and r(knots) (1 x k, its row named for the variable)."""
    loc = StataMatrix(np.asarray(knots, float).reshape(1, -1), [source],
                      [f"knot{i}" for i in range(1, len(knots) + 1)])
    session.r = Returns({"N_knots": float(len(knots))}, matrices={"knots": loc})
