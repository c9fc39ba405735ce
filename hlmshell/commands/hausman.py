"""`hausman name-consistent [name-efficient] [, constant alleqs sigmamore sigmaless df(#)
force]` ([R] hausman): compare two stored estimation results."""
from __future__ import annotations

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.returns import Returns


def _sigma(result) -> float:
    """hausman.ado's scale for sigmamore/sigmaless: xtreg fe and mle report sigma_e, other
    xtreg models e(rmse), any other command e(sigma) (else e(rmse))."""
    model = str(result.macros.get("model", ""))
    if result.cmd == "xtreg":
        name = "sigma_e" if model in ("fe", "ml") else "rmse"
        return result.scalar(name)
    value = result.scalar("sigma")
    return value if np.isfinite(value) else result.scalar("rmse")


@command("hausman", syntax="anything [, Constant Alleqs SIGmamore SIGMALess FORCE "
                           "df(integer) SKipeqs(string) EQuations(string)]",
         help="Hausman specification test")
def hausman(session, args):
    """hausman name-consistent [name-efficient] [, constant alleqs sigmamore df(#) force]"""
    from scipy.special import chdtrc
    from hlmshell.postest.hausman import hausman as test
    from hlmshell.render.hausman import HausmanOutput
    opts = args.options
    for refused in ("skipeqs", "equations"):
        if opts.get(refused) is not None:
            raise StataError(198, f"option {refused}() not allowed")
    if opts.get("sigmamore") and opts.get("sigmaless"):
        raise StataError(198, "options sigmamore and sigmaless may not be combined")
    names = args.anything.split()
    if not 1 <= len(names) <= 2:
        raise StataError(198, "invalid syntax")
    if len(names) == 1:
        names.append(".")
    if names[0] == names[1]:
        raise StataError(198, "the two models need to be different")
    results = [session.estimates.get(n) for n in names]
    for r in results:
        robust = r.macros.get("clustvar") or r.macros.get("vce") in ("robust", "cluster") \
            or r.macros.get("wtype") == "pweight"
        if robust and not opts.get("force"):
            raise StataError(198, "hausman cannot be used with vce(robust), vce(cluster cvar), "
                                  "or p-weighted data")
        if "b" not in r.matrices or "V" not in r.matrices:
            raise StataError(198, f"e(b) not found in {names[results.index(r)]}")
    (b1, V1), (b2, V2) = [(r.matrices["b"].values[0].astype(float),
                           r.matrices["V"].values.astype(float)) for r in results]
    if opts.get("sigmamore") or opts.get("sigmaless"):
        s1, s2 = _sigma(results[0]), _sigma(results[1])
        if not (np.isfinite(s1) and np.isfinite(s2)):
            raise StataError(198, "Estimators do not save e(sigma) or e(rmse),\n"
                                  "sigma option not allowed")
        if opts.get("sigmamore"):
            V1 = (s2 / s1) ** 2 * V1
        else:
            V2 = (s1 / s2) ** 2 * V2
    df = opts.get("df")
    if df is not None and not 0 < df < 11000:
        raise StataError(125, "df() invalid")     # numlist integer >0 <11000 in hausman.ado
    t = test(list(results[0].matrices["b"].colnames), b1, V1,
             list(results[1].matrices["b"].colnames), b2, V2,
             constant=bool(opts.get("constant")), alleqs=bool(opts.get("alleqs")), df=df)
    p = float(chdtrc(t.df, t.chi2)) if t.chi2 >= 0 else float("nan")
    session.r = Returns({"p": p, "df": float(t.df), "chi2": t.chi2, "rank": float(t.rank)})
    cmds = [str(r.macros.get("cmd2") or r.macros.get("cmd") or r.cmd) for r in results]
    out = HausmanOutput(t, names[0], names[1], cmds[0], cmds[1], p)
    from hlmshell.render import to_text
    text = to_text(out)
    if t.rank != len(t.names):
        text = (f"\nNote: the rank of the differenced variance matrix ({t.rank}) does not "
                f"equal the number of coefficients being tested ({len(t.names)}); be sure "
                "this is what you expect, or there may be problems computing the test.  "
                "Examine the output of your estimators for anything unexpected and possibly "
                "consider scaling your variables so that the coefficients are on a similar "
                "scale.\n") + text
    return text
