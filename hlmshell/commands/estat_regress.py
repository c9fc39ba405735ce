"""Regression diagnostics after `regress` ([R] regress postestimation): `estat vif`,
`estat hettest` (Breusch–Pagan / Cook–Weisberg) and `estat ovtest` (Ramsey's RESET), computed
as vif.ado, hettest.ado and ovtest.ado compute them, by auxiliary least-squares regressions
on the estimation sample. Layouts: vif.ado's; hettest and ovtest in Stata 17's wording (the
`H0:` block), remembered rather than confirmed. Weighted results are refused (not built).
"""
from __future__ import annotations

import numpy as np

from hlmshell.commands.estat import subcommand
from hlmshell.errors import StataError
from hlmshell.estimates.esample import esample
from hlmshell.render.formats import abbrev, fmt
from hlmshell.returns import Returns


def _regress_result(result, sub: str):
    if result.cmd != "regress":
        raise StataError(321, f"invalid subcommand {sub}")
    if result.macros.get("wtype"):
        raise StataError(198, f"estat {sub} after a weighted regression is not available")
    return result


class _Sample:
    """y, X (the nonzero, non-base columns of e(b) without _cons) on e(sample)."""

    def __init__(self, session, result):
        from hlmshell.models.xb import design_from_names
        data = session.data
        rows = esample(result, data)
        if rows is None:
            raise StataError(459, "data have changed since estimation")  # text unconfirmed
        _, idx, names = result.xb_columns()
        b = result.matrices["b"].values[0][idx]
        self.constant = "_cons" in names
        keep = [j for j, n in enumerate(names) if n != "_cons" and b[j] != 0]
        self.names = [names[j] for j in keep]
        get = lambda v: np.asarray(data.column(v), dtype=float)[rows]  # noqa: E731
        self.X = design_from_names(self.names, get, int(rows.sum()))
        self.y = get(str(result.macros["depvar"]))
        self.rows = rows
        self.b = b[keep]
        self.b0 = float(b[names.index("_cons")]) if self.constant else 0.0

    def fitted(self):
        return self.X @ self.b + self.b0


def test_block(pairs) -> list[str]:
    """`label = value` lines with the labels right-aligned to each other and the values to
    the width of a p-value (Stata 17's layout of a test result)."""
    w = max(len(label) for label, _ in pairs)
    v = max(6, *(len(value) for _, value in pairs))
    return [f"{label:>{w}} = {value:>{v}}" for label, value in pairs]


def ols(y, X, constant=True):
    """(coefficients, residuals, rss, mss, df_m, df_r) of y on X (with a constant)."""
    A = np.column_stack([X, np.ones(len(y))]) if constant else X
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    e = y - A @ coef
    rank = np.linalg.matrix_rank(A)
    rss = float(e @ e)
    tss = float(((y - y.mean()) ** 2).sum()) if constant else float(y @ y)
    return coef, e, rss, tss - rss, rank - (1 if constant else 0), len(y) - rank


@subcommand("vif", syntax="[, UNCentered]", help="variance inflation factors")
def estat_vif(session, args, result):
    _regress_result(result, "vif")
    s = _Sample(session, result)
    uncentered = bool(args.options.get("uncentered"))
    if not s.constant and not uncentered:
        raise StataError(301, "not appropriate after regress, nocons;\n"
                              "use option uncentered to get uncentered VIFs")
    X, names = s.X, list(s.names)
    if uncentered and s.constant:
        X, names = np.column_stack([X, np.ones(len(s.y))]), names + ["intercept"]
    if not names:
        raise StataError(102, "not enough variables")      # text unconfirmed
    vifs = []
    for j in range(X.shape[1]):
        others = np.delete(X, j, axis=1)
        x = X[:, j]
        if uncentered:
            coef = np.linalg.lstsq(others, x, rcond=None)[0] if others.size else np.zeros(0)
            e = x - (others @ coef if others.size else 0)
            r2 = 1 - float(e @ e) / float(x @ x)
        else:
            _, e, rss, mss, _, _ = ols(x, others)
            r2 = mss / (rss + mss)
        vifs.append(1 / (1 - r2))
    order = sorted(range(len(names)), key=lambda j: (-vifs[j], names[j]))
    lines = ["", "    Variable |       VIF       1/VIF  ", "-" * 13 + "+" + "-" * 22]
    r = Returns()
    for k, j in enumerate(order, 1):
        lines.append(f"{abbrev(names[j], 12):>12} | {fmt(vifs[j], '%9.2f')}    "
                     f"{fmt(1 / vifs[j], '%8.6f')}")
        r.macros[f"name_{k}"] = names[j]
        r.scalars[f"vif_{k}"] = vifs[j]
    lines += ["-" * 13 + "+" + "-" * 22, f"    Mean VIF | {fmt(np.mean(vifs), '%9.2f')}"]
    session.r = r
    return "\n".join(lines)


