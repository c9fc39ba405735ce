"""e() after melogit, meprobit, mecloglog, mepoisson, menbreg and meglm (Stata stores
e(cmd) = "meglm" and the command typed in e(cmd2)), and MEModel: what predict and estat
read afterwards (levels, empirical Bayes predictions, the ICC).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hlmshell.estimates.results import EstimationResult
from hlmshell.matrix import StataMatrix

MODEL_WORD = {"logit": "logistic", "probit": "probit", "cloglog": "cloglog"}
VARTYPE = {"identity": "Identity", "independent": "Independent",
           "exchangeable": "Exchangeable", "unstructured": "Unstructured"}


@dataclass
class LevelInfo:
    groupvar: str
    n_groups: int
    g_min: int
    g_avg: float
    g_max: int
    effects: list
    vartype: str


@dataclass
class IccRow:
    label: str
    icc: float
    se: float
    lo: float
    hi: float


@dataclass
class MEModel:
    family: str
    link: str
    depvar: str
    names: list                   # fixed columns (Stata names)
    omitted: np.ndarray
    has_cons: bool
    levels: list                  # LevelInfo (one level)
    re_names: list                # `var(_cons[id])`, ... (without the `/` equation)
    re_index: list                # their positions in e(b)
    lnalpha_index: int | None
    b: np.ndarray                 # e(b) as a vector
    V: np.ndarray
    log: list
    glm_log: list
    grid_ll: float
    sample: np.ndarray
    group_all: np.ndarray         # group index of every data row (-1: none)
    Z_all: np.ndarray
    offset_all: np.ndarray | None
    offset: str
    trials: Any
    fit: Any = field(repr=False, default=None)
    dropped: list = field(default_factory=list)   # collinear columns (the fit's notes)
    _eb: dict = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ empirical Bayes
    def eb(self, kind: str = "ebmeans"):
        """(u, se) per group (G x q): posterior means and SDs, or modes and the SDs from
        the curvature there."""
        if kind not in self._eb:
            from hlmshell.models.glmm import chol_of
            from hlmshell.models.glmm_post import posterior
            prob, x = self.fit.problem, self.fit.params
            L = chol_of(prob.split(x)[1], prob.cov, prob.q)
            mode, mode_cov, mean, cov = posterior(prob, x)
            v, c = (mean, cov) if kind == "ebmeans" else (mode, mode_cov)
            u = v @ L.T
            cu = np.einsum("ab,gbc,dc->gad", L, c, L)
            self._eb[kind] = (u, np.sqrt(np.diagonal(cu, axis1=1, axis2=2)))
        return self._eb[kind]

    def reffects(self, kind="ebmeans"):
        u, _ = self.eb(kind)
        return _rows(u, self.group_all)

    def reses(self, kind="ebmeans"):
        _, se = self.eb(kind)
        return _rows(se, self.group_all)

    def replay(self, result, level: float = 95):
        """The command's tables again (estimates replay)."""
        from hlmshell.commands.me_estimate import me_output
        from hlmshell.syntax.mixed_call import MixedOptions
        return me_output(result, MixedOptions(), level, False, log=False)

    # ------------------------------------------------------------------- estat recov
    estat_allowed = ("icc", "ic", "group", "recovariance", "summarize", "vce", "sd")

    def recovariance(self, level_index: int = 0, correlation: bool = False):
        """(matrix, names) of the random effects' covariance (or correlation)."""
        from hlmshell.models.glmm import chol_of
        prob, x = self.fit.problem, self.fit.params
        L = chol_of(prob.split(x)[1], prob.cov, prob.q)
        S = L @ L.T
        if correlation:
            sd = np.sqrt(np.diag(S))
            with np.errstate(all="ignore"):
                S = S / np.outer(sd, sd)
        return S, list(self.levels[level_index].effects)

    # ---------------------------------------------------------------------------- ICC
    def icc(self, level: float = 95):
        from hlmshell.models import ModelError
        from scipy.special import ndtri
        if self.family not in ("bernoulli", "binomial"):
            # meglm_estat.ado: a bare `error 321` outside the families with an ICC
            raise ModelError(321, "requested action not valid after most recent "
                                  "estimation command")
        lv = self.levels[0]
        if "_cons" not in lv.effects:
            raise ModelError(321, "estat icc not allowed after random-effects models with "
                                  "random-level specifications that do not contain random "
                                  "intercepts")
        name = f"var(_cons[{lv.groupvar}])"
        j = self.re_index[self.re_names.index(name)] if name in self.re_names else \
            self.re_index[0]
        v, sv = float(self.b[j]), math.sqrt(max(float(self.V[j, j]), 0.0))
        c = math.pi ** 2 / 3 if self.link == "logit" else 1.0
        if self.link == "cloglog":
            c = math.pi ** 2 / 6
        icc = v / (v + c)
        se = c / (v + c) ** 2 * sv
        z = float(ndtri(0.5 + level / 200))
        if 0 < icc < 1:
            k, sk = math.log(icc / (1 - icc)), se / (icc * (1 - icc))
            lo, hi = 1 / (1 + math.exp(-(k - z * sk))), 1 / (1 + math.exp(-(k + z * sk)))
        else:
            lo = hi = math.nan
        if len(lv.effects) > 1:
            title = "Conditional intraclass correlation"
        elif any(not o and n != "_cons" for n, o in zip(self.names, self.omitted)):
            title = "Residual intraclass correlation"
        else:
            title = "Intraclass correlation"
        return title, [IccRow(lv.groupvar, icc, se, lo, hi)]


