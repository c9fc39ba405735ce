"""margins, expression(): margins of a function of the model's predictions ([R] margins).

The expression is an ordinary Stata expression in which `predict(opt)` and `xb()` stand for
predictions; with one linear index every such prediction is a function of eta = x'b, so the
expression is h(eta) and margins treats h as it treats an inverse link. Its derivatives are
taken numerically (Stata also differentiates expression() numerically), central differences
with a step relative to |eta|: about 1e-9 relative error in h', 1e-7 in h''.

Data variables and _b[] inside the expression are refused: the first would need the
counterfactual data of at() to reach the expression, the second a derivative in b outside
eta; neither is built.
"""
from __future__ import annotations

import re

import numpy as np

from hlmshell.errors import StataError

_PRED = re.compile(r"\bpredict\s*\(([^()]*)\)|\bxb\s*\(\s*\)", re.IGNORECASE)
_STEP = 1e-4


def _prediction(opt: str, link: str, me: bool):
    """The inverse link a predict() option asks for, as a function of eta. After me* models
    predict()'s mean is marginal over the random effects (postest/me_margins), which
    depends on a variance outside eta: only xb and the fixed-only mean are taken here."""
    from hlmshell.postest.margins import link_functions
    word = " ".join(opt.strip().lower().split())
    if me:
        from hlmshell.postest.me_margins import prediction_kind
        kind = prediction_kind(word)
        if kind == "marginal":
            raise StataError(198, f"predict({opt.strip()}) not allowed in expression() after "
                                  "an me* model (the marginal mean); use predict(fixedonly) "
                                  "or xb()")
        word = "xb" if kind == "xb" else ""
    if word == "xb" or (word in ("", "mu", "pr", "n") and link == "identity"):
        return lambda e: e
    if word in ("", "mu", "pr", "n"):
        return link_functions(link)[0]
    raise StataError(198, f"predict({opt.strip()}) not allowed in expression()")


def transform(text: str, link: str, me: bool = False):
    """(h, h', h'') for expression(text) after a model with inverse link `link` (an me*
    model's when `me`)."""
    from hlmshell.dataset.dataset import Dataset
    from hlmshell.dataset.evaluate import evaluate
    from hlmshell.syntax import expr as ast
    preds: list = []

    def placeholder(m):
        preds.append(_prediction("xb" if m.group(1) is None else m.group(1), link, me))
        return f" __pred{len(preds) - 1} "
    body = _PRED.sub(placeholder, text)
    if not preds:
        raise StataError(198, "expression() must contain predict() or xb()")
    node = ast.parse_expression(body)
    for sub in _walk(node):
        if isinstance(sub, ast.Name) and not sub.name.startswith("__pred"):
            raise StataError(198, f"expression(): {sub.name} not allowed; the expression may "
                                  "hold predict() terms, xb(), numbers and functions")
        if isinstance(sub, (ast.Coef, ast.Returns, ast.SystemRef, ast.Index)):
            raise StataError(198, "expression(): only predict() terms, xb(), numbers and "
                                  "functions are allowed")

    class _Ctx:
        pass

    def h(eta):
        eta = np.atleast_1d(np.asarray(eta, dtype=float))
        ctx = _Ctx()
        ctx.data = Dataset()
        for k, f in enumerate(preds):
            ctx.data.add(f"__pred{k}", f(eta), "double")
        return evaluate(node, ctx)

    def step(eta):
        return _STEP * (1 + np.abs(eta))

    def d1(eta):
        s = step(eta)
        return (h(eta + s) - h(eta - s)) / (2 * s)

    def d2(eta):
        s = step(eta)
        return (h(eta + s) - 2 * h(eta) + h(eta - s)) / (s * s)
    return h, d1, d2


def _walk(node):
    yield node
    for value in getattr(node, "__dict__", {}).values():
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if hasattr(item, "__dataclass_fields__"):
                yield from _walk(item)
