"""Generalized linear models with any of Stata's glm families and links: what `glm` fits.

Family × link are plain objects; the fit is Newton–Raphson on the observed information
(Stata's default `ml`) or IRLS (Fisher scoring on the expected information, `irls`).
Quantities follow [R] glm's Methods and formulas: mu is the mean of y (for the binomial
with n trials the expected count, the link acting on mu/n), V(mu) the variance function,
the deviance and Pearson chi2 unit-free, the log likelihood as glm.ado's (Gaussian at the
ML scale deviance/N; gamma and inverse Gaussian at scale 1).

`fit(X, y, family, link, offset, method, maxiter)` -> GLMFitResult. Never prints.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln, ndtr, ndtri

from .results import ModelError

CANONICAL = {"gaussian": ("identity", None), "bernoulli": ("logit", None),
             "binomial": ("logit", None), "poisson": ("log", None),
             "nbinomial": ("log", None),            # Stata's default for nbinomial is log
             "gamma": ("power", -1.0), "igaussian": ("power", -2.0)}
SCALED = ("gaussian", "gamma", "igaussian")      # families with a free scale parameter
_EPS = 1e-300


@dataclass
class Link:
    name: str            # identity log logit probit cloglog loglog logc power opower nbinomial
    arg: float | None = None

    def eta(self, p):
        """g(p) for p = mu / n (the mean per trial; n = 1 outside the binomial)."""
        a = self.arg
        with np.errstate(all="ignore"):
            return {"identity": lambda: p, "log": lambda: np.log(p),
                    "logit": lambda: np.log(p / (1 - p)), "probit": lambda: ndtri(p),
                    "cloglog": lambda: np.log(-np.log1p(-p)),
                    "loglog": lambda: -np.log(-np.log(p)), "logc": lambda: np.log1p(-p),
                    "power": lambda: np.log(p) if a == 0 else p ** a,
                    "opower": lambda: np.log(p / (1 - p)) if a == 0 else
                    ((p / (1 - p)) ** a - 1) / a,
                    "nbinomial": lambda: np.log(a * p / (1 + a * p))}[self.name]()

    def mean(self, eta):
        """(p, dp/deta, d2p/deta2)."""
        a = self.arg
        e = np.asarray(eta, dtype=float)
        with np.errstate(all="ignore"):
            if self.name == "identity" or (self.name == "power" and a == 1):
                return e, np.ones_like(e), np.zeros_like(e)
            if self.name == "log" or (self.name == "power" and a == 0):
                p = np.exp(np.minimum(e, 700.0))
                return p, p, p
            if self.name == "logit" or (self.name == "opower" and a == 0):
                p = 1 / (1 + np.exp(-e))
                d = p * (1 - p)
                return p, d, d * (1 - 2 * p)
            if self.name == "probit":
                phi = np.exp(-0.5 * e * e) / np.sqrt(2 * np.pi)
                return ndtr(e), phi, -e * phi
            if self.name == "cloglog":
                m = np.exp(np.minimum(e, 700.0))
                d = m * np.exp(-m)
                return -np.expm1(-m), d, d * (1 - m)
            if self.name == "loglog":       # p = exp(-exp(-eta))
                m = np.exp(-np.maximum(e, -700.0))
                p = np.exp(-m)
                d = m * p
                return p, d, d * (m - 1)
            if self.name == "logc":         # p = 1 - exp(eta)
                m = np.exp(np.minimum(e, 700.0))
                return 1 - m, -m, -m
            if self.name == "power":        # p = eta^(1/a)
                r = 1.0 / a
                return e ** r, r * e ** (r - 1), r * (r - 1) * e ** (r - 2)
            if self.name == "opower":       # odds = (1 + a eta)^(1/a), p = odds/(1+odds)
                r = 1.0 / a
                base = 1 + a * e
                o = base ** r
                do = base ** (r - 1)
                d2o = (1 - a) * base ** (r - 2)
                p = o / (1 + o)
                dp = do / (1 + o) ** 2
                return p, dp, d2o / (1 + o) ** 2 - 2 * do * do / (1 + o) ** 3
            # nbinomial link: eta = ln(a p / (1 + a p)), p = q / (a (1 - q)), q = e^eta
            q = np.exp(e)
            p = q / (a * (1 - q))
            dp = q / (a * (1 - q) ** 2)
            return p, dp, dp * (1 + q) / (1 - q)


@dataclass
class Family:
    name: str                 # gaussian bernoulli binomial poisson nbinomial gamma igaussian
    n: object = 1.0           # binomial trials (scalar or array over the sample)
    k: float = 1.0            # nbinomial ancillary parameter

    def variance(self, mu):
        """(V(mu), V'(mu))."""
        f, n, k = self.name, self.n, self.k
        one = np.ones_like(mu)
        if f == "gaussian":
            return one, 0 * one
        if f == "bernoulli":
            return mu * (1 - mu), 1 - 2 * mu
        if f == "binomial":
            return mu * (1 - mu / n), 1 - 2 * mu / n
        if f == "poisson":
            return mu, one
        if f == "nbinomial":
            return mu + k * mu * mu, 1 + 2 * k * mu
        if f == "gamma":
            return mu * mu, 2 * mu
        return mu ** 3, 3 * mu * mu

    def deviance(self, y, mu):
        """Unit deviances (Methods and formulas of [R] glm)."""
        f, n, k = self.name, self.n, self.k
        with np.errstate(all="ignore"):
            if f == "gaussian":
                return (y - mu) ** 2
            if f in ("bernoulli", "binomial"):
                nn = n if f == "binomial" else 1.0
                a = np.where(y > 0, y * np.log(np.maximum(y, _EPS) / mu), 0.0)
                b = np.where(nn - y > 0, (nn - y) * np.log(np.maximum(nn - y, _EPS) / (nn - mu)),
                             0.0)
                return 2 * (a + b)
            if f == "poisson":
                return 2 * (np.where(y > 0, y * np.log(np.maximum(y, _EPS) / mu), 0.0) - (y - mu))
            if f == "nbinomial":
                a = np.where(y > 0, y * np.log(np.maximum(y, _EPS) / mu), 0.0)
                return 2 * (a - (1 + k * y) / k * np.log((1 + k * y) / (1 + k * mu)))
            if f == "gamma":
                return -2 * (np.log(y / mu) - (y - mu) / mu)
            return (y - mu) ** 2 / (mu * mu * y)

    def loglik(self, y, mu, dev_sum=None, nobs=None, sig2=None):
        """Per-observation log likelihood as Stata's glim_v# programs compute it: Gaussian
        at sig2 (default: the ML scale deviance/N), gamma and inverse Gaussian at scale 1
        (glm.ado's e(ll) for them is the scale-free part; statsmodels' llf at scale 1)."""
        f, k = self.name, self.k
        with np.errstate(all="ignore"):
            if f == "gaussian":
                s2 = sig2 if sig2 is not None else dev_sum / nobs
                return -0.5 * ((y - mu) ** 2 / s2 + np.log(2 * np.pi * s2))
            if f in ("bernoulli", "binomial"):   # lnC(n, y) is 0 for y in {0, n}
                n = self.n if f == "binomial" else 1.0
                p = mu / n
                return (gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)
                        + np.where(y > 0, y * np.log(np.maximum(p, _EPS)), 0.0)
                        + np.where(n - y > 0, (n - y) * np.log(np.maximum(1 - p, _EPS)), 0.0))
            if f == "poisson":
                return y * np.log(np.maximum(mu, _EPS)) - mu - gammaln(y + 1)
            if f == "nbinomial":
                m = 1.0 / k
                return (gammaln(y + m) - gammaln(m) - gammaln(y + 1)
                        + y * np.log(k * mu / (1 + k * mu)) - m * np.log1p(k * mu))
            if f == "gamma":
                return -y / mu - np.log(mu)
            return -0.5 * ((y - mu) ** 2 / (y * mu * mu) + np.log(y ** 3) + np.log(2 * np.pi))


