"""`predict` after xtgee ([XT] xtgee postestimation): mu (the default: n g^-1(xb + offset),
n the binomial trials), rate (g^-1(xb), no offset, n = 1), xb (with the offset), stdp.
Registered in postest/predict.py's PREDICTORS and DEFAULTS.
"""
from __future__ import annotations

import numpy as np

from hlmshell.errors import StataError
from hlmshell.postest.predict import DEFAULTS, PREDICTORS, _stdp, xb_values
from hlmshell.postest.predict_xt import _offset


def _inverse(link: str, eta):
    from hlmshell.models.glm_general import Link
    return Link(link).mean(eta)[0]


def _trials(session, result):
    n = result.model.trials
    if isinstance(n, str):
        if n not in session.data.names:
            raise StataError(111, f"variable {n} not found")
        return np.asarray(session.data.column(n), dtype=float)
    return float(n)


def _stat(stat: str):
    def compute(session, result):
        link = result.model.link
        xb = xb_values(session, result)[0]
        if stat == "xb":
            return xb + _offset(session, result), "Linear prediction", False
        if stat == "stdp":
            return _stdp(session, result), "S.E. of the linear prediction", False
        if stat == "rate":
            return _inverse(link, xb), "Predicted rate", False
        mu = _trials(session, result) * _inverse(link, xb + _offset(session, result))
        return mu, f"Predicted mean {result.macros['depvar']}", False
    return compute


PREDICTORS["xtgee"] = {s: _stat(s) for s in ("mu", "rate", "xb", "stdp")}
DEFAULTS["xtgee"] = ("mu", "(option mu assumed; predicted mean "
                           "{depvar})")   # wording unconfirmed
