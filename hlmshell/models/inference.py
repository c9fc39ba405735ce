"""Inference in Stata's conventions: e(b)/e(V), delta method, CIs, Wald, LR vs linear, ICC.

Variance parameters: the observed information is computed in psi = (theta, ln sigma_e) with
beta profiled out (central differences of the analytic gradient of -2ll), then carried to
any function (Stata's lns/atr/lnsig_e metric, variances, covariances, ICC) by the delta
method. At a stationary point this equals inverting the Hessian in Stata's metric, but it
stays finite on the boundary, where lns = -inf or atr = +-inf. Coordinates fixed at a
boundary zero are left out; a derived quantity whose first-order change involves such a
coordinate, or which is itself degenerate (variance 0, |corr| = 1), gets SE NaN.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from . import distributions as special   # stdlib-based: scipy costs 0.3-0.4 s to import

from . import covariance as cv
from .crossed import stata_level_numbers
from .results import LevelFit, MixedFit, ModelError


class FERow(NamedTuple):
    name: str
    coef: float
    se: float
    z: float
    p: float
    lo: float
    hi: float
    omitted: bool
    base: bool


class RERow(NamedTuple):
    label: str
    estimate: float
    se: float
    lo: float
    hi: float


class RESection(NamedTuple):
    title: str          # 'id: Unstructured'; '' for the residual section
    rows: list


class ICCRow(NamedTuple):
    label: str
    icc: float
    se: float
    lo: float
    hi: float


def _zcrit(level):
    return float(special.ndtri(1 - (1 - level / 100) / 2))


class VarianceState:
    """psi at the optimum, its covariance, and the delta method."""

    def __init__(self, model, theta, s2, free):
        self.model = model
        self.psi = np.append(theta, 0.5 * np.log(s2))
        self.free = np.append(free, True)
        k = len(self.psi)
        idx = np.flatnonzero(self.free)
        hs = 1e-4 * np.maximum(np.abs(self.psi[idx]), 0.05)
        pts = np.empty((2 * len(idx), k))
        pts[:] = self.psi
        r = np.arange(len(idx))
        pts[2 * r, idx] += hs
        pts[2 * r + 1, idx] -= hs
        _, G = model.m2ll(pts, True)          # central differences of the analytic gradient
        H = np.zeros((k, k))
        H[:, idx] = ((G[0::2] - G[1::2]) / (2 * hs[:, None])).T
        H = 0.5 * (H + H.T)
        f = self.free
        self.cov = np.full((k, k), np.nan)
        allfree = bool(f.all())
        Hf = H if allfree else H[np.ix_(f, f)]
        try:
            w = np.linalg.eigvalsh(Hf)
            ok = w.min() > 1e-10 * max(w.max(), 1e-300)
        except np.linalg.LinAlgError:
            ok = False
        if ok:
            if allfree:
                self.cov = 2.0 * np.linalg.inv(Hf)               # info = H/2 (H of -2ll)
            else:
                self.cov[np.ix_(f, f)] = 2.0 * np.linalg.inv(Hf)
        self.singular = not ok

    def sigmas(self, psi):
        """Absolute Sigma per level and residual variance at psi."""
        m = self.model
        s2 = np.exp(2 * psi[-1])
        return [s2 * L @ L.T for L in m.lambdas(psi[:-1])], s2

    def delta(self, fun, degenerate=None):
        """value, SE of fun(psi) (vector); NaN SE where degenerate or not identified."""
        k = len(self.psi)
        hs = 1e-6 * np.maximum(np.abs(self.psi), 0.05)
        if getattr(fun, "batched", False):    # psi and the 2k stencil points in one call
            pts = np.empty((2 * k + 1, k))
            pts[:] = self.psi
            r = np.arange(k)
            pts[2 * r + 1, r] += hs
            pts[2 * r + 2, r] -= hs
            with np.errstate(invalid="ignore"):   # inf - inf at boundary parameters -> NaN
                F = np.asarray(fun(pts), dtype=float)
                val = F[0]
                J = ((F[1::2] - F[2::2]) / (2 * hs[:, None])).T
        else:
            val = np.atleast_1d(np.asarray(fun(self.psi), dtype=float))
            J = np.zeros((len(val), k))
        with np.errstate(invalid="ignore"):   # inf - inf at boundary parameters -> NaN
            if not getattr(fun, "batched", False):
                for j in range(k):
                    e = np.zeros(k)
                    e[j] = hs[j]
                    J[:, j] = (np.asarray(fun(self.psi + e)) - np.asarray(fun(self.psi - e))) / (2 * hs[j])
        J[~np.isfinite(J)] = 0.0
        f = self.free
        if f.all():
            V = J @ self.cov @ J.T
        else:
            V = J[:, f] @ self.cov[np.ix_(f, f)] @ J[:, f].T
        se = np.sqrt(np.maximum(np.diag(V), 0.0))
        fixed_dep = np.abs(J[:, ~f]).max(axis=1) if (~f).any() else np.zeros(len(val))
        bad = ~np.isfinite(val) | (fixed_dep > 1e-6 * np.maximum(np.abs(val), 1.0))
        if degenerate is not None:
            bad |= degenerate
        se[bad] = np.nan
        V[bad, :] = np.nan
        V[:, bad] = np.nan
        return val, se, V


def _stata_fun(state, covs):
    """psi -> Stata's (lns..., atr..., lnsig_e); accepts one psi or a batch (P, k+1)."""
    def fun(psi):
        ps = np.atleast_2d(psi)
        s = ps[:, -1]
        parts = [cv.stata_params_batch(c, L @ np.swapaxes(L, 1, 2), s)
                 for c, L in zip(covs, state.model.lambdas(ps[:, :-1]))]
        res = [ps[:, state.model.offsets[-1]:-1]] if _structure(state.model) else []
        out = np.concatenate(parts + [s[:, None]] + res, axis=1)
        return out[0] if np.ndim(psi) == 1 else out
    fun.batched = True
    return fun


