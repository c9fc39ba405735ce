"""`predict` statistics after the me* commands beyond mu/eta/xb (predict_glm.py hands over):
marginal means, densities and distribution functions (conditional on the empirical Bayes
predictions or marginal over the random effects), Pearson, deviance and Anscombe
residuals, and the parameter-level scores.

marginal: E_u[h(x β + z'u)] with u ~ N(0, Σ) by (non-adaptive) Gauss–Hermite quadrature on
v = L⁻¹u, per observation, with the estimation's number of points per effect (Stata's
default for predict's intpoints(); 7 after intmethod(laplace), whose one point would
integrate nothing) or intpoints(#).
"""
from __future__ import annotations

import numpy as np

from hlmshell.errors import StataError

# statistic -> variable label (our wording; Stata's labels were not available to check)
LABELS = {"density": "Predicted density", "distribution": "Predicted distribution function",
          "pearson": "Pearson residuals", "deviance": "Deviance residuals",
          "anscombe": "Anscombe residuals"}
RESIDUALS = ("pearson", "deviance", "anscombe")


def default_points(model) -> int:
    prob = model.fit.problem
    return 7 if prob.method == "laplace" else int(prob.points)


def _rule(q: int, points: int):
    """Nodes (K x q) and weights (K) for an expectation under N(0, I_q)."""
    from hlmshell.models.quadrature import _rule as rule1
    t1, lw1 = rule1(points)
    grids = np.meshgrid(*([np.arange(points)] * q), indexing="ij")
    idx = np.stack([g.ravel() for g in grids], axis=1)
    return t1[idx], np.exp(lw1[idx].sum(axis=1))


def _chol(model):
    from hlmshell.models.glmm import chol_of
    prob, x = model.fit.problem, model.fit.params
    return chol_of(prob.split(x)[1], prob.cov, prob.q)


def _alpha(model):
    if model.family != "nbinomial":
        return None
    return float(np.exp(model.b[model.lnalpha_index]))


def outcome(session, model) -> np.ndarray:
    """The depvar as the model saw it (0/1 for a Bernoulli outcome: nonzero is 1)."""
    y = np.asarray(session.data.column(model.depvar), dtype=float)
    if model.family == "bernoulli":
        y = np.where(np.isnan(y), np.nan, (y != 0).astype(float))
    return y


def pmf_cdf(model, y, mu, n, alpha):
    """(density, distribution function) at y given the mean mu (per trial for binomial)."""
    from scipy.special import bdtr, betainc, gammaln, pdtr
    with np.errstate(all="ignore"):
        if model.family == "bernoulli":
            dens = np.where(y == 1, mu, 1 - mu)
            cdf = np.where(y >= 1, 1.0, 1 - mu)
        elif model.family == "binomial":
            logc = gammaln(n + 1) - gammaln(y + 1) - gammaln(n - y + 1)
            dens = np.exp(logc + y * np.log(mu) + (n - y) * np.log1p(-mu))
            dens = np.where(mu == 0, (y == 0) * 1.0, np.where(mu == 1, (y == n) * 1.0, dens))
            cdf = bdtr(np.floor(y), n, mu)
        elif model.family == "poisson":
            dens = np.exp(y * np.log(mu) - mu - gammaln(y + 1))
            cdf = pdtr(np.floor(y), mu)
        else:
            r = 1.0 / alpha
            p = 1.0 / (1.0 + alpha * mu)
            dens = np.exp(gammaln(y + r) - gammaln(r) - gammaln(y + 1) + r * np.log(p)
                          + y * np.log1p(-p))
            cdf = betainc(r, np.floor(y) + 1, p)
    bad = np.isnan(y) | np.isnan(mu)
    return np.where(bad, np.nan, dens), np.where(bad, np.nan, cdf)


def marginal(model, stat, eta_fixed, y, n, points=None):
    """The statistic integrated over the random effects (mu, pr, density, distribution)."""
    from hlmshell.models.families import mean
    if len(model.levels) > 1 or not hasattr(model.fit.problem, "split"):
        # the integral below is over one level's effects; several levels are not done
        raise StataError(198, "option marginal not allowed with more than one "
                              "random-effects level")
    q = len(model.levels[0].effects)
    points = points or default_points(model)
    from hlmshell.models.quadrature import check_size
    try:
        check_size(points, q, len(eta_fixed))
    except ValueError as err:
        raise StataError(909, f"insufficient memory for the integration grid: {err}") \
            from None
    t, w = _rule(q, points)
    L = _chol(model)
    A = model.Z_all @ L                                  # n x q
    alpha = _alpha(model)
    out = np.zeros(len(eta_fixed))
    for k in range(len(w)):                              # K passes over n rows: no n x K array
        mu = mean(model.link, eta_fixed + A @ t[k])
        if stat in ("mu", "pr"):
            val = mu
        else:
            dens, cdf = pmf_cdf(model, y, mu, n, alpha)
            val = dens if stat == "density" else cdf
        out += w[k] * val
    if stat == "mu" and model.family == "binomial":
        out = out * n
    return out


