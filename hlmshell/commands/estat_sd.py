"""`estat sd` after `mixed` and the me* commands ([ME] mixed postestimation, [ME] estat sd;
_xtme_estat.ado's SD and _xtme_estatsd.ado): the random-effects and residual parameters
as standard deviations and correlations, the full table with `verbose`; r(b), r(V) (delta
method), r(table) and r(level); `post` posts them as e(b), e(V) (after mixed). After me*
the table and r() are postest/me_sd.py's (meglm_estat.ado's names). `variance` is refused as
Stata does (it is for menl only); coeflegend (Stata: with post) is not implemented."""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands.estat import _level, subcommand
from hlmshell.errors import StataError
from hlmshell.matrix import StataMatrix
from hlmshell.returns import Returns


@subcommand("sd", syntax="[, VERbose POST COEFLegend SELegend VARiance Level(real)]",
            help="random-effects parameters as standard deviations and correlations")
def estat_sd(session, args, result):
    """estat sd [, verbose post level(#)]"""
    o = args.options
    if o.get("variance"):
        raise StataError(198, "option variance not allowed")
    for legend in ("coeflegend", "selegend"):
        if o.get(legend):   # Stata: only with post; the legend table is not implemented
            raise StataError(198, f"option {legend} not allowed")
    level = _level(session, args)
    if result.cmd in ("mixed", "xtmixed") and result.model is not None:
        text = _after_mixed(session, result, level, bool(o.get("verbose")))
        depvar, kf = result.model.depvar, len(result.model.fixed_names)
        omitted = list(result.model.omitted)
    elif getattr(result.model, "estat_allowed", None) and result.macros.get("cmd") == "meglm":
        if o.get("post"):      # me*: Stata's r(b) names and table (postest/me_sd.py)
            raise StataError(198, "option post not allowed")
        return _me_sd(session, result, level, bool(o.get("verbose")))
    else:
        raise StataError(321, "invalid subcommand sd")
    if o.get("post"):
        return _post(session, depvar, kf, omitted, level)
    return text


class PostedSd:
    """The model of the results `estat sd, post` posts: its replay is the full table."""

    def __init__(self, depvar, kf, omitted):
        self.depvar, self.kf, self.omitted = depvar, kf, omitted

    def replay(self, result, level: float = 95):
        from scipy.special import ndtri
        from hlmshell.commands.glm_cmds import fixed_rows
        from hlmshell.commands.me_estimate import _re_label
        from hlmshell.models.inference import _ci
        from hlmshell.render.glm import CoefTable, RERow
        b = result.matrices["b"].values.ravel()
        V = result.matrices["V"].values
        names = result.matrices["b"].colnames
        kf = self.kf
        rows = fixed_rows([n.partition(":")[2] for n in names[:kf]], self.omitted, b[:kf],
                          V[:kf, :kf], level)
        z = float(ndtri(0.5 + level / 200))
        sections: list = []
        for j in range(kf, len(names)):
            eq, _, lab = names[j].partition(":")
            kind = "sd" if lab.startswith("sd(") else \
                "corr" if lab.startswith(("corr(", "rho")) else ""
            se = float(np.sqrt(max(V[j, j], 0.0)))
            lo, hi = _ci(kind, float(b[j]), se, z)
            if not sections or sections[-1][0] != eq:
                sections.append((eq, []))
            sections[-1][1].append(RERow(_re_label(lab), float(b[j]), se, lo, hi))
        return CoefTable(self.depvar, rows, level, "Coefficient", "", [], sections)


def _post(session, depvar, kf, omitted, level):
    """post: e(cmd) "estat sd", e(properties) "b V", e(b), e(V) (the help's list); r()
    keeps r(table) and r(level)."""
    from hlmshell.estimates.results import EstimationResult
    r = session.r
    new = EstimationResult("estat sd", {}, {"cmd": "estat sd", "properties": "b V"},
                           {"b": r.matrices["b"].copy(), "V": r.matrices["V"].copy()},
                           model=PostedSd(depvar, kf, omitted))
    session.estimates.post(new)
    keep = Returns()
    keep.scalars["level"] = r.scalars["level"]
    keep.matrices["table"] = r.matrices["table"]
    session.r = keep
    return new.model.replay(new, level)


def _table(names, b, V, level):
    """r(table): b se z pvalue ll ul df crit eform (z and p missing for these parameters,
    as in Stata's tables of variance components)."""
    from scipy.special import ndtri
    z = float(ndtri(0.5 + level / 200))
    se = np.sqrt(np.maximum(np.diag(V), 0.0))
    T = np.full((9, len(b)), np.nan)
    T[0], T[1] = b, se
    T[7], T[8] = z, 0.0
    return StataMatrix(T, ["b", "se", "z", "pvalue", "ll", "ul", "df", "crit", "eform"],
                       list(names))


