"""`estat icc | recovariance | ic | group` after `mixed` (stata-reference.md section 4).

`estat` dispatches through its own sub-registry; each subcommand declares its syntax.
"""
from __future__ import annotations

import math
import re

import numpy as np

from hlmshell.commands.registry import Registry, command
from hlmshell.errors import StataError
from hlmshell.models import ModelError
from hlmshell.models.crossed import distinct_levels
from hlmshell.matrix import StataMatrix
from hlmshell.render.estat import (CovMatrixBlock, GroupRow, GroupTable, IccRow, IccTable,
                                   IcRow, IcTable, ReCovariance, WCorrelation)
from hlmshell.render.formats import fmt
from hlmshell.returns import Returns

ESTAT = Registry("subcommand")
subcommand = ESTAT.command


@command("estat", syntax="raw",
         help="postestimation statistics: icc, recovariance, ic, group, sd, vce")
def estat(session, args):
    """estat subcommand [, options]"""
    result = session.estimates.require()
    word, body = split_subcommand(args.body)
    sub = ESTAT.lookup(word)
    allowed = getattr(result.model, "estat_allowed", None)   # GLM and me* results
    if allowed is not None and sub.name not in allowed:
        cmd = result.macros.get("cmd2", result.cmd)
        raise StataError(321, f"estat {sub.name} not valid after {cmd}")
    sub_args = sub.spec.bind(body, session.data.names, session.data.nobs)
    return sub.handler(session, sub_args, result)


def split_subcommand(body: str) -> tuple[str, str]:
    """`icc, level(90)` → ("icc", ", level(90)")."""
    m = re.match(r"\s*([A-Za-z_][A-Za-z0-9_]*)?(.*)$", body, re.S)
    return (m.group(1) or ""), m.group(2)


def _model(result, message="model is linear regression; no random effects", sub=""):
    if result.cmd not in ("mixed", "xtmixed") and \
            getattr(result.model, "estat_allowed", None) is None:
        # Stata's estat_default: the mixed-only subcommands do not exist elsewhere (the me*
        # models list theirs in estat_allowed, checked by estat itself)
        raise StataError(321, f"invalid subcommand {sub}".rstrip())
    if result.model is None or not result.model.levels:
        raise StataError(459, message)
    return result.model


def _name(name: str) -> str:
    return name.replace(".", "_")


def _level(session, args) -> float:
    level = args.options.get("level", session.settings.get("level", 95))
    if not 10 <= level <= 99.99:
        raise StataError(198, "level() must be between 10 and 99.99 inclusive")
    return level


# ----------------------------------------------------------------------------- icc
@subcommand("icc", syntax="[, Level(real)]", help="intraclass correlations")
def estat_icc(session, args, result):
    model = _model(result, sub="icc")
    level = _level(session, args)
    try:
        title, rows = model.icc(level)
    except ModelError as err:   # carries Stata's code (321 here)
        raise StataError(err.code, err.message) from None
    note = None
    if title.startswith("Conditional"):
        note = "Note: ICC is conditional on zero values of random-effects covariates."
    table = IccTable(title, [IccRow(r.label, r.icc, r.se, r.lo, r.hi) for r in rows], level, note)
    # r(): # counts levels from the observation level: the innermost is 2, outermost G.
    r = Returns()
    G = len(rows) + 1
    for k, row in enumerate(rows):
        i = G - k
        r.scalars[f"icc{i}"] = row.icc
        r.scalars[f"se{i}"] = row.se
        r.matrices[f"ci{i}"] = StataMatrix(np.array([[row.lo, row.hi]]), ["r1"], ["ll", "ul"])
        r.macros[f"label{i}"] = row.label
    r.scalars["level"] = level
    session.r = r
    return table


# -------------------------------------------------------------------- recovariance
@subcommand("recovariance", abbrev="recov", syntax="[, RELEVel(string) CORRelation *]",
            help="random-effects covariance matrices")
