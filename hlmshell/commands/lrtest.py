"""`lrtest A [B] [, force]`: likelihood-ratio test of nested models (stata-reference.md 5)."""
from __future__ import annotations

import math

from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.estimates.esample import same_sample
from hlmshell.render import to_text
from hlmshell.render.estat import IcTable
from hlmshell.render.lrtest import LRTest
from hlmshell.returns import Returns


def _get(result, name: str, default=math.nan):
    """An e() scalar or macro, falling back to the numeric core's field."""
    if name in result.scalars:
        return result.scalars[name]
    if name in result.macros:
        return result.macros[name]
    return getattr(result.model, name, default)


def _num(x) -> str:
    return f"{x:g}" if isinstance(x, float) and x != int(x) else str(int(x))


def check_nested(r, u, force: bool) -> None:
    """Stata's checks (all r(498)); `r` has the fewer parameters."""
    if force:
        return
    if any(res.macros.get("vcetype") == "Robust" for res in (r, u)):
        raise StataError(498, "LR test likely invalid for models with robust vce")
    cmd_r, cmd_u = _get(r, "cmd", ""), _get(u, "cmd", "")
    if cmd_r != cmd_u:
        raise StataError(498, f"test involves different estimators: {cmd_u} vs. {cmd_r}")
    if cmd_r == "mixed":
        if any(_get(u, k, 0) < _get(r, k, 0) for k in ("k_f", "k_rc", "k_rs")):
            raise StataError(498, "Mixed models are not nested")
        m_r, m_u = _get(r, "method", "ML"), _get(u, "method", "ML")
        if m_r != m_u:
            raise StataError(498, "cannot compare a REML model with an ML model")
        if m_r == "REML" and _get(r, "k_f", 0) != _get(u, "k_f", 0):
            raise StataError(498, "REML criterion is not comparable under different "
                                  "fixed-effects specifications")
    n_r, n_u = _get(r, "N"), _get(u, "N")
    if n_r != n_u:
        raise StataError(498, f"observations differ: {_num(n_u)} vs. {_num(n_r)}")
    if not same_sample(r, u):
        raise StataError(498, "samples differ")
    d_r, d_u = _get(r, "depvar", ""), _get(u, "depvar", "")
    if d_r != d_u:
        raise StataError(498, f"dependent variables differ: {d_u} vs. {d_r}")


@command("lrtest", syntax="anything [, FORCE STats]", help="likelihood-ratio test after estimation")
def lrtest(session, args):
    """lrtest modelspec1 [modelspec2] [, force stats]
        modelspec: a name given to estimates store, or . for the active results
    """
    names = args.anything.split()
    if not names or len(names) > 2:
        raise StataError(198, "invalid syntax" if not names else "too many names specified")
    if len(names) == 1:
        names.append(".")
    store = session.estimates
    a, b = (store.get(n) for n in names)
    for res in (a, b):
        ll = _get(res, "ll")
        if ll is None or (isinstance(ll, float) and math.isnan(ll)):
            raise StataError(498, "LR test requires that the log likelihood be stored in e(ll)")
    df_a, df_b = int(_get(a, "rank")), int(_get(b, "rank"))
    force = bool(args.options.get("force"))
    if df_a == df_b and not force:
        raise StataError(498, f"df(unrestricted) = df(restricted) = {df_a}")
    # The model with fewer parameters is the restricted one, whatever the order typed.
    (rn, r, dfr), (un, u, dfu) = sorted([(names[0], a, df_a), (names[1], b, df_b)],
                                        key=lambda t: t[2])
    check_nested(r, u, force)
    chi2 = -2.0 * (float(_get(r, "ll")) - float(_get(u, "ll")))
    df = dfu - dfr
    from hlmshell.models.distributions import chdtrc  # stdlib-based: no scipy import
    p = float(chdtrc(df, chi2)) if df > 0 else math.nan
    boundary = _get(r, "k_rs", 0) != _get(u, "k_rs", 0)
    reml = _get(r, "method", "ML") == "REML" and _get(u, "method", "ML") == "REML"
    ret = Returns()
    ret.scalars.update({"p": p, "df": float(df), "chi2": chi2})
    session.r = ret
    test = LRTest(rn, un, chi2, df, p, boundary_note=bool(boundary), reml_note=reml)
    if not args.options.get("stats"):
        return test
    from hlmshell.commands.estat import ic_row  # `stats`: the estimates-stats table follows
    labels = [store.active_name if n == "." and store.active_name else n for n in names]
    table = IcTable([ic_row(lab, res) for lab, res in zip(labels, (a, b))])
    return to_text(test) + "\n" + to_text(table)
