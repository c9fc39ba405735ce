"""`xttest0` ([XT] xtreg postestimation): Breusch and Pagan's Lagrangian multiplier test for
random effects after `xtreg, re`, from the pooled OLS residuals e of the same model:
LM = N^2 / (2 (sum T_i^2 - N)) * (1 - sum_i (sum_t e_it)^2 / sum e^2)^2, p = chi2tail(1,LM)/2
(a boundary test: chibar2(01)), as xttest0.ado computes it."""
from __future__ import annotations

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.estimates.esample import esample
from hlmshell.render.formats import fmt
from hlmshell.returns import Returns


@command("xttest0", syntax="", help="Breusch-Pagan LM test for random effects after xtreg, re")
def xttest0(session, args):
    """xttest0"""
    from scipy.special import chdtrc
    from hlmshell.models.xb import design_from_names
    r = session.estimates.active
    if r is None or r.cmd != "xtreg":
        raise StataError(301, "last estimates not found")
    if r.macros.get("model") != "re":
        raise StataError(301, "last estimates not xtreg, re")
    depvar, ivar = str(r.macros["depvar"]), str(r.macros["ivar"])
    data = session.data
    rows = esample(r, data)
    if rows is None:
        raise StataError(459, "data have changed since estimation")   # text unconfirmed
    _, _, names = r.xb_columns()
    X = design_from_names(names, lambda v: np.asarray(data.column(v), dtype=float)[rows],
                          int(rows.sum()))
    y = np.asarray(data.column(depvar), dtype=float)[rows]
    keep = np.any(X != 0, axis=0)        # base and omitted columns
    e = y - X[:, keep] @ np.linalg.lstsq(X[:, keep], y, rcond=None)[0]
    ids = data.column(ivar)[rows]
    _, g = np.unique(ids.astype(str) if ids.dtype == object else ids, return_inverse=True)
    T = np.bincount(g).astype(float)
    N = float(len(y))
    if not r.scalar("sigma_u") > 0:
        lm, p = 0.0, 1.0
    else:
        A1 = 1 - float((np.bincount(g, weights=e) ** 2).sum()) / float(e @ e)
        lm = N ** 2 / 2 * A1 ** 2 / (float((T ** 2).sum()) - N)
        p = float(chdtrc(1, lm)) / 2
    session.r = Returns({"lm": lm, "df": 1.0, "p": p})
    var_y = float(np.var(y, ddof=1))
    su, se = r.scalar("sigma_u"), r.scalar("sigma_e")

    def row(label, var, sd):
        return f"{'':15}{label:>9} |  {fmt(var, '%9.0g'):>9}      {fmt(sd, '%9.0g'):>9}"
    name = depvar if len(depvar) <= 9 else depvar[:7] + "~" + depvar[-1]
    lines = ["", "Breusch and Pagan Lagrangian multiplier test for random effects", "",
             f"{'':8}{depvar}[{ivar},t] = Xb + u[{ivar}] + e[{ivar},t]", "",
             f"{'':8}Estimated results:", f"{'':25}|       Var     sd = sqrt(Var)",
             f"{'':16}{'-' * 9}+{'-' * 29}",
             row(name, var_y, np.sqrt(var_y)), row("e", se ** 2, se), row("u", su ** 2, su),
             "", f"{'':8}Test:   Var(u) = 0",
             f"{'':29}chibar2(01) = {fmt(lm, '%8.2f')}",
             f"{'':26}Prob > chibar2 =  {fmt(p, '%7.4f')}"]
    return "\n".join(lines)
