"""What the single-equation estimators (regress, xtreg) share between the shell and the
numeric core: depvar + factor-variable terms, weights, vce(), the design, and e(b)/e(V)
over every design column (base and omitted columns as zeros, as Stata posts them).

No command registers here.
"""
from __future__ import annotations

import math
import re

import numpy as np

from hlmshell.errors import StataError
from hlmshell.matrix import StataMatrix
from hlmshell.syntax.factor import parse_terms, resolver_for, split_words

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")

# e(cmd) -> function(result) giving the command's display again, for `estimates replay`
# (each estimator registers its own when its module is imported)
REPLAY: dict = {}


def parse_varlist(session, text: str):
    """`depvar [indepvars]` → (depvar, terms). The depvar is a plain numeric variable."""
    from hlmshell.dataset.timeseries import operated_name
    from hlmshell.dataset.varlist import unabbreviate
    words = split_words(text)
    if not words:
        raise StataError(100, "varlist required")
    dep = words[0]
    operated = operated_name(dep, lambda v: unabbreviate(v, session.data.names))
    if operated:                                          # D.y: an operated depvar
        dep = operated
    elif "." in dep or "#" in dep:
        raise StataError(198, "depvar may not be a factor variable")
    elif any(c in dep for c in "*?~-"):
        from hlmshell.dataset.varlist import expand_varlist
        names = expand_varlist([dep], session.data.names)
        if not names:
            raise StataError(111, f"variable {dep} not found")
        extra = names[1:]
        dep = names[0]
        words = [dep] + extra + words[1:]
    elif not _NAME.match(dep):
        raise StataError(198, f"{dep} invalid name")
    else:
        dep = unabbreviate(dep, session.data.names)
    terms = parse_terms(words[1:], resolver_for(session.data.names))
    for v in [dep] + [f.var for t in terms for f in t.factors]:
        if session.data.is_string(v):
            raise StataError(109, "type mismatch")
    return dep, terms


def parse_vce(text: str | None, session, allowed=("ols", "robust", "cluster", "hc2", "hc3")):
    """vce(ols|robust|cluster var|hc2|hc3) → (kind, cluster variable or None)."""
    if text is None or text is True:
        return "ols", None
    words = str(text).split()
    if not words:
        raise StataError(198, "option vce() incorrectly specified")
    w = words[0].lower()
    kinds = {"ols": ("ols", 3), "conventional": ("ols", 4), "robust": ("robust", 1),
             "cluster": ("cluster", 2), "hc2": ("hc2", 3), "hc3": ("hc3", 3)}
    kind = next((k for name, (k, m) in kinds.items()
                 if name.startswith(w) and len(w) >= m), None)
    if kind is None or kind not in allowed:
        raise StataError(198, f"vcetype '{words[0]}' not allowed")
    if kind == "cluster":
        if len(words) != 2:
            raise StataError(198, "option vce() incorrectly specified")
        from hlmshell.dataset.varlist import unabbreviate
        return kind, unabbreviate(words[1], session.data.names)
    if len(words) > 1:
        raise StataError(198, "option vce() incorrectly specified")
    return kind, None


def weights(session, args, allowed=("fweight", "aweight", "pweight", "iweight"),
            default="aweight"):
    """(kind, values over all rows, `= exp` text) or (None, None, None)."""
    if args.weight is None:
        return None, None, None
    kind, text = args.weight
    if kind == "weight":
        kind = default
    if kind not in allowed:
        raise StataError(101, f"{kind}s not allowed")
    from hlmshell.dataset.evaluate import evaluate
    from hlmshell.syntax.expr import parse_expression
    values = evaluate(parse_expression(text), session)
    if values.dtype == object:
        raise StataError(109, "type mismatch")
    values = np.broadcast_to(np.asarray(values, dtype=float), (session.data.nobs,)).copy()
    return kind, values, f"= {text}"


def check_weights(kind: str, w: np.ndarray) -> None:
    ok = w[~np.isnan(w)]
    if kind != "iweight" and (ok < 0).any():
        raise StataError(402, "negative weights encountered")
    if kind == "fweight" and (ok != np.floor(ok)).any():
        raise StataError(401, "may not use noninteger frequency weights")


def weight_sample(kind: str | None, w: np.ndarray | None) -> np.ndarray | None:
    """Rows a weight keeps: not missing, and (except iweights) positive."""
    if kind is None:
        return None
    keep = ~np.isnan(w)
    return keep & (w != 0) if kind == "iweight" else keep & (w > 0)


def cluster_codes(session, var: str, rows: np.ndarray) -> np.ndarray:
    col = np.asarray(session.data.column(var))[rows]
    if col.dtype == object:
        col = col.astype(str)
    return np.unique(col, return_inverse=True)[1].ravel()


def cluster_ok(session, var: str) -> np.ndarray:
    col = np.asarray(session.data.column(var))
    if col.dtype == object:
        return col != ""
    return ~np.isnan(col.astype(float))


def build(session, depvar: str, terms, constant: bool, sample: np.ndarray, extra=()):
    """models.design.Design for y on the terms over the sample rows."""
    from hlmshell.models import ModelError
    from hlmshell.models.design import build_design
    from hlmshell.models.spec import ModelSpec
    names = [depvar] + [f.var for t in terms for f in t.factors] + list(extra)
    data = {v: session.data.column(v) for v in dict.fromkeys(names)}
    try:
        return build_design(ModelSpec(depvar, tuple(terms), (), constant), data, sample=sample)
    except ModelError as err:
        raise StataError(err.code, err.message) from None


def full_b_V(design, b: np.ndarray, V: np.ndarray, eq: str | None = None):
    """e(b), e(V) over every design column (zeros where omitted), Stata's names."""
    k = len(design.fixed_names)
    bf = np.zeros(k)
    Vf = np.zeros((k, k))
    keep = design.keep
    bf[keep] = b
    Vf[np.ix_(keep, keep)] = V
    names = [f"{eq}:{n}" if eq else n for n in design.fixed_names]
    return (StataMatrix(bf.reshape(1, -1), ["y1"], names),
            StataMatrix(Vf, list(names), list(names), symmetric=True))


def collinear_notes(design) -> list[str]:
    return [f"note: {name} omitted because of collinearity." for name in design.dropped]


def num(x) -> float:
    return math.nan if x is None else float(x)
