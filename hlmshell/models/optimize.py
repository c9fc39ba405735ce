"""fit(): design -> sufficient statistics -> Newton on the profiled deviance -> MixedFit.

Start: the linear model (theta = 0, which also gives ll_c), a grid of scalings of a default
start and, for one-level models, a method-of-moments start, all in one batched evaluation.
Newton: analytic gradient, Hessian from forward differences of it (k is small), eigenvalue
moduli when not positive definite (saddle-free), a trust radius and backtracking. It is
deterministic, quadratically convergent, and ends at a tight optimum (Stata itself stops
~1e-5 short). Boundary optima (a Cholesky diagonal at 0) are stationary points of the even
deviance; coordinates heading there are tried at exactly 0 (keeping the effect's variance)
and fixed at 0 when that is not worse.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping

import numpy as np

from . import covariance as cv
from .design import build_design
from .em import PathOptions, em, em_supported, ml_stop
from .inference import build_result
from .crossed import CrossedLMM, crossed_model
from .lmm import LMM
from .results import FitSummary, MixedFit, ModelError
from .spec import ModelSpec


def _stencil(model: LMM, th: np.ndarray, free: np.ndarray, idx=None):
    """Deviance, gradient and forward-difference Hessian (of the analytic gradient) at th,
    from ONE batched evaluation of th and th + h_j e_j for the free j (idx: their indices)."""
    if idx is None:
        idx = np.flatnonzero(free)
    k = len(idx)
    hs = 1e-6 * np.maximum(np.abs(th[idx]), 0.05)
    pts = np.empty((k + 1, len(th)))
    pts[:] = th
    pts[_ARANGE1[:k], idx] += hs
    dev, G = model.deviance(pts, True)
    g = G[0]
    Hf = (G[1:, idx] - g[idx]).T / hs
    return float(dev[0]), g, 0.5 * (Hf + Hf.T)


_ARANGE1 = np.arange(1, 257)


def _eigh(H):
    if H.shape[0] == 1:
        return H[0].copy(), np.ones((1, 1))
    return np.linalg.eigh(H)


def newton(model: LMM, theta0: np.ndarray, free: np.ndarray, maxiter: int,
           on_iteration=None, log=None, it0: int = 0, bcoords=(), trace=None):
    """Minimise model.deviance over theta[free]. Returns theta, dev, grad, iterations, converged.

    bcoords: boundary-type coordinates; when a (convex) step shrinks one of them by over 20%,
    the point with it exactly 0 is tried as well, which avoids the slow (linear) approach
    to a boundary optimum through the quartic region of the deviance.
    trace: a list receiving (theta, -dev/2, Newton decrement) per iteration (0 = the start),
    for em.ml_stop."""
    th = theta0.copy()
    fidx = np.flatnonzero(free)
    dev, g, H = _stencil(model, th, free, fidx)
    if log is not None and it0 == 0:
        log.append(-dev / 2)
        if on_iteration:
            on_iteration(0, -dev / 2)
    it, converged = 0, False
    if not free.any():
        if trace is not None:
            trace.append((th.copy(), -dev / 2, 0.0))
        return th, dev, g, 0, True
    bset = [c for c in bcoords if free[c]]
    bowner = {c: next((l, model.offsets[l]) for l in range(len(model.levels))
                      if model.offsets[l] <= c < model.offsets[l + 1]) for c in bset}
    while it < maxiter:
        gf = g[fidx]
        # (a finite sum: all finite; else the element test)
        if not (math.isfinite(float(H.sum())) and math.isfinite(float(gf.sum()))) and \
                not (np.all(np.isfinite(H)) and np.all(np.isfinite(gf))):
            if not np.all(np.isfinite(gf)):
                break               # cannot continue from here: reported as not converged
            H = np.eye(len(gf)) * max(1.0, float(np.abs(gf).max()))   # steepest descent
        w, U = _eigh(H)
        scale = max(np.abs(w).max(), 1e-12)
        convex = w.min() > 0
        w = np.maximum(np.abs(w), 1e-10 * scale)   # saddle-free Newton direction
        step_f = -U @ ((U.T @ gf) / w)
        decrement = float(-gf @ step_f)
        if trace is not None:
            trace.append((th.copy(), -dev / 2, decrement if convex else math.inf))
        step = np.zeros_like(th)
        step[fidx] = step_f
        # a zero boundary coordinate with negative curvature: leave the saddle
        for c in bset:
            if th[c] == 0.0 and H[(j := int(np.searchsorted(fidx, c))), j] < 0:
                step[c] = 0.1 * max(1.0, float(np.abs(th).max()))
                decrement = max(decrement, 1.0)
        # decrement = twice the predicted deviance reduction; rounding in the deviance is
        # ~1e-13 relative, so the test is relative to its size
        if decrement < 1e-11 * max(1.0, abs(dev) / 1e4) or np.max(np.abs(step)) < 1e-12:
            converged = True
            break
        # trust radius: far from the optimum the quadratic model overshoots badly
        radius = 0.5 * max(0.2, float(np.abs(th).max()))
        big = float(np.abs(step).max())
        t = 1.0 if big <= radius else radius / big
        while True:
            cand = th + t * step
            jump = [c for c in bset if abs(cand[c]) < 0.8 * abs(th[c])] if convex and t == 1.0 else []
            if jump:    # compare with the boundary point (one batched call)
                alt = cand.copy()
                for c in jump:
                    l, off = bowner[c]
                    sl = slice(model.offsets[l], model.offsets[l + 1])
                    alt[sl] = cv.zero_coordinate(model.levels[l].covariance, model.q[l], alt[sl], c - off)
                d2 = model.deviance(np.stack([cand, alt]))
                if d2[1] <= d2[0]:
                    cand = alt
            # the full step is usually accepted: evaluate its stencil directly
            dn, gn, Hn = _stencil(model, cand, free, fidx) if t == 1.0 or (t < 1 and big > radius and
                                                                           t == radius / big) \
                else (model.deviance(cand), None, None)
            if np.isfinite(dn) and dn <= dev - 1e-4 * t * decrement:
                break
            t *= 0.5
            if t < 1e-10:
                break
        if t < 1e-10:   # no descent possible: at the optimum within rounding
            converged = decrement < 1e-6 * max(1.0, abs(dev) / 1e4)
            break
        th = cand
        if gn is None:
            dev, g, H = _stencil(model, th, free, fidx)
        else:
            dev, g, H = dn, gn, Hn
        it += 1
        if log is not None:
            log.append(-dev / 2)
            if on_iteration:
                on_iteration(it0 + it, -dev / 2)
    if trace is not None and len(trace) <= it:     # the last point was not examined
        trace.append((th.copy(), -dev / 2, math.inf))
    return th, dev, g, it, converged


def _snap_boundary(model: LMM, th, dev, maxiter):
    """Try exact zeros for near-zero diagonal-type coordinates; keep them if not worse.
    Returns (theta, dev, free, snapped, steps, grad at theta or None when not computed)."""
    free = np.ones(len(th), dtype=bool)
    snapped = []
    for l, lv in enumerate(model.levels):
        off = model.offsets[l]
        scale = max(1.0, float(np.max(np.abs(th[off:model.offsets[l + 1]]))))
        bc = cv.boundary_coords(lv.covariance, model.q[l])
        for c in range(model.offsets[l + 1] - off):
            # diagonal-type coordinates near 0; other (off-diagonal) ones only when tiny,
            # e.g. a Cholesky row left over below a zero variance
            if abs(th[off + c]) < (1e-3 if c in bc else 1e-6) * scale:
                snapped.append(off + c)
    if not snapped:
        return th, dev, free, [], [], None
    free[snapped] = False
    if np.all(th[snapped] == 0.0):     # already there (boundary jump): converged with them at 0
        return th, dev, free, snapped, [], None
    trial = th.copy()
    trial[snapped] = 0.0
    steps: list[float] = []
    t2, d2, g2, it, _ = newton(model, trial, free, maxiter, log=steps, it0=1)
    if d2 <= dev + 1e-8:
        return t2, d2, free, snapped, steps, g2
    return th, dev, np.ones(len(th), dtype=bool), [], [], None


def fit(spec: ModelSpec, data: Mapping[str, np.ndarray], *, sample: np.ndarray | None = None,
        on_iteration: Callable[[int, float], None] | None = None) -> MixedFit:
    """Fit a linear mixed model by ML or REML (spec.method).

    data: mapping (or DataFrame) of columns; numeric float64 with NaN = missing, or
    object/str arrays (level variables may be strings). sample: optional bool mask over rows
    (the shell's if/in); listwise deletion over all model variables is applied on top.
    on_iteration(i, criterion) is called after every EM and Newton step (an interrupt point;
    more steps than the iteration log shows, which stops where Stata's ml would: em.py).
    Raises ModelError for unestimable models; non-convergence is reported in the result
    (converged=False), not raised.
    """
    method = (spec.method or "ML").upper()
    if method not in ("ML", "REML"):
        raise ModelError(198, f"method {spec.method} invalid")
    design = build_design(spec, data, sample)
    n, p = len(design.rows), len(design.keep)
    if method == "REML" and n <= p:
        raise ModelError(2001, "insufficient observations")
    if n <= p:
        raise ModelError(2001, "insufficient observations")
    if crossed_model(design):
        from .crossed_general import GeneralCrossedLMM, simple_crossed
        cls = CrossedLMM if simple_crossed(design.levels) else GeneralCrossedLMM
        model = cls(design, reml=(method == "REML"))
    else:
        model = LMM(design, reml=(method == "REML"))
    if model.exact_fit():
        raise ModelError(430, "likelihood evaluates to missing")   # zero residual variance
    theta0 = np.concatenate([cv.start(lv.covariance, q, zs) for lv, q, zs in
                             zip(model.levels, model.q, model.zscale)]) if model.levels else np.zeros(0)
    # one batched evaluation: theta = 0 (the linear model, whose (restricted) deviance gives
    # ll_c for the LR test at no extra cost), the start scaled along a grid, and the
    # method-of-moments start (one level, k > 1; for k = 1 the grid is already a 1-D search)
    grid = np.array([0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.5, 4.0])
    mom = _moment_start(model) if len(theta0) > 1 else None
    pts = grid[:, None] * theta0[None]
    if mom is not None:     # the moment start, and its nearly singular directions at 0
        jump = _jump_small(model, mom)
        pts = np.vstack([pts, mom] + ([jump] if jump is not None else []))
    devs = model.deviance(pts)
    dev_linear = float(devs[0])
    if len(theta0):
        if np.isnan(devs[1:]).all():    # e.g. y so large that its squares overflow
            raise ModelError(1400, "initial values not feasible")
        best = 1 + int(np.nanargmin(devs[1:]))
        if mom is not None and len(pts) == len(grid) + 2 and devs[-1] <= devs[best] + 0.1:
            best = len(pts) - 1     # nearly as good and on the boundary: Newton is fast there
        theta0 = pts[best]
        if mom is None and len(theta0) > 1:
            theta0 = _coordinate_start(model, theta0)
    rs = spec.extra.get("residuals")
    if rs is not None and not rs.plain:     # residuals(): the whitened joint fit
        from .residuals import fit_structured
        return fit_structured(spec, method, design, model, theta0, dev_linear, data,
                              on_iteration)
    popts = spec.extra.get("path") or PathOptions(iterate=int(spec.maxiter))
    em_log: list[float] = []
    if len(theta0) and em_supported(model) and popts.emiterate > 0:
        theta0, em_log, _ = em(model, theta0, popts, on_iteration)
    log: list[float] = []
    maxiter = max(int(popts.iterate), 300)     # ours goes on to the exact optimum
    free = np.ones(len(theta0), dtype=bool)
    bcoords = [model.offsets[l] + c for l, lv in enumerate(model.levels)
               for c in cv.boundary_coords(lv.covariance, model.q[l])]
    trace: list = []
    th, dev, g, iters, conv = newton(model, theta0, free, maxiter, on_iteration, log,
                                     bcoords=bcoords, trace=trace)
    # Stata's log and e(ic): where ml's rules would have stopped on this path
    stop = ml_stop(trace, popts)
    if stop is None and conv:
        stop = max(len(trace) - 1, 1)
    if stop is not None and stop > popts.iterate:
        stop, conv = None, False
    if not conv or stop is None:    # Stata stops after iterate(): its estimates are there
        k = min(int(popts.iterate), len(trace) - 1)
        th, conv = trace[k][0], False
        stop = k
        dev, g = model.deviance(th, True)
    shown = [t[1] for t in trace[:stop + 1]]
    if len(shown) == 1 and conv:
        shown.append(shown[0])      # ml always takes one step before it can converge
    th_n = _canonical(model, th)
    snapped = []
    g_s = None
    if conv:
        th_s, dev, free, snapped, steps, g_s = _snap_boundary(model, th_n, dev,
                                                              max(maxiter - iters, 1))
        for v in steps:     # the refinement on the boundary (not shown: Stata's path ended)
            if on_iteration:
                on_iteration(len(log) - 1, v)
        th_n = _canonical(model, th_s) if snapped else th_s
        if snapped and g_s is not None and np.array_equal(th_n, th_s):
            g, th = g_s, th_n       # the boundary Newton's last stencil is at this very point
    if not np.array_equal(th_n, th):     # otherwise g is already the final gradient
        dev, g = model.deviance(th_n, True)
    th = th_n
    gnorm = float(np.max(np.abs(g[free]))) if free.any() else 0.0
    summary = FitSummary(iterations=len(shown) - 1, function_evaluations=model.nfev,
                         gradient_norm=gnorm, converged=bool(conv), em_log=em_log,
                         message="converged" if conv else "convergence not achieved")
    return build_result(spec, method, design, model, th, dev, free, snapped, summary, shown,
                        dev_linear)


def _moment_start(model: LMM):
    """One level: method-of-moments start from the per-group OLS fits of y - X b_ols on Z
    (all from the sufficient statistics): Sigma ~ cov(b_g) - s2 mean((Z_g'Z_g)^-1)."""
    if len(model.levels) != 1 or getattr(model, "crossed", False) or \
            getattr(model, "lw", None) is not None:
        return None
    q, p = model.q[0], model.p
    M = model.M0
    R = M.sum(0)[q:, q:]
    XX, Xy, yy = R[:p, :p], R[:p, p], R[p, p]
    try:
        b = np.linalg.solve(XX, Xy) if p else np.zeros(0)
        ZZ = M[:, :q, :q]
        Ze = M[:, :q, -1] - M[:, :q, q:q + p] @ b
        if q == 2:      # closed forms: LAPACK call overhead dominates at 2 x 2
            a, c, d = ZZ[:, 0, 0], ZZ[:, 0, 1], ZZ[:, 1, 1]
            det = a * d - c * c
        else:
            det = np.linalg.det(ZZ)
        ok = det > 1e-8 * np.maximum(np.einsum("gii->g", ZZ), 1e-300) ** q
        if ok.sum() < max(3, q + 1):
            return None
        ok = slice(None) if ok.all() else ok    # every group: views, not copies
        if q == 2:
            ZZi = np.empty((len(det[ok]), 2, 2))
            dk = det[ok]
            ZZi[:, 0, 0] = d[ok] / dk
            ZZi[:, 1, 1] = a[ok] / dk
            ZZi[:, 0, 1] = ZZi[:, 1, 0] = -c[ok] / dk
        else:
            ZZi = np.linalg.inv(ZZ[ok])
        bg = (ZZi @ Ze[ok][:, :, None])[:, :, 0]
        # pooled within-group residual variance (Swamy): e'e_g - e'Z (Z'Z)^-1 Z'e per group
        Mo = M[ok]
        XXg, Xyg, yyg = Mo[:, q:q + p, q:q + p], Mo[:, q:q + p, -1], Mo[:, -1, -1]
        ee = yyg - 2 * Xyg @ b + np.einsum("gij,i,j->g", XXg, b, b)
        rss = ee - np.einsum("gi,gi->g", Ze[ok], bg)
        dfw = float(model.levels[0].sizes[ok].sum()) - len(bg) * q
        s2 = float(rss.sum()) / dfw if dfw > 0 else float(yy - Xy @ b) / max(model.n - p, 1)
        if not s2 > 0:
            return None
        bc = bg - bg.mean(0)
        S = (bc.T @ bc) / (len(bg) - 1) - s2 * ZZi.mean(0)      # sample covariance of b_g
        th = cv.from_relative(model.levels[0].covariance, S / s2)
    except np.linalg.LinAlgError:
        return None
    return th if np.all(np.isfinite(th)) else None


def _jump_small(model: LMM, th, rel=0.1):
    """th with its small boundary-type coordinates (< rel of the level's scale) set to 0,
    keeping the effects' variances; None when there are none."""
    out, any_ = th.copy(), False
    for l, lv in enumerate(model.levels):
        sl = slice(model.offsets[l], model.offsets[l + 1])
        scale = float(np.max(np.abs(th[sl]))) if sl.stop > sl.start else 0.0
        for c in cv.boundary_coords(lv.covariance, model.q[l]):
            if 0 < abs(out[sl][c]) < rel * scale:
                out[sl] = cv.zero_coordinate(lv.covariance, model.q[l], out[sl], c)
                any_ = True
    return out if any_ else None


def _coordinate_start(model: LMM, theta0):
    """Rescale each diagonal-type coordinate separately (others fixed) over a few factors,
    all in one batched evaluation: slopes and intercepts live on different scales."""
    coords = [model.offsets[l] + c for l, lv in enumerate(model.levels)
              for c in cv.boundary_coords(lv.covariance, model.q[l])]
    if len(coords) < 2:
        return theta0
    f = np.array([0.1, 0.25, 0.5, 1.0, 2.0])
    pts = np.repeat(theta0[None], len(coords) * len(f), axis=0)
    for i, c in enumerate(coords):
        pts[i * len(f):(i + 1) * len(f), c] *= f
    devs = model.deviance(pts).reshape(len(coords), len(f))
    out = theta0.copy()
    for i, c in enumerate(coords):
        out[c] *= f[int(np.nanargmin(devs[i]))]
    return out


def _canonical(model: LMM, th):
    out = th.copy()
    for l, lv in enumerate(model.levels):
        sl = slice(model.offsets[l], model.offsets[l + 1])
        out[sl] = cv.canonical(lv.covariance, model.q[l], th[sl])
    return out