def _structure(model):
    """The residual structure of a residuals.StructuredLMM (None for the plain model)."""
    return getattr(model, "structure", None)


def build_result(spec, method, design, model, theta, dev, free, snapped, summary, log,
                 dev_linear) -> MixedFit:
    beta_k, s2, XXinv = model.fixed(theta)
    k_f = len(design.fixed_names)
    beta = np.zeros(k_f)
    beta[design.keep] = beta_k
    if len(design.keep) == k_f:
        V_beta = s2 * XXinv
    else:
        V_beta = np.zeros((k_f, k_f))
        V_beta[np.ix_(design.keep, design.keep)] = s2 * XXinv
    n, p = model.n, model.p
    if getattr(design, "pweighted", False):
        n = len(design.rows)    # e(N): observations; the weights sum to model.n
    ll = -dev / 2

    state = VarianceState(model, theta, s2, free)
    covs = [lv.covariance for lv in model.levels]
    Sig, _ = state.sigmas(state.psi)
    names = []
    nums = stata_level_numbers([lv.groupvar for lv in model.levels])
    for (L, eq), lv, q in zip(nums, model.levels, model.q):
        # equation eq of level L (several `_all` equations): lns<L>_<eq>_k, atr<L>_<eq>_j_k
        nm = [n[:3] + n[3:].replace(f"{L}_1_", f"{L}_{eq}_", 1)
              for n in cv.stata_names(lv.covariance, q, L)]
        names += [f"lns{L}_{eq}_1"] if getattr(lv, "factor", None) else nm
    names.append("lnsig_e")
    structure = _structure(model)
    if structure is not None:
        names += structure.names
    phi, _, V_theta = state.delta(_stata_fun(state, covs))
    # atr of a correlation involving a zero variance is arbitrary: no variance for it
    pos = 0
    for lv, q, S in zip(model.levels, model.q, Sig):
        nm = cv.stata_names(lv.covariance, q, 1)
        zero = np.diag(_clean_boundary(S, s2)) == 0
        for i, name in enumerate(nm):
            if name.startswith("atr"):
                ids = [int(x) - 1 for x in name.split("_")[2:]]
                if lv.covariance == "exchangeable" and zero.any() or zero[ids].any():
                    V_theta[pos + i, :] = np.nan
                    V_theta[:, pos + i] = np.nan
        pos += len(nm)

    levels, notes, flags = [], [], []
    for lv, S in zip(model.levels, Sig):
        S = _clean_boundary(S, s2)
        sizes = lv.sizes
        levels.append(LevelFit(lv.groupvar, lv.covariance, list(lv.effects), lv.n_groups,
                               int(sizes.min()), float(sizes.mean()), int(sizes.max()), S))
        for txt, tag in _boundary_text(lv.groupvar, lv.effects, S):
            notes.append(txt)
            flags.append(tag)
    boundary = bool(flags)
    if any(not tag.endswith(":singular") for tag in flags):   # a variance at 0 or a corr at +-1
        notes.append("Standard errors of parameters on the boundary are not defined (shown as "
                     "missing); the others are computed with those parameters held at their "
                     "boundary values.")
    if state.singular:
        notes.append("The information matrix of the variance parameters is singular; their "
                     "standard errors are missing.")
    summary.boundary = boundary
    summary.boundary_flags = flags

    k_r = len(names)
    k_rs = sum(1 for nm in names if nm.startswith(("lns", "r_lns")))  # includes lnsig_e
    b_names = [f"{design.depvar}:{nm}" for nm in design.fixed_names] + [f"{nm}:_cons" for nm in names]
    b = np.r_[beta, phi]
    V = np.zeros((k_f + k_r, k_f + k_r))
    V[:k_f, :k_f] = V_beta
    V[k_f:, k_f:] = V_theta

    wald = [j for j in design.keep if design.fixed_names[j] != "_cons"]
    if wald:
        bw = beta[wald]
        chi2 = float(bw @ np.linalg.solve(V_beta[np.ix_(wald, wald)], bw))
        pval = float(special.chdtrc(len(wald), chi2))
    else:
        chi2, pval = np.nan, np.nan

    ll_c = -dev_linear / 2      # theta = 0: OLS ll (ML) or stata-reference 3.4's REML ll_c
    chi2_c = max(2 * (ll - ll_c), 0.0)
    df_c = k_r - 1
    lr_chibar = df_c == 1 and k_rs == 2 and structure is None
    if model.levels:
        if lr_chibar and chi2_c > 1e-5:
            p_c = 0.5 * float(special.chdtrc(1, chi2_c))
        else:
            p_c = float(special.chdtrc(df_c, chi2_c)) if df_c > 0 else np.nan
    else:
        ll_c, chi2_c, p_c = np.nan, np.nan, np.nan
    rank = p + k_r
    return MixedFit(
        spec=spec, method=method, depvar=design.depvar, n=n, sample=design.sample.copy(),
        converged=summary.converged, summary=summary, iteration_log=log,
        fixed_names=list(design.fixed_names), beta=beta, V_beta=V_beta,
        omitted=[bool(o) for o in design.omitted], dropped=list(design.dropped),
        levels=levels, sigma2=float(s2), ll=float(ll), ll_c=ll_c, chi2_c=chi2_c, df_c=df_c,
        p_c=p_c, lr_chibar=lr_chibar, chi2=chi2, df_m=len(wald), p=pval,
        theta_names=names, theta=phi, V_theta=V_theta, b_names=b_names, b=b, V=V,
        k_f=k_f, k_r=k_r, k_rs=k_rs, k_rc=k_r - k_rs, rank=rank,
        aic=-2 * ll + 2 * rank, bic=-2 * ll + np.log(n) * rank,
        boundary=boundary, boundary_notes=notes,
        _state=dict(design=design, model=model, theta=theta, vstate=state, covs=covs,
                    XXinv=XXinv, beta_k=beta_k))


