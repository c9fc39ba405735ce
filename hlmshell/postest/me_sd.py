"""`estat sd` after the me* commands: the random-effects parameters of e(b) (variances and
covariances) as standard deviations and correlations, standard errors by the delta method
from e(V); intervals from log(sd) and atanh(corr), as the variance rows take theirs from
log(var). The display is the command's own coefficient table (render/glm.CoefTable) with
the fixed rows left out unless `verbose`.
"""
from __future__ import annotations

import math
import re

import numpy as np

from hlmshell.render.glm import CoefTable, GLMOutput, RERow


def sd_parameters(model, b, V):
    """[(name, estimate, se)] in e(b)'s order: var(x[id]) -> sd(x[id]), cov -> corr."""
    idx = list(model.re_index)
    names = list(model.re_names)
    est = np.array([float(b[j]) for j in idx])
    var_of = {}
    for k, nm in enumerate(names):
        if nm.startswith("var("):
            var_of[nm[4:-1]] = k
    out, grads = [], []
    for k, nm in enumerate(names):
        g = np.zeros(len(idx))
        if nm.startswith("var("):
            sd = math.sqrt(max(est[k], 0.0))
            g[k] = 0.5 / sd if sd > 0 else math.nan
            out.append(("sd(" + nm[4:], sd))
        else:
            inside = nm[4:-1]
            m = re.match(r"(.+\[[^\]]*\]),(.+\[[^\]]*\])$", inside)
            if m:                                   # cov(a[id],b[id]) of two variances
                i, j = var_of[m.group(1)], var_of[m.group(2)]
            else:                                   # exchangeable: cov(a b[id]), one variance
                i = j = var_of[inside]
            si, sj = math.sqrt(est[i]), math.sqrt(est[j])
            r = est[k] / (si * sj)
            g[k] = 1 / (si * sj)
            g[i] += -0.5 * r / est[i]
            g[j] += -0.5 * r / est[j]
            out.append(("corr(" + nm[4:], r))
        grads.append(g)
    Vr = np.asarray(V)[np.ix_(idx, idx)]
    G = np.array(grads)
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", G, Vr, G), 0.0))
    return [(nm, e, s) for (nm, e), s in zip(out, se)], G


def sd_returns(model, colnames, b, V):
    """r(b), r(V): e(b) and e(V) with the variance rows turned into sd/corr ones (the
    delta method over the whole vector: the other entries are unchanged)."""
    from hlmshell.matrix import StataMatrix
    params, G = sd_parameters(model, b, V)
    idx = list(model.re_index)
    J = np.eye(len(b))
    J[np.ix_(idx, idx)] = G
    bb = np.asarray(b, dtype=float).copy()
    names = list(colnames)
    for j, (nm, est, _) in zip(idx, params):
        bb[j] = est
        names[j] = "/:" + nm
    VV = J @ np.asarray(V) @ J.T
    return (StataMatrix(bb.reshape(1, -1), ["y1"], names),
            StataMatrix(VV, list(names), list(names), symmetric=True))


def sd_output(result, level: float, verbose: bool) -> GLMOutput:
    from scipy.special import ndtri
    from hlmshell.commands.glm_cmds import fixed_rows
    from hlmshell.commands.me_estimate import _re_label
    from hlmshell.render.formats import abbrev
    model, m = result.model, result.macros
    b = result.matrices["b"].values.ravel()
    V = result.matrices["V"].values
    z = float(ndtri(0.5 + level / 200))
    labels = getattr(model, "labels", None) or [model.levels[0].groupvar]
    sections = {lab: [] for lab in labels}        # one block per level, as estimation shows
    for name, est, se in sd_parameters(model, b, V)[0]:
        if name.startswith("sd(") and est > 0 and se > 0:
            r = z * se / est            # the CI of ln(sd), back-transformed (as _re_rows)
            lo, hi = (est * math.exp(-r), est * math.exp(r)) if r < 700 else (0.0, math.nan)
        elif name.startswith("corr(") and abs(est) < 1 and se > 0:
            a, sa = math.atanh(est), se / (1 - est * est)
            lo, hi = math.tanh(a - z * sa), math.tanh(a + z * sa)
        else:
            lo = hi = math.nan
        lab = next(lab for lab in labels if f"[{lab}]" in name)
        sections[lab].append(RERow(_re_label(name.replace(f"[{lab}]", "")), est, se, lo, hi))
    fixed = []
    extra = []
    if verbose:
        k = len(model.names)
        fixed = fixed_rows(model.names, model.omitted, b[:k], V[:k, :k], level)
        if model.lnalpha_index is not None:
            j = model.lnalpha_index
            est, se = float(b[j]), math.sqrt(max(float(V[j, j]), 0.0))
            extra = [RERow("/lnalpha ", est, se, est - z * se, est + z * se)]
    robust = m.get("vcetype") == "Robust"
    out = GLMOutput()
    out.table = CoefTable(m["depvar"] if verbose else "", fixed, level, "Coefficient",
                          "Robust" if robust else "", extra,
                          [(abbrev(lab, 12), rows) for lab, rows in sections.items()])
    return out
