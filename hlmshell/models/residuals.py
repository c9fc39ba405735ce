"""Residual covariance structures of `mixed, residuals()`: R_i = s2 C_i(phi) per lowest-level
group instead of s2 I.

How it is computed: with C_i = L_i L_i', the whitened data W y, W X, W Z (W = L^-1 per group)
follow the usual model with s2 I residuals, and
    -2 ll(y; theta, phi) = -2 ll(W y; theta) + sum_i log|C_i(phi)|
(the same shift for ML and REML: X'V^-1X is unchanged by W). The whitened per-group
cross-products are linear in fixed data blocks, M_g(phi) = sum_c coef[c, g](phi) B[c, g]
(`Structure.blocks`/`coefs`, data read once), and lmm.LMM evaluates the profiled deviance
from them (`LMM(design, reml, M0=M)`). `StructuredLMM` wraps it with the residual parameters
phi appended to theta; the phi gradient goes through the adjoint of M_g (`_adjoint_M`) times
d coef / d phi (central differences of `coefs`, or the structure's analytic `coef_grads`).
The plain independent case never comes here (today's fast path is untouched).

phi is in Stata's estimation metric (names: `Structure.names`):
  exchangeable   r_atr1 = atanh(rho)       C = (1-rho) I + rho J
  ar 1           r_atr1 = atanh(rho)       corr = rho^|t_i - t_j| (gaps allowed)
  independent, by(v)  r_lns#ose = ln(sd_# / sd_1) for the 2nd, 3rd, ... level of v
The whitening of each is in closed form (AR(1) is Markov in t, so W is bidiagonal even with
gaps; exchangeable has two eigenvalues).
"""
from __future__ import annotations

from dataclasses import dataclass

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
        self.t = t
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

    def R(self, phi, s2, idx):
        """The residual covariance over the sample rows idx (one lowest-level group)."""
        phi = np.asarray(phi, dtype=float)
        if self.rs.by is not None:
            lns = np.r_[0.0, phi][self.code[idx]]
            return np.diag(s2 * np.exp(2 * lns))
        return s2 * self.corr(phi, self.t[idx])

    def standardize(self, phi, s2, e):
        """L_g^-1 e_g per lowest-level group (R_g = L_g L_g', rows in t order); e over the
        sample rows."""
        out = np.empty_like(e)
        o = self.order
        starts = np.flatnonzero(self.first)
        ends = np.r_[starts[1:], len(o)]
        for a, b in zip(starts, ends):
            idx = o[a:b]
            L = np.linalg.cholesky(self.R(phi, s2, idx))
            out[idx] = np.linalg.solve(L, e[idx])
        return out

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
        self.Bflat = self.B.reshape(len(self.B), -1)
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
                    M = (c[:, 0] @ self.Bflat).reshape(self.B.shape[1:])
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
        """fn ('deviance' or 'm2ll') over a batch of (theta, phi[, ln s]); the gradient in phi
        analytic through the adjoint of the per-group cross-products M_g (_adjoint_M). The
        points sharing a phi (a Newton stencil's theta steps) go through one batched pass."""
        xs = np.atleast_2d(np.asarray(x, dtype=float))
        kt, kp = self.ktheta, self.structure.k
        has_s = fn == "m2ll"
        P = xs.shape[0]
        vals = np.empty(P)
        grads = np.zeros((P, xs.shape[1]))
        self.nfev += 1
        groups: dict = {}
        for i in range(P):
            groups.setdefault(tuple(xs[i, kt:kt + kp]), []).append(i)
        for key, idx in groups.items():
            phi = np.array(key)
            m, ld = self.model_at(phi)
            if m is None:
                vals[idx] = np.inf
                continue
            th = xs[idx, :kt]
            s = xs[idx, -1] if has_s else None
            if not grad:
                vals[idx] = getattr(m, fn)(np.column_stack([th, s]) if has_s else th) + ld
                continue
            vals[idx], grads[idx, :kt], grads[idx, kt:kt + kp], gs = self._grad(m, th, phi, s)
            if has_s:
                grads[idx, -1] = gs
        single = np.ndim(x) == 1
        if not grad:
            return float(vals[0]) if single else vals
        return (float(vals[0]), grads[0]) if single else (vals, grads)

    def _grad(self, m, th, phi, s):
        """values and the theta, phi (and ln s) gradients of -2ll at the points th (P, k)
        sharing phi (s None: the profiled deviance)."""
        from .lmm import LOG2PI
        R, ld_v, cache, _ = m._forward(th, general=True)
        beta, r2, ldXX, Q, XXinv = m._top(R, True)
        n, p, reml = m.n, m.p, m.reml
        nu = n - p if reml else n
        _, ld_c = self.structure.coefs(phi)
        gs = None
        if s is None:
            dev = ld_v + nu * (1.0 + LOG2PI + np.log(r2 / nu)) + (ldXX if reml else 0.0)
            Rbar = (nu / r2)[:, None, None] * Q
        else:
            s2 = np.exp(2 * s)
            dev = ld_v + (ldXX if reml else 0.0) + nu * (LOG2PI + 2 * s) + r2 / s2
            Rbar = Q / s2[:, None, None]
            gs = 2 * nu - 2 * r2 / s2
        if reml and p:
            Rbar[:, :p, :p] += XXinv
        P = th.shape[0]
        gt, Mbar = _adjoint_M(m, cache, Rbar)  # Mbar (P, G, d, d), or (P, d, d) without levels
        d2 = Mbar.shape[-1] ** 2
        C = len(self.B)
        # <B_cg, Mbar_g>: d(-2ll)/d coef[c, g], (P, C, G) (G = 1 without levels)
        if Mbar.ndim == 4:
            T = np.einsum("cgx,pgx->pcg", self.Bflat.reshape(C, -1, d2), Mbar.reshape(P, -1, d2))
        else:
            T = np.einsum("cgx,px->pcg", self.B.reshape(C, -1, d2), Mbar.reshape(P, d2))
        gphi = np.empty((P, len(phi)))
        if hasattr(self.structure, "coef_grads"):
            dc, dld = self.structure.coef_grads(phi)
            Pn = T.shape[0]
            return dev + ld_c, gt, T.reshape(Pn, -1) @ dc.reshape(len(dc), -1).T + dld, gs
        for j in range(len(phi)):   # d coefs / d phi_j by central differences (cheap)
            h = 1e-6 * max(1.0, abs(phi[j]))
            up, dn = phi.copy(), phi.copy()
            up[j] += h
            dn[j] -= h
            cu, lu = self.structure.coefs(up)
            cd, ldn = self.structure.coefs(dn)
            dc = (cu - cd) / (2 * h)                       # (C, G) or (C, 1)
            gphi[:, j] = (T * dc[None]).sum((1, 2)) + (lu - ldn) / (2 * h)
        return dev + ld_c, gt, gphi, gs

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