@dataclass
class GLMFitResult:
    b: np.ndarray
    V1: np.ndarray          # inverse information at scale 1 (OIM for ml, EIM for irls)
    mu: np.ndarray
    eta: np.ndarray
    deviance: float
    pearson: float
    iterations: int
    converged: bool
    log: list = field(default_factory=list)   # ml: log likelihood; irls: deviance
    scores: np.ndarray | None = None          # per-row d Q / d b at scale 1 (robust VCE)


def _pieces(family, link, X, y, b, off):
    eta = X @ b + off
    n = family.n if family.name == "binomial" else 1.0
    p, dp, d2p = link.mean(eta)
    mu, dmu, d2mu = n * p, n * dp, n * d2p
    return eta, mu, dmu, d2mu


def valid_mean(family, mu) -> bool:
    if not np.all(np.isfinite(mu)):
        return False
    f = family.name
    if f in ("bernoulli", "binomial"):
        n = family.n if f == "binomial" else 1.0
        return bool(np.all((mu > 0) & (mu < n)))
    if f == "gaussian":
        return True
    return bool(np.all(mu > 0))


def start_values(X, y, family, link, off):
    """Stata's GetInit idea: mu0 between y and its mean, then one weighted regression of the
    working response on X."""
    f = family.name
    n = family.n if f == "binomial" else 1.0
    if f in ("bernoulli", "binomial"):
        mu = n * (y + 0.5) / (n + 1)
    else:
        mu = (y + np.mean(y)) / 2
    p = mu / n
    eta = link.eta(p)
    _, dp, _ = link.mean(eta)
    dmu = n * dp
    V, _ = family.variance(mu)
    z = eta - off + (y - mu) / dmu
    w = dmu * dmu / V
    ok = np.isfinite(z) & np.isfinite(w) & (w > 0)
    if not ok.any():
        return np.zeros(X.shape[1])
    sw = np.sqrt(w[ok])
    return np.linalg.lstsq(X[ok] * sw[:, None], z[ok] * sw, rcond=None)[0]


