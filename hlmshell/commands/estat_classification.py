"""`estat classification [if] [in] [, all cutoff(#)]` after logit, logistic and probit:
observations classified positive when the predicted Pr(D) >= cutoff (default .5), against
the outcome (D: depvar != 0); over e(sample) unless `all`. r(): the percentages as Stata's
lstat (P_corr, P_p1, P_n0, P_1p, P_0n, P_p0, P_n1, P_0p, P_1n) and r(N)."""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands.estat import subcommand
from hlmshell.errors import StataError
from hlmshell.returns import Returns


def _pct(num: int, den: int) -> float:
    return 100.0 * num / den if den else math.nan


@subcommand("classification", abbrev="class", syntax="[if] [in] [, ALL CUToff(real)]",
            help="classification table after logit, logistic, probit")
def estat_classification(session, args, result):
    from hlmshell.estimates.esample import esample
    from hlmshell.models.families import mean
    from hlmshell.postest.predict_glm import _xb
    from hlmshell.render.classification import Classification
    from hlmshell.estimates.glm import GLMModel
    model = result.model
    if not isinstance(model, GLMModel) or model.family != "bernoulli":
        # estimators without an estat list (regress, mixed, ...): estat_default's refusal
        raise StataError(321, "invalid subcommand classification")
    cutoff = float(args.options.get("cutoff", 0.5))
    if not 0 <= cutoff <= 1:      # unconfirmed wording
        raise StataError(198, "cutoff() must be between 0 and 1")
    with np.errstate(all="ignore"):
        xb, _, off = _xb(session, model, False)
        p = mean(model.link, xb + off)
    y = np.asarray(session.data.column(model.depvar), dtype=float)
    use = args.touse(session) & ~np.isnan(p) & ~np.isnan(y)
    if not args.options.get("all"):
        es = esample(result, session.data)
        if es is not None:
            use &= es
    if not use.any():
        raise StataError(2000, "no observations")
    pos, true = p[use] >= cutoff, y[use] != 0
    a, b = int(np.sum(pos & true)), int(np.sum(pos & ~true))
    c, d = int(np.sum(~pos & true)), int(np.sum(~pos & ~true))
    rates = {"P_corr": _pct(a + d, a + b + c + d), "P_p1": _pct(a, a + c),
             "P_n0": _pct(d, b + d), "P_1p": _pct(a, a + b), "P_0n": _pct(d, c + d),
             "P_p0": _pct(b, b + d), "P_n1": _pct(c, a + c), "P_0p": _pct(b, a + b),
             "P_1n": _pct(c, c + d)}
    r = Returns()
    r.scalars.update({"N": float(a + b + c + d), **rates})
    session.r = r
    word = "Probit" if model.link == "probit" else "Logistic"
    return Classification(word, model.depvar, a, b, c, d, cutoff, rates)
