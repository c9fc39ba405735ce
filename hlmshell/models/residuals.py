"""Residual covariance structures of `mixed, residuals()`: R_i = s2 C_i(phi) per lowest-level
group instead of s2 I.

How it is computed: with C_i = L_i L_i', the whitened data W y, W X, W Z (W = L^-1 per group)
follow the usual model with s2 I residuals, and
    -2 ll(y; theta, phi) = -2 ll(W y; theta) + sum_i log|C_i(phi)|
(the same shift for ML and REML: X'V^-1X is unchanged by W). So the profiled deviance of
lmm.LMM is reused unchanged on the whitened design; `StructuredLMM` wraps it with the
residual parameters phi appended to theta (its gradient in phi by central differences, k_phi
small). The plain independent case never comes here (today's fast path is untouched).

phi is in Stata's estimation metric (names: `Structure.names`):
  exchangeable   r_atr1 = atanh(rho)       C = (1-rho) I + rho J
  ar 1           r_atr1 = atanh(rho)       corr = rho^|t_i - t_j| (gaps allowed)
  independent, by(v)  r_lns#ose = ln(sd_# / sd_1) for the 2nd, 3rd, ... level of v
The whitening of each is in closed form (AR(1) is Markov in t, so W is bidiagonal even with
gaps; exchangeable has two eigenvalues).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .results import ModelError

KINDS = ("independent", "exchangeable", "ar")


@dataclass(frozen=True)
class ResidualSpec:
    kind: str                   # independent | exchangeable | ar
    order: int = 0              # ar #
    t: str | None = None        # t(varname)
    by: str | None = None       # by(varname)
    text: str = ""              # the residuals() text as typed (e(resopt))
    group: str | None = None    # the lowest level's variable (set by the command)

    @property
    def plain(self) -> bool:
        """Homoskedastic independent residuals: the ordinary model."""
        return self.kind == "independent" and self.by is None


class Structure:
    """The residual structure over the estimation sample: whitening and log|C| at phi."""

    def __init__(self, rs: ResidualSpec, design, data):
        self.rs = rs
        rows = design.rows
        n = len(rows)
        if design.levels:
            g = design.levels[-1].group
        else:   # every RE equation empty: the groups are still the last level variable's
            col = np.asarray(data[rs.group])[rows] if rs.group else np.zeros(n)
            g = np.unique(col.astype(str) if col.dtype == object else col,
                          return_inverse=True)[1].ravel()
        self.g = g
        if rs.t is not None:
            t = np.asarray(data[rs.t], dtype=float)[rows]
        else:
            t = np.arange(n, dtype=float)   # data order within the group
        order = np.lexsort((t, g))
        gs, ts = g[order], t[order]
        self.order = order
        self.first = np.r_[True, gs[1:] != gs[:-1]]
        if rs.t is not None and np.any(~self.first & (ts == np.r_[np.nan, ts[:-1]])):
            raise ModelError(451, "repeated time values within lowest-level group")
        self.lag = np.where(self.first, 0.0, ts - np.r_[ts[0], ts[:-1]])
        self.sizes = np.bincount(g)
        self.names: list[str] = []
        self.levels_by: list = []
        if rs.kind == "ar":
            if rs.order != 1:
                raise ModelError(198, "residuals(ar %d) not allowed; only ar 1 is implemented"
                                 % rs.order)
            if rs.t is not None and np.any(self.lag[~self.first] != np.round(self.lag[~self.first])):
                raise ModelError(198, f"t() variable {rs.t} must take integer values")
            if not np.any(~self.first):
                raise ModelError(198, "residuals(ar 1) requires groups with at least 2 "
                                      "observations")
            self.names = ["r_atr1"]
        elif rs.kind == "exchangeable":
            if self.sizes.max() < 2:
                raise ModelError(198, "residuals(exchangeable) requires groups with at least 2 "
                                      "observations")
            self.names = ["r_atr1"]
        if rs.by is not None:
            if rs.kind != "independent":
                raise ModelError(198, f"residuals({rs.kind}, by()) not allowed; by() is "
                                      "implemented with independent residuals only")
            b = np.asarray(data[rs.by])[rows]
            levels, code = np.unique(b, return_inverse=True)
            if len(levels) < 2:
                raise ModelError(198, f"by() variable {rs.by} must have at least 2 levels")
            self.levels_by = list(levels)
            self.code = code
            self.names = [f"r_lns{j}ose" for j in range(2, len(levels) + 1)]
        self.k = len(self.names)
        self.start = np.zeros(self.k)

    def whiten(self, phi, cols):
        """(whitened columns (n, d) in the sample-row order, log|C|) or None if phi invalid."""
        kind = self.rs.kind
        if self.rs.by is not None:
            lns = np.r_[0.0, phi]
            s = np.exp(-lns[self.code])
            return cols * s[:, None], float(2.0 * (lns[self.code]).sum())
        rho = float(np.tanh(phi[0]))
        if kind == "exchangeable":
            m = self.sizes
            lam2 = 1.0 + (m - 1) * rho             # the eigenvalue along the group mean
            if 1.0 - rho <= 0 or np.any(lam2 <= 0):
                return None
            means = np.stack([np.bincount(self.g, weights=c, minlength=len(m)) for c in cols.T], 1)
            means /= m[:, None]
            mg = means[self.g]
            out = (cols - mg) / np.sqrt(1.0 - rho) + mg / np.sqrt(lam2)[self.g][:, None]
            ld = float(((m - 1) * np.log(1.0 - rho) + np.log(lam2)).sum())
            return out, ld
        # AR(1) in t: e_j = rho^d e_{j-1} + sqrt(1 - rho^2d) * innovation
        o = self.order
        d = self.lag
        r = np.where(self.first, 0.0, np.sign(rho) ** d * np.abs(rho) ** d)
        v = 1.0 - r * r
        if np.any(v <= 0):
            return None
        cs = cols[o]
        prev = np.vstack([cs[:1], cs[:-1]])
        ws = (cs - r[:, None] * prev) / np.sqrt(v)[:, None]
        out = np.empty_like(cols)
        out[o] = ws
        return out, float(np.log(v).sum())

    def corr(self, phi, times):
        """Within-group correlation matrix over the given times (estat wcorrelation)."""
        rho = np.tanh(phi[0])
        t = np.asarray(times, dtype=float)
        if self.rs.kind == "ar":
            return rho ** np.abs(t[:, None] - t[None, :])
        if self.rs.kind == "exchangeable":
            return np.where(t[:, None] == t[None, :], 1.0, rho)
        return np.eye(len(t))

    # ---- what is shown ------------------------------------------------------------------
    @property
    def label(self) -> str:
        rs = self.rs
        if rs.by is not None:
            return f"Independent, by {rs.by}"
        return {"exchangeable": "Exchangeable", "ar": f"AR({rs.order})"}[rs.kind]

    @property
    def rstructure(self) -> str:
        return {"ar": "ar", "exchangeable": "exchangeable"}.get(self.rs.kind, "independent")

    @property
    def by_texts(self) -> list[str]:
        return [_level_text(v) for v in self.levels_by]

    def rows(self, by_labels=None):
        """[(label, kind, f(phi, s) -> value)]: the rows of the residual section."""
        if self.rs.by is not None:
            out = []
            for j, lev in enumerate(self.levels_by):
                lab = by_labels.get(lev, _level_text(lev)) if by_labels else _level_text(lev)
                out.append((f"{lab}: var(e)", "var",
                            lambda phi, s, j=j: np.exp(2 * s + 2 * (phi[j - 1] if j else 0.0))))
            return out
        if self.rs.kind == "exchangeable":
            return [("var(e)", "var", lambda phi, s: np.exp(2 * s)),
                    ("cov(e)", "cov", lambda phi, s: np.tanh(phi[0]) * np.exp(2 * s))]
        return [("rho", "corr", lambda phi, s: np.tanh(phi[0])),
                ("var(e)", "var", lambda phi, s: np.exp(2 * s))]


def _level_text(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def whitened_design(design, cols_w):
    """A Design over the sample rows with the whitened [Z_L .. Z_1 X y] columns."""
    n = len(design.rows)
    pos = 0
    levels = []
    for lv in reversed(design.levels):
        q = lv.Z_all.shape[1]
        levels.insert(0, replace(lv, Z_all=cols_w[:, pos:pos + q]))
        pos += q
    kf = design.X_all.shape[1]
    X = cols_w[:, pos:pos + kf]
    y = cols_w[:, pos + kf]
    return replace(design, y_all=y, X_all=X, levels=levels, rows=np.arange(n), weights=None)


class StructuredLMM:
    """LMM's interface (deviance, m2ll, fixed, solution, lambdas, levels, q, offsets) over
    theta_ext = (theta, phi)."""

    def __init__(self, design, reml: bool, structure: Structure):
        from .lmm import LMM
        self._LMM = LMM
        self.design = design
        self.reml = reml
        self.structure = structure
        rows = design.rows
        mats = [lv.Z_all[rows] for lv in reversed(design.levels)] + \
            [design.X_all[rows], design.y_all[rows][:, None]]
        self.cols = np.hstack(mats)
        base = LMM(design, reml)
        self.base = base
        self.levels, self.q, self.offsets = base.levels, base.q, base.offsets
        self.E, self.Eflat, self.k = base.E, base.Eflat, base.k
        self.n, self.p = base.n, base.p
        self.ktheta = int(base.offsets[-1])
        self.nfev = 0
        self._cache: dict = {}

    def lambdas(self, theta):
        return self.base.lambdas(np.asarray(theta)[..., :self.ktheta])

    def model_at(self, phi):
        key = tuple(np.round(np.asarray(phi, dtype=float), 15))
        hit = self._cache.get(key)
        if hit is None:
            w = self.structure.whiten(np.asarray(phi, dtype=float), self.cols)
            if w is None:
                hit = (None, np.inf)
            else:
                hit = (self._LMM(whitened_design(self.design, w[0]), self.reml), w[1])
            if len(self._cache) > 64:
                self._cache.clear()
            self._cache[key] = hit
        return hit

    def _eval(self, x, grad, fn):
        """fn(model, theta_or_psi, grad) over a batch; phi part of the gradient by central
        differences."""
        xs = np.atleast_2d(np.asarray(x, dtype=float))
        kt = self.ktheta
        kp = self.structure.k
        has_s = fn == "m2ll"
        P = xs.shape[0]
        vals = np.empty(P)
        grads = np.zeros((P, xs.shape[1]))
        self.nfev += 1
        for i in range(P):
            th = xs[i, :kt]
            phi = xs[i, kt:kt + kp]
            inner = np.r_[th, xs[i, -1]] if has_s else th
            vals[i], gi = self._one(phi, inner, grad, fn)
            if not grad:
                continue
            if has_s:
                grads[i, :kt], grads[i, -1] = gi[:kt], gi[-1]
            else:
                grads[i, :kt] = gi
            for j in range(kp):
                h = 1e-5 * max(1.0, abs(phi[j]))
                up, dn = phi.copy(), phi.copy()
                up[j] += h
                dn[j] -= h
                fu = self._one(up, inner, False, fn)[0]
                fd = self._one(dn, inner, False, fn)[0]
                grads[i, kt + j] = (fu - fd) / (2 * h)
        single = np.ndim(x) == 1
        if not grad:
            return float(vals[0]) if single else vals
        return (float(vals[0]), grads[0]) if single else (vals, grads)

    def _one(self, phi, inner, grad, fn):
        m, ld = self.model_at(phi)
        if m is None:
            return np.inf, np.zeros(len(inner))
        out = getattr(m, fn)(inner, grad)
        if grad:
            return out[0] + ld, out[1]
        return out + ld, None

    def deviance(self, theta, grad: bool = False):
        return self._eval(theta, grad, "deviance")

    def m2ll(self, psi, grad: bool = False):
        return self._eval(psi, grad, "m2ll")

    def fixed(self, theta):
        th = np.asarray(theta, dtype=float)
        m, _ = self.model_at(th[self.ktheta:])
        return m.fixed(th[:self.ktheta])

    def solution(self, theta):
        th = np.asarray(theta, dtype=float)
        m, _ = self.model_at(th[self.ktheta:])
        return m.solution(th[:self.ktheta])

    def exact_fit(self) -> bool:
        return self.base.exact_fit()


def fit_structured(spec, method, design, model, theta0, dev_linear, data, on_iteration):
    """The joint Newton fit in (theta, phi) from the independent-residual optimum."""
    from . import covariance as cv
    from .inference import build_result
    from .optimize import newton
    from .results import FitSummary
    rs = spec.extra["residuals"]
    if design.weights is not None:
        raise ModelError(198, "weights not allowed with residuals()")
    structure = Structure(rs, design, data)
    smodel = StructuredLMM(design, model.reml, structure)
    if len(theta0):     # the independent-residual optimum: a close start for theta
        free0 = np.ones(len(theta0), dtype=bool)
        theta0 = newton(model, theta0, free0, 100)[0]
    x0 = np.r_[theta0, structure.start]
    free = np.ones(len(x0), dtype=bool)
    bcoords = [model.offsets[l] + c for l, lv in enumerate(model.levels)
               for c in cv.boundary_coords(lv.covariance, model.q[l])]
    log: list[float] = []
    maxiter = max(int(spec.maxiter), 1)
    th, dev, g, iters, conv = newton(smodel, x0, free, maxiter, on_iteration, log,
                                     bcoords=bcoords)
    gnorm = float(np.max(np.abs(g))) if len(g) else 0.0
    summary = FitSummary(iterations=iters, function_evaluations=smodel.nfev,
                         gradient_norm=gnorm, converged=bool(conv),
                         message="converged" if conv else "convergence not achieved")
    if len(log) == 1 and conv:
        log.append(log[0])
    return build_result(spec, method, design, smodel, th, dev, free, [], summary, log,
                        dev_linear)