def quasi(family, y, mu):
    """Sum of the deviance as the ML objective at scale 1 (-dev/2 differs from the log
    likelihood by terms free of b), used for step control."""
    d = family.deviance(y, mu)
    return -0.5 * float(np.sum(d))


def fit(X, y, family: Family, link: Link, offset=None, method: str = "ml",
        maxiter: int = 300, tol: float = 1e-9, b0=None, on_iteration=None,
        ll_of=None, info: str | None = None) -> GLMFitResult:
    """Maximise the quasi log likelihood -D/2 in b (the family's log likelihood at any fixed
    scale has the same maximiser); `ll_of(mu)` gives the log line of each ml iteration.
    `info`: the information V1 inverts, "oim" or "eim" (default: ml's OIM, irls's EIM)."""
    X = np.asarray(X, dtype=float)
    k = X.shape[1]
    off = 0.0 if offset is None else np.asarray(offset, dtype=float)
    b = start_values(X, y, family, link, off) if b0 is None else np.array(b0, float)
    eta, mu, dmu, d2mu = _pieces(family, link, X, y, b, off)
    if not valid_mean(family, mu):      # the constant-only start: eta = g(mean of y)
        n = family.n if family.name == "binomial" else 1.0
        target = np.full(len(y), float(link.eta(np.mean(y / n)))) - off
        b = np.linalg.lstsq(X, target, rcond=None)[0] if k else np.zeros(0)
        eta, mu, dmu, d2mu = _pieces(family, link, X, y, b, off)
        if not valid_mean(family, mu):
            raise ModelError(430, "initial values not feasible")
    q = quasi(family, y, mu)
    log = [ll_of(mu) if ll_of else -2 * q]
    converged, it = False, 0
    observed = method == "ml"
    for it in range(1, maxiter + 1):
        V, dV = family.variance(mu)
        r = y - mu
        g_i = r * dmu / V                              # dQ/deta per row
        w = dmu * dmu / V                              # expected information weights
        if observed:    # observed information adds - r d/deta(mu'/V)
            w = w - r * (d2mu / V - dmu * dmu * dV / (V * V))
        grad = X.T @ g_i
        H = (X.T * w) @ X
        try:
            step = np.linalg.solve(H, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, grad, rcond=None)[0]
        if observed and float(grad @ step) < 0:        # not ascent (far from the optimum)
            we = dmu * dmu / V
            step = np.linalg.lstsq((X.T * we) @ X, grad, rcond=None)[0]
        t = 1.0
        for _ in range(40):
            nb = b + t * step
            neta, nmu, ndmu, nd2mu = _pieces(family, link, X, y, nb, off)
            if valid_mean(family, nmu):
                nq = quasi(family, y, nmu)
                if np.isfinite(nq) and nq >= q - 1e-12 * abs(q):
                    break
            t *= 0.5
        else:
            break
        change = nq - q
        b, eta, mu, dmu, d2mu, q = nb, neta, nmu, ndmu, nd2mu, nq
        log.append(ll_of(mu) if ll_of else -2 * q)
        if on_iteration is not None:
            on_iteration(it, log[-1])
        # relative change and the Newton decrement g'H^-1 g; IRLS (linear convergence away
        # from the canonical link) needs the tighter decrement to reach its fixed point
        if abs(change) <= tol * (abs(q) + 1) and abs(float(grad @ step)) < 1e-11 * max(1.0, abs(q)):
            converged = True
            break
    V, dV = family.variance(mu)
    r = y - mu
    w = dmu * dmu / V
    if (info or ("oim" if observed else "eim")) == "oim":
        w = w - r * (d2mu / V - dmu * dmu * dV / (V * V))
    H = (X.T * w) @ X
    try:
        V1 = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        V1 = np.linalg.pinv(H)
    dev = float(np.sum(family.deviance(y, mu)))
    pearson = float(np.sum(r * r / V))
    return GLMFitResult(b, V1, mu, eta, dev, pearson, it, converged, log,
                        scores=X * (r * dmu / V)[:, None])
