"""`testnl exp = exp [= exp ...]` and `testnl (exp = exp) (exp = exp) ... [, df(#)]`
([R] testnl): Wald test of nonlinear hypotheses, W = R(b)' (G V G')^-1 R(b), G = dR/db by
central differences (postest.linear.gradient). As testnl.ado since Stata 13, the test is
chi2 unless df() gives a denominator DF (then F = W / q)."""
from __future__ import annotations

import math
import re

import numpy as np

from hlmshell.commands.postest_linear import paren_groups
from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.postest.coefexpr import CoefExpr, CoefIndex
from hlmshell.postest.linear import coefs_of, gradient
from hlmshell.render.formats import fmt
from hlmshell.returns import Returns

_EQ = re.compile(r"(?<![<>!~=])==?(?!=)")


def _squeeze(text: str) -> str:
    """testnl.ado shows an equation's tokens run together (its tokenize drops blanks)."""
    return re.sub(r"\s+", "", text)


def _equations(text: str) -> list[tuple[str, str]]:
    """(lhs, rhs) pairs: `a = b = c` is a = b and a = c (testnl.ado's SplitEq)."""
    groups = paren_groups(text) or [text]
    out = []
    for k, group in enumerate(groups, 1):
        parts = [p.strip() for p in _EQ.split(group)]
        if len(parts) < 2:
            raise StataError(198, f"equation ({k}) has no = sign")
        if not all(parts):
            raise StataError(198, "correct format is exp1 = exp2 [= exp3 ..]")
        out += [(parts[0], rhs) for rhs in parts[1:]]
    return out


@command("testnl", syntax="anything [, DF(real) Mtest Mtest2(string) ITERate(integer 100)]",
         help="Wald tests of nonlinear hypotheses")
def testnl(session, args):
    """testnl exp = exp [= exp ...] [, df(#)]
    testnl (exp = exp [= exp ...]) [(exp = exp ...) ...] [, df(#)]"""
    opts = args.options
    if opts.get("mtest") or opts.get("mtest2") is not None:
        raise StataError(198, "option mtest not allowed")
    result = session.estimates.require()
    if "b" not in result.matrices or "V" not in result.matrices:
        raise StataError(321, "")
    df_r = opts.get("df")
    if df_r is not None and not df_r > 0:
        raise StataError(125, "df() invalid")
    c = coefs_of(result)
    index = CoefIndex(c.names)
    eqs = _equations(args.anything)
    texts = [f"{_squeeze(a)} = {_squeeze(b)}" for a, b in eqs]
    R, G = [], []
    for k, (lhs, rhs) in enumerate(eqs, 1):
        try:
            f = CoefExpr(f"({lhs})-({rhs})", session, result, index, bare=False)
        except StataError as err:
            if "reference to X" not in err.message:
                raise
            raise StataError(198, f"equation ({k}) contains reference to X rather than "
                                  "_b[X]") from None
        value = f(c.b)
        if not math.isfinite(value):
            raise StataError(498, f"equation ({k}) evaluates to missing")
        R.append(value)
        G.append(gradient(f, c.b, f.used))
    R, G = np.array(R), np.array(G)
    V = np.where(np.isfinite(c.V), c.V, 0.0)
    VR = G @ V @ G.T
    VR = (VR + VR.T) / 2
    keep = [i for i in range(len(R)) if VR[i, i] > 0]
    # a constraint that adds nothing under V (zero variance) is dropped, as syminv drops it
    kept: list[int] = []
    for i in keep:
        M = VR[np.ix_(kept + [i], kept + [i])]
        if np.linalg.eigvalsh(M).min() > 1e-12 * max(1.0, float(np.abs(np.diag(M)).max())):
            kept.append(i)
    lines = [""] + [f"{'  (' + str(k) + ')':<7}{t}" for k, t in enumerate(texts, 1)]
    lines += [f"{'':7}Constraint ({i + 1}) dropped" for i in range(len(R)) if i not in kept]
    q = len(kept)
    W = float(R[kept] @ np.linalg.solve(VR[np.ix_(kept, kept)], R[kept])) if q else 0.0
    r = Returns()
    r.matrices["R"] = _column(R)
    r.matrices["G"] = _matrix(G, c.names)
    from scipy.special import chdtrc, fdtrc
    if df_r is None:
        p = float(chdtrc(q, W)) if q else math.nan
        r.scalars.update(df=float(q), chi2=W, p=p)
        head, stat = f"chi2({q})", W
    else:
        F = W / q if q else 0.0
        p = float(fdtrc(q, df_r, F)) if q else math.nan
        r.scalars.update(df=float(q), df_r=float(df_r), F=F, p=p)
        head, stat = f"F({q}, {fmt(df_r, '%9.0g').strip()})", F
    session.r = r
    lines += ["", f"{head:>22} =  {fmt(stat, '%10.2f')}",
              f"{'Prob > ' + ('chi2' if df_r is None else 'F'):>22} =  {fmt(p, '%12.4f')}"]
    return "\n".join(lines)


def _column(v):
    from hlmshell.matrix import StataMatrix
    return StataMatrix(np.asarray(v, float).reshape(-1, 1),
                       [f"r{k}" for k in range(1, len(v) + 1)], ["c1"])


def _matrix(G, names):
    from hlmshell.matrix import StataMatrix
    return StataMatrix(G, [f"r{k}" for k in range(1, G.shape[0] + 1)], list(names))