def residual(model, stat, y, mu, n):
    """Pearson, deviance or Anscombe residual at the (conditional) mean; mu per trial for
    the binomial family. Definitions as glm's: V(μ) bernoulli μ(1−μ), binomial nμ(1−μ)
    (μ per trial), Poisson μ, negative binomial μ + αμ²; Anscombe
    (A(y) − A(m)) / V(m)^{1/6} with A' = V^{-1/3}."""
    from scipy.special import hyp2f1, xlogy
    alpha = _alpha(model)
    fam = model.family
    nn = n if fam == "binomial" else 1.0
    m = mu * nn                                         # the mean count
    with np.errstate(all="ignore"):
        if fam in ("bernoulli", "binomial"):
            var = m * (1 - mu)
        elif fam == "poisson":
            var = m
        else:
            var = m + alpha * m * m
        if stat == "pearson":
            return (y - m) / np.sqrt(var)
        if stat == "deviance":
            if fam in ("bernoulli", "binomial"):
                d = 2 * (xlogy(y, y / m) + xlogy(nn - y, (nn - y) / (nn - m)))
            elif fam == "poisson":
                d = 2 * (xlogy(y, y / m) - (y - m))
            else:
                r = 1.0 / alpha
                d = 2 * (xlogy(y, y / m) - (y + r) * np.log((1 + alpha * y) / (1 + alpha * m)))
            return np.sign(y - m) * np.sqrt(np.maximum(d, 0.0))
        # Anscombe: A(x) = ∫_0^x V(t)^(-1/3) dt in closed form
        if fam in ("bernoulli", "binomial"):
            # V(t) = t (1 - t/nn): A(x) = 1.5 x^(2/3) 2F1(1/3, 2/3; 5/3; x/nn)
            A = lambda x: 1.5 * x ** (2 / 3) * hyp2f1(1 / 3, 2 / 3, 5 / 3, x / nn)
        elif fam == "poisson":
            A = lambda x: 1.5 * x ** (2 / 3)
        else:
            A = lambda x: 1.5 * x ** (2 / 3) * hyp2f1(1 / 3, 2 / 3, 5 / 3, -alpha * x)
        return (A(y) - A(m)) / var ** (1 / 6)


def scores(model, b_names) -> tuple[np.ndarray, np.ndarray]:
    """(G x len(e(b))) d ℓ_g / d e(b)_j in e(b)'s metric (variances, covariances,
    ln(alpha)) and the data row of each group's last estimation-sample observation."""
    from hlmshell.models.glmm import reported
    from hlmshell.models.glmm_fit import _jacobian
    from hlmshell.models.glmm_robust import group_scores
    from hlmshell.models.glmm import Problem
    prob, x = model.fit.problem, np.asarray(model.fit.params, dtype=float)
    if not isinstance(prob, Problem):
        raise StataError(198, "option scores not available after a model with more than one "
                              "level of random effects or crossed random effects")
    with np.errstate(all="ignore"):
        S_int = group_scores(prob, x)
    p, nt, q = prob.p, prob.nt, prob.q
    f = lambda z: np.r_[z[:p], reported(z[p:p + nt], prob.cov, q), z[p + nt:]]
    J = _jacobian(f, x, 1e-6)                 # d reported / d internal (square)
    try:
        S_rep = np.linalg.solve(J.T, S_int.T).T
    except np.linalg.LinAlgError:
        raise StataError(498, "scores cannot be computed: a variance is at its boundary") \
            from None
    k = len(model.names)
    keep = [j for j in range(k) if not model.omitted[j]]
    nre = len(model.re_index)
    out = np.zeros((prob.G, len(b_names)))
    out[:, keep] = S_rep[:, :p]
    out[:, model.re_index] = S_rep[:, p:p + nre]
    if model.lnalpha_index is not None:
        out[:, model.lnalpha_index] = S_rep[:, p + nre]
    rows = np.flatnonzero(model.sample)
    last = np.full(prob.G, -1)
    last[model.group_all[rows]] = rows                # rows ascend: the last one wins
    return out, last
