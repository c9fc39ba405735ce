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

    def blocks(self, cols):
        """Per-group cross-product blocks B (C, G, d, d) of the columns (sample-row order)
        such that the whitened M_g(phi) = sum_c coefs(phi)[c, g] B[c, g]: the data are
        passed once; every phi then costs O(G d^2)."""
        from scipy import sparse
        n, d = cols.shape
        g = self.g
        G = int(g.max()) + 1 if n else 0
        self.G = G
        o = self.order
        rs = self.rs
        if rs.by is not None:
            cls, K = self.code, len(self.levels_by)
            parts = [(cls, cols, cols)]
        elif rs.kind == "exchangeable":
            sums = sparse.csr_matrix((np.ones(n), (g, np.arange(n))), shape=(G, n)) @ cols
            S = self._sum(g, G, cols, cols)
            Bm = sums[:, :, None] * sums[:, None, :] / self.sizes[:, None, None]
            return np.stack([S - Bm, Bm])
        else:   # ar 1: the first row of each group, then one class per distinct lag
            lags, inv = np.unique(self.lag[~self.first], return_inverse=True)
            self.lags = lags
            self.lag_counts = np.bincount(inv, minlength=len(lags))
            cs = cols[o]
            prev = np.vstack([cs[:1], cs[:-1]])
            gs = g[o]
            first = self.first
            B = [self._sum(gs[first], G, cs[first], cs[first])[None]]
            nf = ~first
            cls = inv
            K = len(lags)
            a, b, gg = cs[nf], prev[nf], gs[nf]
            out = []
            for x, y in ((a, a), (a, b), (b, b)):
                out.append(self._sum(gg * K + cls, G * K, x, y).reshape(G, K, d, d))
            B0, B1, B2 = out
            B1 = B1 + np.swapaxes(B1, -1, -2)
            B += [np.moveaxis(B0, 1, 0), np.moveaxis(B1, 1, 0), np.moveaxis(B2, 1, 0)]
            return np.concatenate(B)
        cls, x, _ = parts[0]
        return np.moveaxis(self._sum(g * K + cls, G * K, x, x).reshape(G, K, d, d), 1, 0)

    @staticmethod
    def _sum(idx, m, x, y):
        """sum over rows with idx == i of x_r y_r' -> (m, d, d)."""
        from scipy import sparse
        n, d = x.shape
        outer = (x[:, :, None] * y[:, None, :]).reshape(n, d * d)
        ind = sparse.csr_matrix((np.ones(n), (idx, np.arange(n))), shape=(m, n))
        return np.asarray(ind @ outer).reshape(m, d, d)

    def coefs(self, phi):
        """(C, G) or (C, 1) coefficients of the blocks and log|C| at phi; None if invalid."""
        rs = self.rs
        if rs.by is not None:
            lns = np.r_[0.0, phi]
            w = np.exp(-2 * lns)
            counts = np.bincount(self.code, minlength=len(lns))
            return w[:, None], float(2.0 * (lns * counts).sum())
        rho = float(np.tanh(phi[0]))
        if rs.kind == "exchangeable":
            m = self.sizes
            lam2 = 1.0 + (m - 1) * rho
            if 1.0 - rho <= 0 or np.any(lam2 <= 0):
                return None
            c = np.stack([np.full(len(m), 1.0 / (1.0 - rho)), 1.0 / lam2])
            return c, float(((m - 1) * np.log(1.0 - rho) + np.log(lam2)).sum())
        r = np.sign(rho) ** self.lags * np.abs(rho) ** self.lags
        v = 1.0 - r * r
        if np.any(v <= 0):
            return None
        c = np.r_[1.0, 1.0 / v, -r / v, r * r / v]
        return c[:, None], float((self.lag_counts * np.log(v)).sum())

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
            [design.X_all[rows][:, design.keep], design.y_all[rows][:, None]]
        self.B = structure.blocks(np.hstack(mats))
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
            w = self.structure.coefs(np.asarray(phi, dtype=float))
            if w is None:
                hit = (None, np.inf)
            else:
                c, ld = w
                if c.shape[1] == 1:     # one coefficient per block: a plain weighted sum
                    M = np.tensordot(c[:, 0], self.B, 1)
                else:
                    M = np.einsum("cg,cgij->gij", c, self.B)
                if not self.design.levels:
                    M = M.sum(0, keepdims=True)
                hit = (self._LMM(self.design, self.reml, M0=M), ld)
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
    log: list[float] = []
    if structure.k == 1:    # one parameter: its profile (the joint Newton is not needed)
        th, a, conv = _profile(smodel, theta0, log, on_iteration)
        x = np.r_[th, a]
        dev = smodel.deviance(x)
        summary = FitSummary(iterations=max(len(log) - 1, 1), function_evaluations=smodel.nfev,
                             converged=bool(conv),
                             message="converged" if conv else "convergence not achieved")
        if len(log) == 1:
            log.append(log[0])
        return build_result(spec, method, design, smodel, x, dev, np.ones(len(x), dtype=bool),
                            [], summary, log, dev_linear)
    x0 = np.r_[theta0, structure.start]
    free = np.ones(len(x0), dtype=bool)
    bcoords = [model.offsets[l] + c for l, lv in enumerate(model.levels)
               for c in cv.boundary_coords(lv.covariance, model.q[l])]
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