def _clean_boundary(S, s2):
    """Exact zeros for variances below 1e-10 of the residual variance (sd ratio 1e-5):
    numerically they are the boundary, and their covariances are 0 with them."""
    S = S.copy()
    z = np.diag(S) <= 1e-10 * s2
    S[z, :] = 0.0
    S[:, z] = 0.0
    return S


def _boundary_text(groupvar, effects, S):
    q = len(effects)
    d = np.diag(S)
    scale = max(float(d.max()), 1e-300)
    for k in range(q):
        if d[k] <= 1e-12 * scale or d[k] == 0:
            yield f"{groupvar}: var({effects[k]}) is estimated at 0 (boundary).", f"{groupvar}:var({effects[k]})"
    for j in range(q):
        for k in range(j + 1, q):
            if d[j] > 0 and d[k] > 0:
                r = S[j, k] / np.sqrt(d[j] * d[k])
                if abs(r) > 1 - 1e-9:
                    yield (f"{groupvar}: corr({effects[j]},{effects[k]}) is estimated at "
                           f"{'+1' if r > 0 else '-1'} (boundary; singular covariance)."), \
                        f"{groupvar}:corr({effects[j]},{effects[k]})"
    if q > 2:
        w = np.linalg.eigvalsh(S)
        if w.min() <= 1e-10 * scale and not any(d <= 1e-12 * scale):
            # no single parameter is at its bound, so every standard error exists: on the
            # boundary surface, with the matrix held at its rank
            rank = int((w > 1e-10 * scale).sum())
            yield (f"{groupvar}: the random-effects covariance matrix is singular (rank {rank} of "
                   f"{q}; boundary). Standard errors are computed with it held singular."), \
                f"{groupvar}:singular"


