"""correlate [varlist] [if] [in] [, covariance] and pwcorr [varlist] [if] [in] [, obs sig
star(#) print(#) listwise casewise bonferroni sidak].

correlate uses the observations with no missing value in any variable (casewise); pwcorr
each pair's own complete observations unless listwise. p-values: t = r √((n-2)/(1-r²)),
two-sided on n-2 degrees of freedom ([R] correlate, Methods and formulas).
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.matrix import StataMatrix
from hlmshell.render.correlate import CorrTable
from hlmshell.returns import Returns


def _numeric(session, names):
    if not names:   # data with observations but no variables
        raise StataError(111, "no variables defined")
    cols = []
    for n in names:
        var = session.data.var(n)
        if var.is_string:
            raise StataError(109, "type mismatch")
        cols.append(var.values)
    return cols


@command("correlate", abbrev="cor", syntax="[varlist] [if] [in] [, COVariance]",
         help="correlation or covariance matrix")
def correlate(session, args):
    """correlate [varlist] [if] [in] [, covariance]"""
    names = args.varlist
    cols = _numeric(session, names)
    rows = args.touse(session)
    for c in cols:
        rows = rows & ~np.isnan(c)
    n = int(rows.sum())
    if n == 0:
        raise StataError(2000, "no observations")
    x = np.column_stack([c[rows] for c in cols])
    if n < 2:
        raise StataError(2001, "insufficient observations")
    cov = np.atleast_2d(np.cov(x, rowvar=False, ddof=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = np.sqrt(np.diag(cov))
        corr = cov / np.outer(sd, sd)
    cov_opt = bool(args.options.get("covariance"))
    r = {"N": float(n)}
    if len(names) > 1:
        r["rho"] = float(corr[1, 0])
    if cov_opt:
        if len(names) > 1:
            r["cov_12"] = float(cov[1, 0])
        r["Var_1"] = float(cov[0, 0])
        if len(names) > 1:
            r["Var_2"] = float(cov[1, 1])
    shown = cov if cov_opt else corr
    session.r = Returns(r, matrices={"C": StataMatrix(shown, list(names), list(names), True)})
    return CorrTable(list(names), shown.tolist(), nobs=n, covariance=cov_opt,
                     linesize=session.settings.get("linesize", 79))


def _level(args, name: str) -> float | None:
    v = args.options.get(name)
    if v is None:
        return None
    if not 0 <= v <= 1:
        raise StataError(198, f"{name}() must be between 0 and 1")   # [U] unverified wording
    return v


@command("pwcorr", syntax="[varlist] [if] [in] [, Obs Sig STar(real) Print(real) LISTwise "
                          "CASEwise Bonferroni SIDak]",
         help="pairwise correlation coefficients")
def pwcorr(session, args):
    """pwcorr [varlist] [if] [in] [, obs sig star(#) print(#) listwise bonferroni sidak]"""
    from scipy.special import stdtr   # lighter to load than scipy.stats
    names = args.varlist
    cols = _numeric(session, names)
    rows = args.touse(session)
    if args.options.get("listwise") or args.options.get("casewise"):
        for c in cols:
            rows = rows & ~np.isnan(c)
    if args.options.get("bonferroni") and args.options.get("sidak"):
        raise StataError(198, "bonferroni and sidak may not be specified together")
    star, prt = _level(args, "star"), _level(args, "print")
    k = len(names)
    C = np.full((k, k), np.nan)
    P = np.full((k, k), np.nan)
    N = np.zeros((k, k), dtype=int)
    m = k * (k - 1) / 2
    for i in range(k):
        for j in range(i + 1):
            ok = rows & ~np.isnan(cols[i]) & ~np.isnan(cols[j])
            n = int(ok.sum())
            N[i, j] = N[j, i] = n
            if n < 2:
                continue
            a, b = cols[i][ok], cols[j][ok]
            da, db = a - a.mean(), b - b.mean()
            den = math.sqrt(float((da ** 2).sum() * (db ** 2).sum()))
            rho = float((da * db).sum()) / den if den > 0 else math.nan
            if i == j and den > 0:
                rho = 1.0
            C[i, j] = C[j, i] = rho
            if i != j and n > 2 and not math.isnan(rho):
                tstat = abs(rho) * math.sqrt((n - 2) / max(1 - rho * rho, 0.0)) \
                    if abs(rho) < 1 else math.inf
                p = float(2 * stdtr(n - 2, -tstat))
                if args.options.get("bonferroni"):
                    p = min(1.0, p * m)
                elif args.options.get("sidak"):
                    p = min(1.0, 1 - (1 - p) ** m)
                P[i, j] = P[j, i] = p
    if N.max(initial=0) == 0:
        raise StataError(2000, "no observations")
    shown = [[prt is None or i == j or (not math.isnan(P[i, j]) and P[i, j] <= prt)
              for j in range(k)] for i in range(k)]
    starred = [[star is not None and i != j and not math.isnan(P[i, j]) and P[i, j] <= star
                for j in range(k)] for i in range(k)]
    r = {"N": float(N[k - 1, 0] if k > 1 else N[0, 0])}
    if k > 1:
        r["rho"] = float(C[1, 0])
    session.r = Returns(r, matrices={"C": StataMatrix(C, list(names), list(names), True),
                                     "sig": StataMatrix(P, list(names), list(names), True),
                                     "Nobs": StataMatrix(N.astype(float), list(names), list(names), True)})
    return CorrTable(list(names), C.tolist(),
                     sig=P.tolist() if args.options.get("sig") else None,
                     counts=N.tolist() if args.options.get("obs") else None,
                     shown=shown if prt is not None else None,
                     starred=starred if star is not None else None,
                     linesize=session.settings.get("linesize", 79))