def estat_recovariance(session, args, result):
    model = _model(result, sub="recovariance")
    corr = bool(args.options.get("correlation"))
    levels = list(enumerate(model.levels))
    if args.options.get("relevel"):
        want = args.options["relevel"].strip()
        levels = [(i, lv) for i, lv in levels if lv.groupvar == want]
        if not levels:
            raise StataError(198, f"{want} is not a level variable in the model")
    what = "correlation" if corr else "covariance"
    blocks, r = [], Returns()
    for i, lv in levels:
        values, names = model.recovariance(i, corr)
        names = [_name(n) for n in names]
        values = np.array(values, dtype=float)
        if corr:
            np.fill_diagonal(values, 1.0)  # corr() puts exact ones on the diagonal
        m = StataMatrix(values, list(names), list(names), symmetric=True)
        blocks.append(CovMatrixBlock(f"Random-effects {what} matrix for level {lv.groupvar}", m))
        key = ("Corr" if corr else "Cov") + ("" if args.options.get("relevel") else str(i + 2))
        r.matrices[key] = m.copy()
    r.scalars["relevels"] = len(model.levels) + 1
    session.r = r
    return ReCovariance(blocks)


# ------------------------------------------------------------------------------- ic
def ic_row(name: str, result) -> IcRow:
    s = result.scalars
    ll = s.get("ll", math.nan)
    if ll is None or (isinstance(ll, float) and math.isnan(ll)):
        raise StataError(321, "likelihood information not found in last estimation results")
    N, df = float(s["N"]), float(s["rank"])
    aic = -2 * ll + 2 * df
    bic = -2 * ll + math.log(N) * df
    return IcRow(name, N, float(s.get("ll_0", math.nan)), ll, df, aic, bic)


@subcommand("ic", syntax="[, n(real)]", help="Akaike's and Schwarz's Bayesian information criteria")
def estat_ic(session, args, result):
    row = ic_row(session.estimates.active_name or ".", result)
    if "n" in args.options:
        row.N = float(args.options["n"])
        row.bic = -2 * row.ll + math.log(row.N) * row.df
    r = Returns()
    r.matrices["S"] = StataMatrix(np.array([[row.N, row.ll0, row.ll, row.df, row.aic, row.bic]]),
                                  [row.name],
                                  ["N", "ll0", "ll", "df", "AIC", "BIC"])
    session.r = r
    return IcTable([row], note="n" not in args.options)


# ---------------------------------------------------------------------------- group
@subcommand("group", abbrev="gr", syntax="raw", help="summarize the composition of the nested groups")
def estat_group(session, args, result):
    if args.body.strip():
        raise StataError(198, "options not allowed with subcommand group"
                         if args.body.strip().startswith(",") else "invalid syntax")
    model = _model(result, "model is linear regression; no group information available",
                   "group")
    return GroupTable([GroupRow(lv.groupvar, lv.n_groups, lv.g_min, lv.g_avg, lv.g_max)
                       for lv in distinct_levels(model.levels)])


# estat sd: commands/estat_sd.py


# ------------------------------------------------------------------------------ vce
@subcommand("vce", syntax="[, COVariance]", help="covariance matrix of the estimators")
def estat_vce(session, args, result):
    """e(V) of any estimator, lower triangle; base and omitted columns are left out."""
    from hlmshell.render.estat import EstatVce
    V = result.matrices.get("V")
    if V is None:
        raise StataError(321, "matrix e(V) not found")
    names = V.colnames
    keep = [j for j, n in enumerate(names)
            if not any(re.match(r"^\d+b\.|^\d*o\.|^o\.|^co\.", part)
                       for part in n.rpartition(":")[2].split("#"))]
    sub = StataMatrix(V.values[np.ix_(keep, keep)], [names[j] for j in keep],
                      [names[j] for j in keep], symmetric=True)
    return EstatVce(str(result.macros.get("cmd", result.cmd)), sub)


# estat df: commands/estat_df.py


# ----------------------------------------------------------------------- wcorrelation
@subcommand("wcorrelation", abbrev="wcor", syntax="[, COVariance]",
            help="within-group correlations of the first lowest-level group")