# ---------------------------------------------------------------------------- tables
def fe_table(fit: MixedFit, level=95):
    """All fixed-effect columns in e(b) order; base/omitted ones have NaN statistics and
    their flags set (renderers skip them unless baselevels)."""
    z = _zcrit(level)
    rows = []
    for j, nm in enumerate(fit.fixed_names):
        base = bool(fit.omitted[j]) and "b." in nm
        if fit.omitted[j]:
            rows.append(FERow(nm, 0.0, np.nan, np.nan, np.nan, np.nan, np.nan, True, base))
            continue
        b, se = fit.beta[j], float(np.sqrt(fit.V_beta[j, j]))
        zz = b / se if se > 0 else np.nan
        rows.append(FERow(nm, float(b), se, zz, float(2 * special.ndtr(-abs(zz))),
                          b - z * se, b + z * se, False, False))
    return rows


def _ci(kind, est, se, z):
    if not np.isfinite(se):
        return np.nan, np.nan
    if kind in ("var", "sd"):
        if est <= 0:
            return np.nan, np.nan
        f = np.exp(z * se / est)
        return est / f, est * f
    if kind == "corr":
        if abs(est) >= 1:
            return np.nan, np.nan
        a, sa = np.arctanh(est), se / (1 - est ** 2)
        return float(np.tanh(a - z * sa)), float(np.tanh(a + z * sa))
    return est - z * se, est + z * se


def _level_quantities(lvfit, li, stddev):
    """(labels, kinds, function of (Sigmas, s2) -> values, degenerate flags)."""
    eff, q, cov = lvfit.effects, len(lvfit.effects), lvfit.covariance
    items = []  # (label, kind, f)
    v = "sd" if stddev else "var"
    if cov == "identity":
        lab = " ".join(eff)
        items.append((f"{v}({lab})", v, lambda S: S[li][0, 0]))
    elif cov == "exchangeable":
        lab = " ".join(eff)
        items.append((f"{v}({lab})", v, lambda S: S[li][0, 0]))
        c = "corr" if stddev else "cov"
        items.append((f"{c}({lab})", c, lambda S: S[li][0, 1]))
    else:
        for k in range(q):
            items.append((f"{v}({eff[k]})", v, lambda S, k=k: S[li][k, k]))
        if cov == "unstructured":
            c = "corr" if stddev else "cov"
            for j in range(q):
                for k in range(j + 1, q):
                    items.append((f"{c}({eff[j]},{eff[k]})", c, lambda S, j=j, k=k: S[li][j, k]))
    return items


def re_table(fit: MixedFit, level=95, stddev=False):
    st = fit._state["vstate"]
    z = _zcrit(level)
    sections = []
    for li, lv in enumerate(fit.levels):
        items = _level_quantities(lv, li, stddev)

        def fun(psi, items=items, li=li):
            Sig, _ = st.sigmas(psi)
            out = []
            for lab, kind, f in items:
                val = f(Sig)
                if kind == "sd":
                    val = np.sqrt(max(val, 0.0))
                elif kind == "corr":
                    S = Sig[li]
                    if lv.covariance == "exchangeable":
                        den = S[0, 0]
                    else:
                        j, k = [lv.effects.index(e) for e in lab[5:-1].split(",")]
                        den = np.sqrt(S[j, j] * S[k, k])
                    val = val / den if den > 0 else np.nan
                out.append(val)
            return np.array(out)

        vals = fun(st.psi)
        degenerate = _degenerate(items, vals, lv, stddev)
        est, se, _ = st.delta(fun, degenerate)
        rows = []
        for (lab, kind, _f), e, s in zip(items, est, se):
            lo, hi = _ci(kind, e, s, z)
            rows.append(RERow(lab, float(e), float(s), lo, hi))
        sections.append(RESection(f"{lv.groupvar}: {lv.vartype}", rows))
    structure = _structure(st.model)
    if structure is not None:
        sections.append(_residual_section(st, structure, z, stddev))
        return sections
    lab = "sd(Residual)" if stddev else "var(Residual)"
    est, se, _ = st.delta(lambda psi: np.exp(psi[-1]) if stddev else np.exp(2 * psi[-1]))
    lo, hi = _ci("var", est[0], se[0], z)
    sections.append(RESection("", [RERow(lab, float(est[0]), float(se[0]), lo, hi)]))
    return sections