def _store(session, names, b, V, lo, hi, level, kf, eb, eV):
    r = Returns()
    bb = np.r_[eb[:kf], b]
    VV = np.zeros((len(bb), len(bb)))
    VV[:kf, :kf] = eV[:kf, :kf]
    VV[kf:, kf:] = V
    r.scalars["level"] = level
    r.matrices["b"] = StataMatrix(bb[None, :], ["y1"], list(names))
    r.matrices["V"] = StataMatrix(VV, list(names), list(names), symmetric=True)
    T = _table(names, bb, VV, level)
    T.values[4, kf:], T.values[5, kf:] = lo, hi
    if kf:
        from scipy.special import ndtr
        se = np.sqrt(np.maximum(np.diag(VV[:kf, :kf]), 0.0))
        zz = bb[:kf] / se
        T.values[2, :kf], T.values[3, :kf] = zz, 2 * ndtr(-np.abs(zz))
        T.values[4, :kf] = bb[:kf] - T.values[7, :kf] * se
        T.values[5, :kf] = bb[:kf] + T.values[7, :kf] * se
    r.matrices["table"] = T
    session.r = r


def _after_mixed(session, result, level, verbose):
    from hlmshell.commands.mixed import random_table, replay_output
    from hlmshell.render import to_text
    from hlmshell.syntax.mixed_call import MixedOptions
    model = result.model
    if not model.levels:
        raise StataError(459, "model is linear regression; no random effects")
    if verbose:     # `mixed, stddev noheader nogroup nolrtest`
        opts = MixedOptions()
        opts.stddev, opts.noheader, opts.nogroup, opts.nolrtest = True, True, True, True
        text = to_text(replay_output(result, opts, level))
    else:
        text = "\n" + to_text(random_table(model, level, True))
    *sections, resid = model.re_table(level, True)
    rows, stripe = [], []
    for lv, sec in zip(model.levels, sections):
        for row in sec.rows:
            rows.append(row)
            stripe.append(f"{lv.groupvar}:{row.label}".replace("R.", "R_"))
    for row in resid.rows:
        rows.append(row)
        lab = "sd(e)" if row.label == "sd(Residual)" else row.label
        stripe.append(f"Residual:{lab}")
    kf = len(model.fixed_names)
    names = list(result.matrices["b"].colnames[:kf]) + stripe
    est = np.array([r.estimate for r in rows], dtype=float)
    V = _mixed_sd_vce(model, len(rows))
    if V is None:                       # a residual structure: variances of the rows only
        V = np.diag(np.array([r.se for r in rows], dtype=float) ** 2)
    _store(session, names, est, V, [r.lo for r in rows], [r.hi for r in rows], level, kf,
           result.matrices["b"].values[0], result.matrices["V"].values)
    return text


def _mixed_sd_vce(model, k):
    """The delta-method covariance of the sd/corr parameters (levels, then sd(Residual))
    from the fit's VarianceState; None when a residual structure adds parameters."""
    from hlmshell.models.inference import _level_quantities, _structure
    st = model._state["vstate"]
    if _structure(st.model) is not None:
        return None
    items = [(li, lv, it) for li, lv in enumerate(model.levels)
             for it in _level_quantities(lv, li, True)]

    def fun(psi):
        Sig, _ = st.sigmas(psi)
        out = []
        for li, lv, (lab, kind, f) in items:
            val = f(Sig)
            if kind == "sd":
                val = math.sqrt(max(val, 0.0))
            elif kind == "corr":
                S = Sig[li]
                if lv.covariance == "exchangeable":
                    den = S[0, 0]
                else:
                    j, m = [list(lv.effects).index(e) for e in lab[5:-1].split(",")]
                    den = math.sqrt(S[j, j] * S[m, m])
                val = val / den if den > 0 else math.nan
            out.append(val)
        out.append(math.exp(psi[-1]))
        return np.array(out)

    _, _, V = st.delta(fun)
    return V if V.shape == (k, k) else None


def _me_sd(session, result, level, verbose):
    """estat sd after me*: sd and corr of the random effects with Stata's /:sd(x[id]) names
    (postest/me_sd.py, meglm_estat.ado's layout)."""
    from hlmshell.postest.me_sd import sd_output, sd_returns
    out = sd_output(result, level, verbose)
    r = Returns()
    r.matrices["b"], r.matrices["V"] = sd_returns(
        result.model, result.matrices["b"].colnames, result.matrices["b"].values.ravel(),
        result.matrices["V"].values)
    session.r = r
    return out