def _rows(per_group: np.ndarray, group_all: np.ndarray) -> np.ndarray:
    out = np.full((len(group_all), per_group.shape[1]), np.nan)
    ok = group_all >= 0
    out[ok] = per_group[group_all[ok]]
    return out


def posted(design, fit, family, re_names):
    """e(b) and e(V) of an me* fit with their names and positions: the fixed effects (every
    column, base/omitted as 0), /lnalpha, then the random-effects parameters; and the Wald
    test of the fixed effects."""
    from hlmshell.commands.glm_estimate import wald
    names = list(design.fixed_names)
    omitted = np.asarray(design.omitted, bool)
    keep = list(design.keep)
    p, k = len(keep), len(names)
    nre = len(fit.b) - p - (1 if family == "nbinomial" else 0)
    order = list(range(p)) + ([p + nre] if family == "nbinomial" else []) + \
        list(range(p, p + nre))
    nb = k + len(order) - p
    b = np.zeros(nb)
    V = np.zeros((nb, nb))
    pos = keep + list(range(k, nb))
    b[pos] = fit.b[order]
    V[np.ix_(pos, pos)] = fit.V[np.ix_(order, order)]
    cols = [f"{design.depvar}:{nm}" for nm in names]
    lnalpha_index = None
    if family == "nbinomial":
        lnalpha_index = k
        cols.append("/:lnalpha")
    re_index = list(range(nb - nre, nb))
    cols += [f"/:{nm}" for nm in re_names]
    chi2, df_m, pval = wald(b[:k], V[:k, :k], names, omitted)
    return (names, omitted, keep, k, nre, nb, b, V, cols, lnalpha_index, re_index, chi2, df_m,
            pval)


def me_result(*, name, family, link, fit, design, method, points, offname, offset, trials,
              sigvars, datasignature, cmdline, nolrtest) -> EstimationResult:
    from scipy.special import chdtrc
    from hlmshell.models.glmm import reported_names
    lev = design.levels[0]
    re_names = reported_names(lev.effects, lev.groupvar, lev.covariance)
    (names, omitted, keep, k, nre, nb, b, V, cols, lnalpha_index, re_index, chi2, df_m,
     pval) = posted(design, fit, family, re_names)
    sizes = lev.sizes
    s: dict = {"N": int(len(design.rows)), "k": nb, "k_dv": 1,
               "k_eq": 1 + nb - k, "k_eq_model": 1, "k_f": int(len(keep)),
               "k_r": nb - k, "k_rs": len(lev.effects) if lev.covariance != "identity" else 1,
               "k_rc": nre - (len(lev.effects) if lev.covariance != "identity" else 1),
               "ll": fit.ll, "chi2": chi2, "p": pval, "df_m": df_m}
    if not nolrtest:
        chi2_c = max(2.0 * (fit.ll - fit.ll_c), 0.0)
        df_c = nre
        p_c = float(chdtrc(df_c, chi2_c))
        if df_c == 1 and chi2_c > 1e-5:     # _me_estimate.ado's rule for the halving
            p_c = 0.5 * p_c
        s.update({"ll_c": fit.ll_c, "chi2_c": chi2_c, "df_c": df_c, "p_c": p_c})
    s.update({"n_quad": points, "rank": int(len(keep)) + nb - k, "ic": fit.iterations,
              "rc": 0 if fit.converged else 430, "converged": int(bool(fit.converged))})
    lrmodel = {"bernoulli": MODEL_WORD.get(link, link), "binomial": MODEL_WORD.get(link, link),
               "poisson": "Poisson", "nbinomial": "nbinomial"}[family]
    from hlmshell.commands.me_cmds import COMMANDS
    title = COMMANDS[name][2]
    m: dict = {"cmd": "meglm", "cmd2": name, "cmdline": cmdline, "depvar": design.depvar,
               "covariates": " ".join(nm for j, nm in enumerate(names)
                                      if not omitted[j] and nm != "_cons"),
               "ivars": lev.groupvar, "model": lrmodel, "title": title, "link": link,
               "family": family}
    if family == "nbinomial":
        m["dispersion"] = "mean"
    if offname:
        m["offset"] = offname
    if trials:
        m["binomial"] = str(trials)
    m.update({"intmethod": method, "vce": "oim", "opt": "moptimize", "which": "max",
              "ml_method": "d2" if method != "laplace" else "d0", "technique": "nr",
              "datasignaturevars": " ".join(sigvars), "datasignature": datasignature,
              "properties": "b V", "estat_cmd": f"{name}_estat", "predict": f"{name}_p"})
    mats = {"b": StataMatrix(b.reshape(1, -1), ["y1"], cols),
            "V": StataMatrix(V, list(cols), list(cols), symmetric=True)}
    g_stats = [float(lev.n_groups), float(sizes.min()), float(sizes.mean()), float(sizes.max())]
    for key, val in zip(("N_g", "g_min", "g_avg", "g_max"), g_stats):
        mats[key] = StataMatrix(np.array([[val]]), ["r1"], [lev.groupvar])
    info = LevelInfo(lev.groupvar, int(lev.n_groups), int(sizes.min()), float(sizes.mean()),
                     int(sizes.max()), list(lev.effects), VARTYPE[lev.covariance])
    model = MEModel(family, link, design.depvar, names, omitted, design.has_cons, [info],
                    re_names, re_index, lnalpha_index, b, V, fit.log, fit.glm_log,
                    fit.grid_ll, np.asarray(design.sample, bool), lev.group_all, lev.Z_all,
                    offset, offname, trials, fit, list(design.dropped))
    return EstimationResult(cmd="meglm", scalars=s, macros=m, matrices=mats,
                            sample=np.asarray(design.sample, bool), model=model, link=link)
