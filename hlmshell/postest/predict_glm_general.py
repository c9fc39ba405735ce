"""`predict` after glm: mu (the default), xb, eta, stdp, response, pearson, deviance,
anscombe (Gaussian, Poisson, gamma, inverse Gaussian), with nooffset.

The fixed part's X is rebuilt from e(b)'s names for the data in memory (models/xb), so
predictions cover every observation with the covariates, as Stata's.
"""
from __future__ import annotations

import numpy as np

from hlmshell.errors import StataError

_WORDS = (("mu", "mu"), ("xb", "xb"), ("eta", "eta"), ("stdp", "stdp"),
          ("response", "r"), ("pearson", "p"), ("deviance", "d"), ("anscombe", "a"),
          ("nooffset", "nooff"))


def _options(args) -> dict:
    out = {}
    for key, value in args.options.items():
        low = key.lower()
        full = next((f for f, m in _WORDS if f.startswith(low) and len(low) >= len(m)), None)
        if full is None or value is not True:
            shown = f"{key}()" if value is not True else key
            raise StataError(198, f"option {shown} not allowed")
        out[full] = True
    return out


def _anscombe(family: str, y, mu):
    """Anscombe residuals ([R] glm Methods and formulas) for the families with a closed
    form here; the binomial and negative binomial ones need incomplete beta terms."""
    with np.errstate(all="ignore"):
        if family == "gaussian":
            return y - mu
        if family == "poisson":
            return 1.5 * (y ** (2 / 3) - mu ** (2 / 3)) / mu ** (1 / 6)
        if family == "gamma":
            return 3 * (y ** (1 / 3) - mu ** (1 / 3)) / mu ** (1 / 3)
        if family == "igaussian":
            return (np.log(y) - np.log(mu)) / np.sqrt(mu)
    raise StataError(198, f"option anscombe not allowed with family {family}")


def predict_glm_general(session, args, result, new_names, missing_note):
    from hlmshell.models.glm_general import Family, Link
    from hlmshell.postest.predict_glm import _xb
    model = result.model
    opts = _options(args)
    stats = [w for w, _ in _WORDS[:-1] if opts.get(w)]
    if len(stats) > 1:
        raise StataError(198, "only one statistic may be specified")
    stat = stats[0] if stats else "mu"
    words = args.anything.split()
    stype = "float"
    if words and words[0] in ("float", "double", "byte", "int", "long"):
        stype = "double" if words.pop(0) == "double" else "float"
    if not words:
        raise StataError(100, "varlist required")
    name = new_names(session, words, 1)[0]
    touse = args.touse(session)
    xb, X, off = _xb(session, model, bool(opts.get("nooffset")))
    eta = xb + off
    messages = [] if stats else [f"(option mu assumed; predicted mean {model.depvar})"]
    if stat in ("xb", "eta"):
        values, label = eta, "Linear prediction" if stat == "xb" else "Fitted linear predictor"
    elif stat == "stdp":
        k = len(model.names)
        values = np.sqrt(np.einsum("ij,jk,ik->i", X, np.asarray(model.V)[:k, :k], X))
        label = "S.E. of the prediction"
    else:
        trials = model.trials
        if isinstance(trials, str):
            n = np.asarray(session.data.column(trials), dtype=float)
        else:
            n = float(trials) if model.family == "binomial" else 1.0
        p, _, _ = Link(model.link, model.link_arg).mean(eta)
        mu = n * p
        if stat == "mu":
            values, label = mu, f"Predicted mean {model.depvar}"
        else:
            y = np.asarray(session.data.column(model.depvar), dtype=float)
            fam = Family(model.family, n, model.k)
            with np.errstate(all="ignore"):
                if stat == "response":
                    values, label = y - mu, "Response residual"
                elif stat == "pearson":
                    V, _ = fam.variance(mu)
                    values, label = (y - mu) / np.sqrt(V), "Pearson residual"
                elif stat == "deviance":
                    d = fam.deviance(y, mu)
                    values = np.sign(y - mu) * np.sqrt(np.maximum(d, 0.0))
                    label = "Deviance residual"
                else:
                    values, label = _anscombe(model.family, y, mu), "Anscombe residual"
    values = np.where(touse, np.asarray(values, dtype=float), np.nan)
    session.data.add(name, values, stype, label=label)
    note = missing_note(session.data.column(name))
    if note:
        messages.append(note)
    return "\n".join(messages) or None
