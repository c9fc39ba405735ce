"""Quantiles ([D] pctile): `xtile` (the quantile category of each observation), `pctile`
(the percentiles as a variable) and `_pctile` (the percentiles in r(r#)).

Percentiles follow summarize, detail's rule by default (with P = n p / 100, the mean of
x[P] and x[P+1] when P is whole, else x[ceil(P)]) and with `altdef` the interpolated
x[(n+1) p / 100]. xtile puts x in category k when cut[k-1] < x <= cut[k]. Weights are not
built (r(101)).
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands.generate import _parse_target
from hlmshell.commands.registry import command
from hlmshell.commands.summarize import percentile
from hlmshell.dataset.evaluate import evaluate
from hlmshell.dataset.varlist import check_new_name
from hlmshell.errors import StataError
from hlmshell.returns import Returns
from hlmshell.syntax.numlist import parse_numlist

MAX_PERCENTILES = 4096      # [D] pctile: _pctile's limit on percentiles()


def _altdef(sorted_x: np.ndarray, p: float) -> float:
    n = len(sorted_x)
    pos = (n + 1) * p / 100
    k = math.floor(pos)
    if k < 1:
        return float(sorted_x[0])
    if k >= n:
        return float(sorted_x[-1])
    return float(sorted_x[k - 1] + (pos - k) * (sorted_x[k] - sorted_x[k - 1]))


def cut_points(x: np.ndarray, percents, altdef: bool) -> list[float]:
    s = np.sort(x)
    rule = _altdef if altdef else percentile
    return [rule(s, p) for p in percents]


def _nquantiles(options, default: int = 2) -> int:
    nq = options.get("nquantiles")
    nq = default if nq is None else nq
    if nq < 2:
        raise StataError(198, "nquantiles() must be greater than or equal to 2")
    return int(nq)


def _sample_values(session, args):
    """The expression over the if/in sample, missing values left out."""
    values = evaluate(args.exp, session)
    if values.dtype == object:
        raise StataError(109, "type mismatch")
    use = args.touse(session) & ~np.isnan(values)
    return values, use


def _new(session, anything: str) -> tuple[str, str]:
    stype, name = _parse_target(anything)
    check_new_name(name, session.data.names)
    if stype is not None and stype.startswith("str"):
        raise StataError(109, "type mismatch")
    return stype or "float", name


@command("xtile", syntax="anything =exp [if] [in] [, Nquantiles(integer) "
                         "Cutpoints(varname) ALTdef]",
         help="the quantile category of each observation")
def xtile(session, args):
    """xtile newvar = exp [if] [in] [, nquantiles(#) cutpoints(varname) altdef]"""
    stype, name = _new(session, args.anything)
    values, use = _sample_values(session, args)
    opts = args.options
    if opts.get("cutpoints"):
        if opts.get("nquantiles") is not None:
            raise StataError(198, "both nquantiles() and cutpoints() may not be specified")
        cuts = np.asarray(session.data.column(opts["cutpoints"]), dtype=float)
        cuts = np.unique(cuts[~np.isnan(cuts)])     # a repeated cut point adds no category
    else:
        nq = _nquantiles(opts)
        if not use.any():
            raise StataError(2000, "no observations")
        cuts = np.asarray(cut_points(values[use], [100 * k / nq for k in range(1, nq)],
                                     bool(opts.get("altdef"))))
    category = np.searchsorted(cuts, values, side="left") + 1.0
    session.data.add(name, np.where(use, category, np.nan), stype)


@command("pctile", syntax="anything =exp [if] [in] [, Nquantiles(integer) "
                          "GENp(name) ALTdef]",
         help="percentiles as a new variable")
def pctile(session, args):
    """pctile [type] newvar = exp [if] [in] [, nquantiles(#) genp(newvarp) altdef]"""
    stype, name = _new(session, args.anything)
    values, use = _sample_values(session, args)
    nq = _nquantiles(args.options)
    genp = args.options.get("genp")
    if genp:
        check_new_name(genp, session.data.names + [name])
    if nq - 1 > session.data.nobs:
        raise StataError(198, "nquantiles() must be less than or equal to number of "
                              "observations plus one")
    if not use.any():
        raise StataError(2000, "no observations")
    percents = [100 * k / nq for k in range(1, nq)]
    cuts = cut_points(values[use], percents, bool(args.options.get("altdef")))
    col = np.full(session.data.nobs, np.nan)
    col[: nq - 1] = cuts
    session.data.add(name, col, stype)
    if genp:
        p = np.full(session.data.nobs, np.nan)
        p[: nq - 1] = percents
        session.data.add(genp, p, "float")


@command("_pctile", syntax="varname [if] [in] [, Nquantiles(integer) "
                           "Percentiles(string) ALTdef]",
         help="percentiles into r(r1), r(r2), ...")
def underscore_pctile(session, args):
    """_pctile varname [if] [in] [, nquantiles(#) percentiles(numlist) altdef]"""
    opts = args.options
    if opts.get("percentiles") is not None:
        if opts.get("nquantiles") is not None:
            raise StataError(198, "do not specify both nquantiles() and percentiles()")
        percents = parse_numlist(opts["percentiles"])
        if any(not 0 <= p <= 100 for p in percents):
            raise StataError(198, "percentiles() must be between 0 and 100")
    else:
        nq = _nquantiles(opts)
        percents = [100 * k / nq for k in range(1, nq)]
    if len(percents) > MAX_PERCENTILES:
        raise StataError(198, f"at most {MAX_PERCENTILES} percentiles may be requested")
    name = args.varlist[0]
    if session.data.is_string(name):
        raise StataError(109, "type mismatch")
    x = np.asarray(session.data.column(name), dtype=float)
    use = args.touse(session) & ~np.isnan(x)
    if not use.any():
        raise StataError(2000, "no observations")
    cuts = cut_points(x[use], percents, bool(opts.get("altdef")))
    session.r = Returns({f"r{k + 1}": v for k, v in enumerate(cuts)})
