"""Margins: predictive margins, adjusted predictions and marginal effects ([R] margins).

Over any estimation result: X is rebuilt from e(b)'s xb column names for counterfactual
data (`models.xb.design_from_names`), the prediction is `link(xb)` (or xb itself), and the
SEs come from the delta method with the analytic Jacobian through the linear predictor and
the link: for a margin m = mean_i g(x_i'b), dm/db = mean_i g'(x_i'b) x_i.

Definitions (Stata's):
- a predictive margin averages the predictions over the estimation sample (restricted by
  if/in and over()), with the at() and marginlist variables set to their values;
- dydx(x) of a continuous x averages the derivative of the prediction; X's derivative in x
  is taken by central differences, exact for the products of at most quadratic terms that
  factor-variable names make; of a factor, the discrete change from the base level;
- eyex/dyex/eydx scale each observation's derivative by x/y, x, 1/y before averaging;
- atmeans puts the covariates not otherwise set at their sample means (a factor's level
  indicators at their shares).
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from hlmshell.dataset.timeseries import OPERATED
from hlmshell.errors import StataError
from hlmshell.models.xb import design_from_names


# -------------------------------------------------------------------------- links
def _normal():
    from scipy.special import ndtr
    return ndtr


def link_functions(link: str):
    """(g, g', g'') of the inverse link, applied to the linear predictor; a tuple is such a
    triple already (me_margins: the mean marginal over a random intercept)."""
    if isinstance(link, tuple):
        return link
    if link == "identity":
        return (lambda e: e, lambda e: np.ones_like(e), lambda e: np.zeros_like(e))
    if link == "logit":
        def g(e):
            return 1 / (1 + np.exp(-e))
        return (g, lambda e: g(e) * (1 - g(e)), lambda e: g(e) * (1 - g(e)) * (1 - 2 * g(e)))
    if link == "probit":
        phi = lambda e: np.exp(-e * e / 2) / math.sqrt(2 * math.pi)  # noqa: E731
        return (lambda e: _normal()(e), phi, lambda e: -e * phi(e))
    if link == "cloglog":
        g = lambda e: 1 - np.exp(-np.exp(e))  # noqa: E731
        d1 = lambda e: np.exp(e - np.exp(e))  # noqa: E731
        return (g, d1, lambda e: d1(e) * (1 - np.exp(e)))
    if link == "log":
        return (np.exp, np.exp, np.exp)
    raise StataError(198, f"link {link} not supported by margins")


# ---------------------------------------------------------------------- covariates
@dataclass
class Covariates:
    """The variables in the xb names: which are factors, their levels and base level."""
    names: list[str]                       # xb column names (no equation)
    variables: list[str] = field(default_factory=list)
    levels: dict = field(default_factory=dict)   # factor var -> sorted levels
    base: dict = field(default_factory=dict)     # factor var -> base level

    @classmethod
    def from_names(cls, names: list[str]) -> "Covariates":
        cov = cls(list(names))
        for name in names:
            if name == "_cons":
                continue
            for part in name.split("#"):
                prefix, dot, var = part.rpartition(".")
                if OPERATED.match(part):      # `L.x` is a covariate of its own
                    prefix, dot, var = "", "", part
                if var not in cov.variables:
                    cov.variables.append(var)
                marks = prefix.lstrip("0123456789.-")
                level = prefix[: len(prefix) - len(marks)]
                if dot and level:
                    lv = float(level)
                    cov.levels.setdefault(var, set()).add(lv)
                    if "b" in marks:
                        cov.base[var] = lv
        for var in list(cov.levels):
            cov.levels[var] = sorted(cov.levels[var])
            cov.base.setdefault(var, cov.levels[var][0])
        return cov

    def is_factor(self, var: str) -> bool:
        return var in self.levels

    def require(self, var: str) -> None:
        if var not in self.variables:
            raise StataError(322, f"'{var}' not found in list of covariates")


# ------------------------------------------------------------------------- request
@dataclass
class AtSetting:
    """One covariate's setting in one at-point: a value, or a statistic of the sample."""
    var: str
    value: float | None = None
    stat: str | None = None                # mean median p# min max asobserved


@dataclass
class MarginsRequest:
    terms: list[list[str]] = field(default_factory=list)   # marginlist: factor vars per term
    ats: list[list[list[AtSetting]]] = field(default_factory=list)  # per at(): its points
    atmeans: bool = False
    effect: str | None = None              # dydx eyex dyex eydx
    effect_vars: list[str] = field(default_factory=list)
    over: list[str] = field(default_factory=list)
    linear: bool = False                   # predict(xb): no inverse link
    expression: tuple | None = None        # expression(): (h, h', h'') of eta (margins_expr)
    balanced: bool = False                 # with atmeans: factors at equal shares (asbalanced)
    level: float = 95


@dataclass
class MarginRow:
    """One estimate: its labels per dimension (`_at`, factor terms, effect variable)."""
    at: int | None                         # 1-based at-point number, None without at()
    term: tuple[str, ...]                  # factor variables of the marginlist/over cell
    levels: tuple[float, ...]
    effect_var: str | None = None
    effect_level: float | None = None      # a factor dydx's level (base: shown as 0)
    base: bool = False


@dataclass
class MarginsResult:
    rows: list[MarginRow]
    b: np.ndarray
    V: np.ndarray
    J: np.ndarray                          # Jacobian over e(b)'s columns
    at_points: list[dict]                  # per at-point: var -> (value, stat or None)
    at_matrix: np.ndarray                  # at-points x covariates (NaN: not fixed)
    at_vars: list[str]
    N: int
    all_fixed: bool                        # every covariate set: "Adjusted predictions"
    request: MarginsRequest = None
    # filled by the command for marginsplot: row labels as displayed, CI bounds, level
    labels: list[str] = field(default_factory=list)
    lb: np.ndarray | None = None
    ub: np.ndarray | None = None
    level: float = 95
    title: str = ""                        # "Predictive margins", ...
    expression: str = ""                   # "Linear prediction, fixed portion", ...


# ------------------------------------------------------------------------- compute
def _stat(x: np.ndarray, stat: str) -> float:
    x = x[~np.isnan(x)]
    if not len(x):
        return math.nan
    if stat == "mean":
        return float(x.mean())
    if stat == "min":
        return float(x.min())
    if stat == "max":
        return float(x.max())
    if stat == "median":
        stat = "p50"
    if stat.startswith("p") and stat[1:].isdigit() and 1 <= int(stat[1:]) <= 99:
        from hlmshell.commands.summarize import percentile
        return percentile(np.sort(x), int(stat[1:]))
    raise StataError(198, f"{stat} invalid statistic")


def compute(req: MarginsRequest, names: list[str], bidx: list[int], b: np.ndarray,
            V: np.ndarray, link: str, column: Callable[[str], np.ndarray],
            sample: np.ndarray) -> MarginsResult:
    """Margins over the rows `sample` (bool over the data), e(b) = b with the xb columns
    at positions bidx and names `names`; column(var) gives a data column (float)."""
    cov = Covariates.from_names(names)
    for term in req.terms:   # Stata's wording for a marginlist term; r(322)
        for var in term:
            if not cov.is_factor(var):
                raise StataError(322, f"factor '{var}' not found in list of covariates")
    for var in req.effect_vars:
        cov.require(var)
        if cov.is_factor(var) and req.effect != "dydx":
            raise StataError(198, f"{req.effect}() not allowed with factor variable {var}")
    for at in req.ats:
        for point in at:
            for s in point:
                cov.require(s.var)
                # a factor set to a level the model does not know would silently act as
                # the base level; refused (Stata's exact message is not confirmed)
                if s.stat is None and cov.is_factor(s.var) and s.value not in cov.levels[s.var]:
                    raise StataError(198, f"at(): {s.value:g} is not a level of factor "
                                          f"{s.var} in the model")
    if req.expression is not None:
        g, d1, d2 = req.expression
    else:
        g, d1, d2 = link_functions("identity" if req.linear else link)
    bx = np.where(np.isfinite(b[bidx]), b[bidx], 0.0)
    rows = np.asarray(sample, dtype=bool)
    cols = {v: np.asarray(column(v), dtype=float) for v in cov.variables}
    rows = rows & np.all([~np.isnan(cols[v]) for v in cov.variables] or [rows], axis=0)
    N = int(rows.sum())
    if N == 0:
        raise StataError(2000, "no observations")

    # at-points: each at() gives the product of its own lists; several at() stack
    points: list[list[AtSetting]] = []
    for at in req.ats:
        points.extend(at)
    has_at = bool(points)
    if not points:
        points = [[]]

    # over() groups, then marginlist cells
    over_groups: list[tuple[tuple[float, ...], np.ndarray]] = [((), rows)]
    if req.over:
        ocols = [np.asarray(column(v), dtype=float) for v in req.over]
        for v, c in zip(req.over, ocols):   # over() variables are factor variables
            x = c[rows & ~np.isnan(c)]
            if np.any(x != np.round(x)):
                raise StataError(452, f"{v}:  factor variables may not contain noninteger "
                                      "values")
            if np.any(x < 0):
                raise StataError(452, f"{v}:  factor variables may not contain negative "
                                      "values")
        keys = sorted({tuple(float(c[i]) for c in ocols) for i in np.flatnonzero(rows)
                       if not any(math.isnan(c[i]) for c in ocols)})
        over_groups = [(k, rows & np.all([c == x for c, x in zip(ocols, k)], axis=0))
                       for k in keys]
    cells: list[tuple[tuple[str, ...], tuple[float, ...]]] = []
    for term in req.terms:
        for combo in itertools.product(*(cov.levels[v] for v in term)):
            cells.append((tuple(term), tuple(combo)))
    if not cells:
        cells = [((), ())]

    def settings_for(point, grows):
        fixed, shares = {}, {}
        for s in point:
            if s.stat == "asobserved":
                continue
            value = s.value if s.stat is None else _stat(cols[s.var][grows], s.stat)
            if s.stat is not None and cov.is_factor(s.var) and s.stat == "mean":
                x = cols[s.var][grows]
                shares[s.var] = {lv: float(np.mean(x == lv)) for lv in cov.levels[s.var]}
            else:
                fixed[s.var] = value
        if req.atmeans:
            for v in cov.variables:
                if v in fixed or v in shares or any(s.var == v for s in point):
                    continue
                x = cols[v][grows]
                if cov.is_factor(v) and req.balanced:
                    shares[v] = {lv: 1 / len(cov.levels[v]) for lv in cov.levels[v]}
                elif cov.is_factor(v):
                    shares[v] = {lv: float(np.mean(x == lv)) for lv in cov.levels[v]}
                else:
                    fixed[v] = float(x.mean())
        return fixed, shares

    def design(grows, fixed, shares, shift=None, collapse=False):
        """X over the rows; with collapse, one row when every covariate is set (all rows
        of X are then equal, and their mean is that row)."""
        n = int(grows.sum())
        if collapse and shift is None and all(v in fixed or v in shares
                                              for v in cov.variables):
            grows, n = None, 1

        def get(v):
            if shift is not None and v == shift[0]:
                base = np.full(n, fixed[v]) if v in fixed else cols[v][grows]
                return base + shift[1]
            if v in fixed:
                return np.full(n, float(fixed[v]))
            return cols[v][grows]
        return design_from_names(names, get, n, shares or None)

    def prediction(X):
        if req.expression is None and (req.linear or link == "identity"):
            # mean of X b = (mean X) b
            xbar = X.mean(axis=0)
            return float(xbar @ bx), xbar
        eta = X @ bx
        mu = g(eta)
        J = (d1(eta)[:, None] * X).mean(axis=0)
        return float(mu.mean()), J

    def effect(grows, fixed, shares, var):
        """Average of dy/dx (scaled for ey/ex forms) and its gradient in b."""
        x0 = np.full(int(grows.sum()), fixed[var]) if var in fixed else cols[var][grows]
        h = 1e-4 * (1 + float(np.nanmean(np.abs(x0))))
        X = design(grows, fixed, shares)
        dX = (design(grows, fixed, shares, (var, h)) - design(grows, fixed, shares, (var, -h))) / (2 * h)
        eta = X @ bx
        slope = dX @ bx
        dmu = d1(eta) * slope
        ddmu = d2(eta)[:, None] * slope[:, None] * X + d1(eta)[:, None] * dX
        scale = np.ones_like(eta)
        dscale = np.zeros_like(X)
        kind = req.effect
        if kind in ("eyex", "eydx"):
            mu = g(eta)
            scale = scale / mu
            dscale = -(d1(eta) / mu ** 2)[:, None] * X
        if kind in ("eyex", "dyex"):
            scale = scale * x0
            dscale = dscale * x0[:, None]
        val = dmu * scale
        grad = ddmu * scale[:, None] + dmu[:, None] * dscale
        return float(val.mean()), grad.mean(axis=0)

    out_rows, est, jac, at_points = [], [], [], []
    at_vars = [v for v in cov.variables]
    at_matrix = []
    all_fixed = True
    for p_no, point in enumerate(points, start=1):
        fixed_all, shares_all = settings_for(point, rows)
        legend: dict = {}
        for s in point:
            if s.var in shares_all:     # a factor at its mean: one entry per level
                for lv, share in shares_all[s.var].items():
                    legend[f"{lv:g}.{s.var}"] = (share, s.stat)
            else:
                legend[s.var] = (fixed_all.get(s.var, s.value), s.stat)
        at_points.append(legend)
        at_matrix.append([fixed_all.get(v, math.nan) for v in at_vars])
        set_vars = {s.var for s in point if s.stat != "asobserved"} | \
            {v for t in req.terms for v in t}
        if not req.atmeans and any(v not in set_vars for v in cov.variables):
            all_fixed = False
        for okey, grows in over_groups:
            fixed, shares = settings_for(point, grows)
            for term, combo in cells:
                f2 = dict(fixed)
                s2 = {k: v for k, v in shares.items() if k not in term}
                f2.update(zip(term, combo))
                label_term = tuple(req.over) + term
                label_lv = okey + combo
                at_no = p_no if has_at else None
                if req.effect is None:
                    m, J = prediction(design(grows, f2, s2, collapse=True))
                    out_rows.append(MarginRow(at_no, label_term, label_lv))
                    est.append(m)
                    jac.append(J)
                    continue
                for var in req.effect_vars:
                    if not cov.is_factor(var):
                        m, J = effect(grows, f2, s2, var)
                        out_rows.append(MarginRow(at_no, label_term, label_lv, var))
                        est.append(m)
                        jac.append(J)
                        continue
                    base = cov.base[var]
                    s3 = {k: v for k, v in s2.items() if k != var}
                    m0, J0 = prediction(design(grows, {**f2, var: base}, s3, collapse=True))
                    for lv in cov.levels[var]:
                        m1, J1 = prediction(design(grows, {**f2, var: lv}, s3, collapse=True))
                        out_rows.append(MarginRow(at_no, label_term, label_lv, var, lv,
                                                  base=(lv == base)))
                        est.append(0.0 if lv == base else m1 - m0)
                        jac.append(np.zeros_like(J0) if lv == base else J1 - J0)
    Jx = np.array(jac)
    J = np.zeros((len(est), len(b)))
    J[:, bidx] = Jx
    Vb = np.where(np.isfinite(V), V, 0.0)
    Vm = J @ Vb @ J.T
    return MarginsResult(out_rows, np.array(est), Vm, J, at_points, np.array(at_matrix),
                         at_vars, N, all_fixed or req.atmeans, req)
