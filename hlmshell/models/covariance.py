"""Covariance structures: theta <-> relative factor Lambda, and Stata's parameter names.

The relative covariance of a level is T = Lambda Lambda' (Sigma = sigma_e^2 T). Every
structure is LINEAR in its theta: Lambda = sum_k theta_k E_k, so the gradient with respect
to theta is <Lambda_bar, E_k>, and a zero theta_k (or a zero Cholesky diagonal) is a
representable singular Sigma. The deviance is even in each "diagonal-type" coordinate
(flipping a column of Lambda leaves T unchanged), so the boundary is a smooth stationary
point for Newton rather than a constraint.

  identity      Lambda = t I                                  (1 parameter)
  independent   Lambda = diag(t_1..t_q)                       (q)
  exchangeable  Lambda = a (I - J/q) + g J/q  (symmetric root; eigenvalues a^2 (q-1 times), g^2)
  unstructured  Lambda lower triangular, column-major        (q(q+1)/2)
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=None)
def basis(cov: str, q: int) -> np.ndarray:
    """E (k x q x q) with Lambda = tensordot(theta, E). Cached: treat as read-only."""
    if cov == "identity":
        return np.eye(q)[None]
    if cov == "independent":
        E = np.zeros((q, q, q))
        for k in range(q):
            E[k, k, k] = 1.0
        return E
    if cov == "exchangeable":
        J = np.full((q, q), 1.0 / q)
        return np.stack([np.eye(q) - J, J])
    if cov == "unstructured":
        mats = []
        for j in range(q):          # column-major lower triangle, like lme4's theta
            for i in range(j, q):
                E = np.zeros((q, q))
                E[i, j] = 1.0
                mats.append(E)
        return np.stack(mats)
    raise ValueError(cov)


@lru_cache(maxsize=None)
def boundary_coords(cov: str, q: int) -> tuple[int, ...]:
    """Indices of theta whose zero value is a boundary (variance 0 / corr +-1) and whose sign
    is arbitrary (the deviance is even in them)."""
    if cov in ("identity", "independent", "exchangeable"):
        return tuple(range(len(basis(cov, q))))
    out, k = [], 0
    for j in range(q):
        out.append(k)
        k += q - j
    return tuple(out)


def canonical(cov: str, q: int, theta: np.ndarray) -> np.ndarray:
    """Flip signs so that diagonal-type coordinates are >= 0 (same T)."""
    th = np.array(theta, dtype=float)
    if cov != "unstructured":
        return np.abs(th)
    L = np.tensordot(th, basis(cov, q), 1)
    s = np.where(np.diag(L) < 0, -1.0, 1.0)
    L = L * s[None, :]
    return np.array([L[i, j] for j in range(q) for i in range(j, q)])


def start(cov: str, q: int, zscale: np.ndarray) -> np.ndarray:
    """Starting theta: independent effects with relative sd 0.3 / rms(z)."""
    d = 0.3 / np.maximum(zscale, 1e-8)
    if cov == "identity":
        return np.array([float(np.exp(np.mean(np.log(d))))])
    if cov == "independent":
        return d.copy()
    if cov == "exchangeable":
        m = float(np.exp(np.mean(np.log(d))))
        return np.array([m, m])
    return canonical(cov, q, np.array([d[i] if i == j else 0.0 for j in range(q) for i in range(j, q)]))


def stata_names(cov: str, q: int, L: int) -> list[str]:
    """lns<L>_1_k then atr<L>_1_j_k (Stata's e(b) order within a level)."""
    if cov == "identity":
        return [f"lns{L}_1_1"]
    if cov == "independent":
        return [f"lns{L}_1_{k + 1}" for k in range(q)]
    if cov == "exchangeable":
        return [f"lns{L}_1_1", f"atr{L}_1_1_1"]
    return [f"lns{L}_1_{k + 1}" for k in range(q)] + \
        [f"atr{L}_1_{j + 1}_{k + 1}" for j in range(q) for k in range(j + 1, q)]


def zero_coordinate(cov: str, q: int, theta: np.ndarray, c: int) -> np.ndarray:
    """theta with boundary coordinate c set to 0. For unstructured (c = a Cholesky diagonal
    l_kk) the rest of row k is rescaled so that var k (= T_kk) is kept: the optimum of a
    nearly singular fit lies along that curved valley, not at l_kk = 0 with the row fixed."""
    th = np.array(theta, dtype=float)
    th[c] = 0.0
    if cov != "unstructured":
        return th
    L = np.tensordot(np.asarray(theta, dtype=float), basis(cov, q), 1)
    k = next(j for j in range(q) if boundary_coords(cov, q)[j] == c)
    off = L[k, :k]
    tot = float(L[k, k] ** 2 + off @ off)
    if k > 0 and off @ off > 0:
        L[k, :k] = off * np.sqrt(tot / (off @ off))
    L[k, k] = 0.0
    return np.array([L[i, j] for j in range(q) for i in range(j, q)])


def from_relative(cov: str, T: np.ndarray) -> np.ndarray:
    """theta whose Lambda Lambda' approximates the relative covariance T (a start value)."""
    q = T.shape[0]
    w, U = np.linalg.eigh(0.5 * (T + T.T))
    T = (U * np.maximum(w, 1e-4 * max(w.max(), 1e-4))) @ U.T
    d = np.sqrt(np.diag(T))
    if cov == "identity":
        return np.array([float(np.sqrt(np.mean(np.diag(T))))])
    if cov == "independent":
        return d
    if cov == "exchangeable":
        v = float(np.mean(np.diag(T)))
        c = float((T.sum() - np.trace(T)) / (q * (q - 1)))
        c = min(max(c, -v / (q - 1) * 0.9), 0.9 * v)
        return np.array([np.sqrt(v - c), np.sqrt(v + (q - 1) * c)])
    L = np.linalg.cholesky(T)
    return np.array([L[i, j] for j in range(q) for i in range(j, q)])


def stata_params_batch(cov: str, T: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Vectorised stata_params for relative covariances T (P, q, q) and ln sigma_e s (P,):
    Sigma = exp(2 s) T. Used for the delta-method Jacobian in one pass."""
    q = T.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.diagonal(T, axis1=1, axis2=2)
        if cov == "identity":
            return (s + 0.5 * np.log(d[:, 0]))[:, None]
        if cov == "independent":
            return s[:, None] + 0.5 * np.log(d)
        if cov == "exchangeable":
            v = d.mean(1)
            c = (T.sum((1, 2)) - d.sum(1)) / (q * (q - 1))
            r = np.clip(c / v, -1.0, 1.0)
            return np.column_stack([s + 0.5 * np.log(v), np.arctanh(r)])
        out = [s[:, None] + 0.5 * np.log(d)]
        sd = np.sqrt(d)
        for j in range(q):
            for k in range(j + 1, q):
                r = np.clip(T[:, j, k] / (sd[:, j] * sd[:, k]), -1.0, 1.0)
                out.append(np.arctanh(r)[:, None])
        return np.concatenate(out, axis=1)