def _residual_section(st, structure, z, stddev):
    """`Residual: AR(1)` and its rows (rho, var(e), ...), SEs by the delta method."""
    kt = st.model.offsets[-1]
    items = structure.rows(st.model.by_labels if hasattr(st.model, "by_labels") else None)
    if stddev:     # var(e) -> sd(e); cov stays
        items = [(lab.replace("var(", "sd("), "sd",
                  lambda phi, s, f=f: np.sqrt(f(phi, s))) if kind == "var" else (lab, kind, f)
                 for lab, kind, f in items]

    def fun(psi):
        return np.array([f(psi[kt:-1], psi[-1]) for _lab, _kind, f in items])

    est, se, _ = st.delta(fun)
    rows = []
    for (lab, kind, _f), e, s in zip(items, est, se):
        lo, hi = _ci(kind, e, s, z)
        rows.append(RERow(lab, float(e), float(s), lo, hi))
    return RESection(f"Residual: {structure.label}", rows)


def _degenerate(items, vals, lv, stddev):
    """Quantities that sit on the boundary themselves: zero variances, |corr| = 1, and
    covariances involving a zero variance."""
    S = lv.Sigma
    d = np.diag(S)
    tiny = 0.0      # Sigma was cleaned: boundary variances are exact zeros
    out = []
    for (lab, kind, _f), v in zip(items, vals):
        if kind in ("var", "sd"):
            out.append(bool(v <= tiny))
        else:
            inside = lab[lab.index("(") + 1:-1]
            idx = ([lv.effects.index(e) for e in inside.split(",")] if "," in inside
                   else list(range(len(lv.effects))))
            dd = d[idx]
            if (dd <= tiny).any():
                out.append(True)
                continue
            r = (S[idx[0], idx[1]] / np.sqrt(dd[0] * dd[1]) if len(idx) == 2 and "," in inside
                 else S[0, 1] / d[0])
            out.append(bool(abs(r) > 1 - 1e-9) and kind == "corr")
    return np.array(out, dtype=bool)


def recovariance(fit: MixedFit, level_index: int, correlation=False):
    lv = fit.levels[level_index]
    S = lv.Sigma.copy()
    if correlation:
        sd = np.sqrt(np.diag(S))
        with np.errstate(divide="ignore", invalid="ignore"):
            S = S / np.outer(sd, sd)
        np.fill_diagonal(S, np.where(sd > 0, 1.0, np.nan))
    names = [e.replace(".", "_") for e in lv.effects]
    return S, names


def icc(fit: MixedFit, level=95):
    if not fit.levels:
        raise ModelError(459, "model is linear regression; no random effects")
    if any(lv.groupvar == "_all" for lv in fit.levels):     # stata-reference 4.1
        raise ModelError(321, "estat icc not allowed after crossed-effects models")
    for lv in fit.levels:
        if "_cons" not in lv.effects:
            raise ModelError(321, "estat icc requires a random intercept at every level")
    st = fit._state["vstate"]
    z = _zcrit(level)
    slopes = any(len(lv.effects) > 1 for lv in fit.levels)
    covariates = any(nm != "_cons" and not om for nm, om in zip(fit.fixed_names, fit.omitted))
    if slopes:
        title = "Conditional intraclass correlation"
    elif covariates:
        title = "Residual intraclass correlation"
    else:
        title = "Intraclass correlation"
    G = len(fit.levels)

    def fun(psi):
        Sig, s2 = st.sigmas(psi)
        v = np.array([S[-1, -1] for S in Sig])
        tot = v.sum() + s2
        return np.array([v[: i + 1].sum() / tot for i in range(G)])

    zero = np.array([lv.Sigma[-1, -1] == 0 for lv in fit.levels])
    # an ICC of 0 is on its boundary; one that sums a zero variance with positive ones is
    # not, and gets its SE with the zero held there (as every other SE at a boundary fit)
    degenerate = np.array([zero[: i + 1].all() for i in range(G)])
    vals, se, _ = st.delta(fun, degenerate)
    rows = []
    for i in range(G):
        lab = "|".join(fit.levels[j].groupvar for j in range(i, -1, -1))
        r, s = float(vals[i]), float(se[i])
        if np.isfinite(s) and 0 < r < 1:
            k, sk = np.log(r / (1 - r)), s / (r * (1 - r))
            lo, hi = 1 / (1 + np.exp(-(k - z * sk))), 1 / (1 + np.exp(-(k + z * sk)))
        else:
            lo = hi = np.nan
        rows.append(ICCRow(lab, r, s, float(lo), float(hi)))
    return title, rows