@subcommand("hettest", syntax="[anything] [, Rhs IId FStat NOrmal Mtest Mtest2(string)]",
            help="Breusch-Pagan / Cook-Weisberg test for heteroskedasticity")
def estat_hettest(session, args, result):
    from scipy.special import chdtrc, fdtrc
    _regress_result(result, "hettest")
    opts = args.options
    if opts.get("mtest") or opts.get("mtest2") is not None:
        raise StataError(198, "option mtest not allowed")
    if opts.get("normal") and (opts.get("iid") or opts.get("fstat")):
        raise StataError(498, "normal cannot be specified with iid or fstat")
    if opts.get("iid") and opts.get("fstat"):
        raise StataError(198, "options iid and fstat may not be combined")
    if result.macros.get("vcetype") == "Robust":
        raise StataError(498, "hettest not appropriate after robust cluster()")
    s = _Sample(session, result)
    e = s.y - s.fitted()
    u = e ** 2 / (float(e @ e) / len(e))
    depvar = str(result.macros["depvar"])
    from hlmshell.dataset.varlist import expand_varlist
    given = expand_varlist(args.anything, session.data.names) if args.anything.strip() else []
    names = list(given)
    if opts.get("rhs"):
        names += [n for n in s.names if n not in names]
    if depvar in names and len(names) > 1:
        raise StataError(499, f"{depvar} may not be specified")
    if not names:
        Z, label = s.fitted()[:, None], f"Fitted values of {depvar}"
    else:
        from hlmshell.models.xb import design_from_names
        data = session.data
        Z = design_from_names(names, lambda v: np.asarray(data.column(v), float)[s.rows],
                              len(s.y))
        label = "All independent variables" if opts.get("rhs") and not given \
            else " ".join(names)
    _, _, rss, mss, df_m, df_r = ols(u, Z)
    r = Returns()
    if opts.get("fstat"):
        F = (mss / df_m) / (rss / df_r)
        p = float(fdtrc(df_m, df_r, F))
        r.scalars.update(F=F, df_m=float(df_m), df_r=float(df_r), p=p)
        assumption = "i.i.d. error terms"
        stat = test_block([(f"F({df_m}, {df_r})", fmt(F, "%9.2f").strip()),
                           ("Prob > F", fmt(p, "%6.4f"))])
    else:
        chi2 = len(u) * mss / (rss + mss) if opts.get("iid") else mss / 2
        p = float(chdtrc(df_m, chi2))
        r.scalars.update(chi2=chi2, df=float(df_m), p=p)
        assumption = "i.i.d. error terms" if opts.get("iid") else "Normal error terms"
        stat = test_block([(f"chi2({df_m})", fmt(chi2, "%9.2f").strip()),
                           ("Prob > chi2", fmt(p, "%6.4f"))])
    session.r = r
    noun = "Variable" if len(names) <= 1 else "Variables"
    return "\n".join(["", "Breusch–Pagan/Cook–Weisberg test for heteroskedasticity ",
                      f"Assumption: {assumption}", f"{noun}: {label}", "",
                      "H0: Constant variance", ""] + stat)


@subcommand("ovtest", syntax="[, Rhs]", help="Ramsey RESET test for omitted variables")
def estat_ovtest(session, args, result):
    from scipy.special import fdtrc
    _regress_result(result, "ovtest")
    if args.options.get("rhs"):
        raise StataError(198, "option rhs not allowed")
    s = _Sample(session, result)
    yh = s.fitted()
    lo, hi = yh.min(), yh.max()
    if hi == lo:
        raise StataError(499, "test not possible")
    z = (yh - lo) / (hi - lo)
    # ovtest.ado stores the powers as float
    powers = np.column_stack([np.float32(z * z), np.float32(z ** 3), np.float32(z ** 4)])
    X = np.column_stack([s.X, powers.astype(float)])
    _, _, rss1, _, dfm1, df_r = ols(s.y, X)
    _, _, rss0, _, dfm0, _ = ols(s.y, s.X)
    df = dfm1 - dfm0
    if df <= 0:
        raise StataError(499, "powers of fitted values collinear with explanatory variables\n"
                              "(typically because all explanatory variables are indicator "
                              "variables)\ntest not possible")
    F = ((rss0 - rss1) / df) / (rss1 / df_r)
    p = float(fdtrc(df, df_r, F))
    session.r = Returns({"p": p, "F": F, "df": float(df), "df_r": float(df_r)})
    depvar = str(result.macros["depvar"])
    return "\n".join(["", "Ramsey RESET test for omitted variables",
                      f"Omitted: Powers of fitted values of {depvar}", "",
                      "H0: Model has no omitted variables", ""]
                     + test_block([(f"F({df}, {df_r})", fmt(F, "%9.2f").strip()),
                                   ("Prob > F", fmt(p, "%6.4f"))]))