def _adjoint_M(m, cache, Rbar):
    """theta gradient (P, k) and d(-2ll)/dM_g of the innermost groups' cross-products
    (P, G, d, d): lmm.LMM._backward's reverse pass carried one level further (the M_bar it
    forms for the inner levels), in one pass."""
    from .lmm import adjoint_M
    P = Rbar.shape[0]
    if not m.levels:
        return np.zeros((P, 0)), Rbar
    grad = np.zeros((P, m.offsets[-1]))
    Sbar = Rbar[:, None]
    for l in range(len(m.levels)):
        Lam, Gm, H, Ainv, K = cache[l]
        KS = K @ Sbar
        Abar = KS @ np.swapaxes(K, -1, -2) + Ainv
        Bbar = -2.0 * KS
        Lbar = 2.0 * (Gm @ Lam @ Abar).sum(1) + (H @ np.swapaxes(Bbar, -1, -2)).sum(1)
        grad[:, m.offsets[l]:m.offsets[l + 1]] = Lbar.reshape(P, -1) @ m.Eflat[l].T
        Mbar = adjoint_M(Lam, Abar, Bbar, Sbar, m.q[l])
        if l + 1 < len(m.levels):
            Sbar = Mbar[:, m.levels[l + 1].parent]
    return grad, Mbar


def fit_structured(spec, method, design, model, theta0, dev_linear, data, on_iteration):
    """The joint Newton fit in (theta, phi) from the independent-residual optimum."""
    from . import covariance as cv
    from .inference import build_result
    from .optimize import newton
    from .results import FitSummary
    rs = spec.extra["residuals"]
    if design.weights is not None:
        raise ModelError(198, "weights not allowed with residuals()")
    if rs.kind in ("exponential", "toeplitz", "unstructured", "banded", "ma") or \
            rs.kind == "ar" and rs.order > 1:
        from .residuals_dense import DenseStructure
        structure = DenseStructure(rs, design, data)
    else:
        structure = Structure(rs, design, data)
    smodel = StructuredLMM(design, model.reml, structure)
    if len(theta0):     # the independent-residual optimum: a close start for theta
        free0 = np.ones(len(theta0), dtype=bool)
        theta0 = newton(model, theta0, free0, 100)[0]
    log: list[float] = []
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