def estat_wcorrelation(session, args, result):
    """The marginal V_g = sum_l Z_l Sigma_l Z_l' + R_g of the first lowest-level group of
    the estimation sample (data order): its standard deviations and correlations (or, with
    covariance, the covariances). r(sd), r(Corr) or r(Cov), r(G) as matrices."""
    if result.cmd == "xtgee":
        return _gee_wcorrelation(session, args, result)
    model = _model(result, sub="wcorrelation")
    st = model._state
    design = st["design"]
    rows = design.rows
    g = design.levels[-1].group
    idx = np.flatnonzero(g == g[0])                 # sample-row positions of the first group
    V = np.zeros((len(idx), len(idx)))
    if len(idx) > 2000:     # V is len(idx)^2: a crossed model's group may be every row
        raise StataError(908, f"matsize too small; the group has {len(idx):,} observations")
    for lv, lf in zip(design.levels, model.levels):
        if getattr(lv, "factor", None):     # R.a: rows share the effect of their level of a
            c = lv.fcodes[idx]
            V += lf.Sigma[0, 0] * (c[:, None] == c[None, :])
            continue
        Z = lv.Z_all[rows[idx]]
        V += Z @ lf.Sigma @ Z.T
    structure = getattr(st["model"], "structure", None)
    if structure is None:
        V += model.sigma2 * np.eye(len(idx))
    else:
        kt = st["model"].ktheta
        phi = np.asarray(st["theta"])[kt:]
        V += structure.R(phi, model.sigma2, idx)
    names = [str(j + 1) for j in range(len(idx))]
    sd = np.sqrt(np.diag(V))
    lv = design.levels[-1]
    first = session.data.column(lv.groupvar)[rows[idx[0]]]
    label = first if isinstance(first, str) else fmt(first, "%9.0g").strip()
    r = Returns()
    r.matrices["G"] = StataMatrix(model.levels[-1].Sigma.copy(), list(model.levels[-1].effects),
                                  list(model.levels[-1].effects), symmetric=True)
    if args.options.get("covariance"):
        m = StataMatrix(V, names, names, symmetric=True)
        r.matrices["Cov"] = m.copy()
        session.r = r
        return WCorrelation(f"Covariances for {lv.groupvar} = {label}:", None, m, "Covariances")
    C = V / sd[:, None] / sd[None, :]
    np.fill_diagonal(C, 1.0)
    m = StataMatrix(C, names, names, symmetric=True)
    sdm = StataMatrix(sd[None, :], ["sd"], names)
    r.matrices["sd"] = sdm
    r.matrices["Corr"] = m.copy()
    session.r = r
    return WCorrelation(f"Standard deviations and correlations for {lv.groupvar} = {label}:",
                        sdm, m, "Correlations")


def _gee_wcorrelation(session, args, result) -> str:
    """After xtgee: e(R), the working correlation, lower triangle as matrix list prints it
    (title and %9.0g cells unconfirmed against Stata 17's xtgee_estat)."""
    from hlmshell.render.matrix import matrix_lines
    if args.options.get("covariance"):
        raise StataError(198, "option covariance not allowed")
    R = result.matrices["R"]
    lines = matrix_lines("R", R, "%9.0g", int(session.settings.get("linesize", 79)))[2:]
    return "\n".join(["", f"Estimated within-{result.macros['ivar']} correlation matrix R:",
                      ""] + lines)


# estat bootstrap is registered by bootstrap.py (it reads only bootstrap's e())
from hlmshell.commands import bootstrap  # noqa: E402,F401
# estat vif, hettest and ovtest (regress only) live in estat_regress.py
from hlmshell.commands import estat_regress  # noqa: E402,F401
from hlmshell.commands import estat_df  # noqa: E402,F401  (estat df)
from hlmshell.commands import estat_summarize  # noqa: E402,F401  (estat summarize)
from hlmshell.commands import estat_sd  # noqa: E402,F401  (estat sd)
from hlmshell.commands import estat_classification  # noqa: E402,F401  (after logit & co.)
