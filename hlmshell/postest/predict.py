"""`predict` after the single-equation estimators: one table per e(cmd) of the statistics
it offers, each a function (session, result) -> (values over all rows, variable label,
in-sample only?).

xb is rebuilt from e(b)'s names for the data in memory (models/xb.design_from_names), so
it works out of sample and after `estimates restore`. regress's influence statistics follow
[R] regress postestimation (Methods and formulas) with s = e(rmse).
"""
from __future__ import annotations


import numpy as np

from hlmshell.errors import StataError
from hlmshell.estimates.esample import positions


def storage_type(session, words: list[str]) -> str:
    """`predict [type] newvar`: the type typed first (taken off `words`), else `set type`'s;
    an integer type is promoted to float as Stata does for non-integer predictions."""
    stype = session.settings.get("type", "float")
    if words and words[0] in ("float", "double", "byte", "int", "long"):
        typed = words.pop(0)
        stype = typed if typed in ("float", "double") else "float"
    return stype


def xb_values(session, result) -> np.ndarray:
    from hlmshell.models import ModelError
    from hlmshell.models.xb import design_from_names
    _, idx, names = result.xb_columns()
    b = result.matrices["b"].values[0, idx]

    def get(v):
        if session.data.is_string(v):
            raise StataError(109, "type mismatch")
        return np.asarray(session.data.column(v), dtype=float)
    try:
        X = design_from_names(names, get, session.data.nobs)
    except ModelError as err:
        raise StataError(err.code, err.message) from None
    return X @ b, X, idx


def _depvar(session, result) -> np.ndarray:
    name = result.macros.get("depvar", "")
    if name not in session.data.names:
        raise StataError(111, f"variable {name} not found")
    return np.asarray(session.data.column(name), dtype=float)


def _stdp(session, result) -> np.ndarray:
    _, X, idx = xb_values(session, result)
    V = result.matrices["V"].values[np.ix_(idx, idx)]
    return np.sqrt(np.einsum("ij,jk,ik->i", X, V, X))


def _leverage(session, result) -> np.ndarray:
    """h = x'(X'X)^-1 x = stdp^2 / s^2 with the conventional VCE (unweighted fits)."""
    if result.macros.get("wtype"):
        raise StataError(198, "option not allowed after weighted estimation")
    _, X, idx = xb_values(session, result)
    fit = result.model.fit
    Ainv = np.zeros((len(idx), len(idx)))
    keep = result.model.design.keep
    Ainv[np.ix_(keep, keep)] = fit.XtWX_inv
    return np.einsum("ij,jk,ik->i", X, Ainv, X)


def _resid(session, result):
    xb, _, _ = xb_values(session, result)
    return _depvar(session, result) - xb


def _need_model(result):
    if result.model is None or not hasattr(result.model, "fit"):
        raise StataError(321, "predict statistic not available after estimates restore "
                              "of this result")


def regress_stat(stat: str):
    def compute(session, result):
        s = result.scalars
        if stat == "xb":
            return xb_values(session, result)[0], "Fitted values", False
        if stat == "residuals":
            return _resid(session, result), "Residuals", False
        if stat == "stdp":
            return _stdp(session, result), "S.E. of the prediction", False
        if stat == "stdf":
            return np.sqrt(_stdp(session, result) ** 2 + s["rmse"] ** 2), \
                "S.E. of the forecast", False
        _need_model(result)
        h = _leverage(session, result)
        e = _resid(session, result)
        rmse, df_r, k = s["rmse"], s["df_r"], s["rank"]
        if stat == "leverage":
            return h, "Leverage", False
        if stat == "rstandard":
            return e / (rmse * np.sqrt(1 - h)), "Standardized residuals", False
        if stat == "rstudent":
            rss = rmse ** 2 * df_r
            s_i = np.sqrt((rss - e * e / (1 - h)) / (df_r - 1)) if df_r > 1 else np.nan
            return e / (s_i * np.sqrt(1 - h)), "Studentized residuals", False
        if stat == "cooksd":
            return e * e * h / (k * rmse ** 2 * (1 - h) ** 2), "Cook's D", True
        raise StataError(198, f"option {stat} not allowed")
    return compute


def _panel_u(session, result):
    """u_i per row: the fitted panel effect of the row's panel (missing outside e(sample))."""
    _need_model(result)
    m = result.model
    u = np.full(len(m.sample), np.nan)
    u[m.design.rows] = m.fit.u[m.g]
    pos = positions(result, session.data)          # the estimation rows now in memory
    return u if pos is None else np.where(pos >= 0, u[np.maximum(pos, 0)], np.nan)


def xtreg_stat(stat: str):
    def compute(session, result):
        model = result.macros.get("model")
        if stat == "xb":
            return xb_values(session, result)[0], "Linear prediction", False
        if stat == "stdp":
            return _stdp(session, result), "S.E. of the prediction", False
        if model == "be" or (model == "mle" and stat != "ue"):
            raise StataError(198, f"option {stat} not allowed")
        if stat == "ue":
            return _resid(session, result), "u_i + e_it", False
        u = _panel_u(session, result)
        if stat == "u":
            return u, "u_i", True
        if stat == "e":
            return _resid(session, result) - u, "e_it", True
        if stat == "xbu":
            return xb_values(session, result)[0] + u, "Prediction including effect", True
        raise StataError(198, f"option {stat} not allowed")
    return compute


REGRESS = ("xb", "residuals", "stdp", "stdf", "rstandard", "rstudent", "leverage", "cooksd")
XTREG = ("xb", "stdp", "ue", "u", "e", "xbu")
PREDICTORS = {"regress": {s: regress_stat(s) for s in REGRESS},
              "xtreg": {s: xtreg_stat(s) for s in XTREG}}
PREDICTORS["anova"] = PREDICTORS["regress"]        # anova's predict is regress's (regres_p)


# e(cmd) -> (default statistic, the note predict prints) where the default is not xb
DEFAULTS: dict = {}


def predict_family(session, result, stat: str | None):
    """(values, label, in-sample only) of `stat` (None: the default, xb unless DEFAULTS
    says otherwise) for e(cmd)."""
    table = PREDICTORS[result.cmd]
    stat = stat or DEFAULTS.get(result.cmd, ("xb",))[0]
    if stat not in table:
        raise StataError(198, f"option {stat} not allowed")
    with np.errstate(all="ignore"):
        values, label, in_sample = table[stat](session, result)
    return np.asarray(values, dtype=float), label, in_sample