def _profile(smodel, theta0, log, on_iteration):
    """Minimise the profile p(a) = min_theta dev(theta, a) over the one residual parameter a.
    By the envelope theorem p'(a) is the partial derivative at theta*(a) (central
    differences in a with theta fixed), so a safeguarded secant on p' needs one warm-started
    Newton on theta (the fast one-level deviance) per step. Falls back to bounded Brent."""
    from .optimize import newton
    st = smodel.structure
    lo, hi = -4.0, 4.0
    if st.rs.kind == "exchangeable":
        lo = float(np.arctanh(max(-1.0 / max(st.sizes.max() - 1, 1) + 1e-6, -0.9993)))
    free = np.ones(len(theta0), dtype=bool)
    state = {"theta": theta0}

    def inner(a):
        m, ld = smodel.model_at([a])
        if m is None:
            return None
        th = newton(m, state["theta"], free, 100)[0] if len(theta0) else theta0
        dev = m.deviance(th) + ld
        if not np.isfinite(dev):
            return None
        state["theta"] = th
        h = 1e-5
        up, dn = smodel.model_at([a + h]), smodel.model_at([a - h])
        if up[0] is None or dn[0] is None:
            return dev, np.nan
        return dev, (up[0].deviance(th) + up[1] - dn[0].deviance(th) - dn[1]) / (2 * h)

    def record(dev):
        log.append(-dev / 2)
        if on_iteration:
            on_iteration(len(log) - 1, -dev / 2)

    a0 = 0.0
    f0 = inner(a0)
    record(f0[0])
    a1 = a0 - 0.2 * np.sign(f0[1]) if f0[1] else 0.1
    f1 = inner(a1)
    while f1 is None:
        a1 = 0.5 * (a0 + a1)
        f1 = inner(a1)
    for _ in range(60):
        if f1[0] < f0[0]:
            record(f1[0])
        g0, g1 = f0[1], f1[1]
        if not (np.isfinite(g0) and np.isfinite(g1)) or g1 == g0:
            break
        step = -g1 * (a1 - a0) / (g1 - g0)
        if g1 * (a1 - a0) > 0 and step * g1 > 0:    # wrong way (not convex here): go downhill
            step = -0.2 * np.sign(g1)
        step = float(np.clip(step, -1.0, 1.0))
        a2 = float(np.clip(a1 + step, lo, hi))
        f2 = inner(a2)
        while f2 is None or f2[0] > f1[0] + 1e-9 * max(1.0, abs(f1[0])):
            a2 = 0.5 * (a1 + a2)
            if abs(a2 - a1) < 1e-12:
                break
            f2 = inner(a2)
        if f2 is None:
            break
        a0, f0, a1, f1 = a1, f1, a2, f2
        if abs(a1 - a0) < 1e-7 or abs(f1[1]) < 1e-9 * max(1.0, abs(f1[0])):
            inner(a1)   # theta*(a1) in the state
            return state["theta"], a1, True
    return state["theta"], a1, abs(f1[1]) < 1e-5
