"""e() and the postestimation model of me* fits with several random-effects levels
(nested `|| school: || class:` or crossed `|| _all: R.a || b:`): me.py's MEModel with one
LevelInfo per level, level paths in the names (`var(_cons[school>class])`), and empirical
Bayes predictions, ICCs and covariances for every level.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from hlmshell.estimates.me import VARTYPE, IccRow, LevelInfo, MEModel, _rows
from hlmshell.estimates.results import EstimationResult
from hlmshell.matrix import StataMatrix


@dataclass
class MultiMEModel(MEModel):
    labels: list = field(default_factory=list)      # per level: `school>class`, `_all>a`
    group_alls: list = field(default_factory=list)  # per level: group of each data row
    crossed: bool = False

    def re_columns(self):
        """(effect, level path) of every random effect, top level first."""
        return [(e, lab) for lv, lab in zip(self.levels, self.labels) for e in lv.effects]

    def eb(self, kind: str = "ebmeans"):
        if kind not in self._eb:
            prob, x = self.fit.problem, self.fit.params
            chols = prob.par.chols(prob.par.split(x)[1])
            from hlmshell.models.glmm_blocks import JointLaplace
            from hlmshell.models.glmm_nested import NestedAGQ
            laplace = isinstance(prob, JointLaplace)
            if kind == "ebmodes":
                post = (prob if laplace else JointLaplace(_data(prob))).posterior(x)
            elif laplace and not self.crossed and \
                    7.0 ** sum(b.q for b in prob.d.blocks) * len(prob.d.y) <= 20_000_000:
                # a nested model fitted by Laplace: its posterior means by 7-point quadrature
                post = NestedAGQ(prob.d, "mvaghermite", 7).posterior(x)
            elif laplace:
                # crossed (or a grid too big): the joint posterior does not factor by group; its Laplace
                # (normal) approximation has the mode as its mean
                post = prob.posterior(x)
            elif prob.method != "mvaghermite":
                # ghermite/mcaghermite fits: the means by the adaptive rule all the same
                post = NestedAGQ(_data(prob), "mvaghermite", max(prob.points, 7)).posterior(x)
            else:
                post = prob.posterior(x)
            us, ses = [], []
            for (v, c), L in zip(post, chols):
                us.append(v @ L.T)
                cu = np.einsum("ab,gbc,dc->gad", L, c, L)
                ses.append(np.sqrt(np.maximum(np.diagonal(cu, axis1=1, axis2=2), 0.0)))
            self._eb[kind] = (us, ses)
        return self._eb[kind]

    def _stack(self, parts):
        return np.hstack([_rows(p, g) for p, g in zip(parts, self.group_alls)])

    def reffects(self, kind="ebmeans"):
        return self._stack(self.eb(kind)[0])

    def reses(self, kind="ebmeans"):
        return self._stack(self.eb(kind)[1])

    def recovariance(self, level_index: int = 0, correlation: bool = False):
        prob, x = self.fit.problem, self.fit.params
        L = prob.par.chols(prob.par.split(x)[1])[level_index]
        S = L @ L.T
        if correlation:
            sd = np.sqrt(np.diag(S))
            with np.errstate(all="ignore"):
                S = S / np.outer(sd, sd)
        return S, list(self.levels[level_index].effects)

    def icc(self, level: float = 95):
        """Level-by-level ICCs (latent-response scale), outermost first, as `mixed`'s:
        level k's is the share of the top k levels' intercept variances."""
        from scipy.special import expit, ndtri
        from hlmshell.models import ModelError
        if self.family not in ("bernoulli", "binomial"):
            raise ModelError(321, "estat icc is available only after models with a "
                                  "binary or binomial outcome")
        if self.crossed:
            raise ModelError(321, "estat icc not allowed after crossed-effects models")
        if any("_cons" not in lv.effects for lv in self.levels):
            raise ModelError(321, "estat icc requires a random intercept at every level")
        idx = []
        for lab, lv in zip(self.labels, self.levels):
            name = f"var(_cons[{lab}])"
            idx.append(self.re_index[self.re_names.index(name)] if name in self.re_names
                       else next(j for j, nm in zip(self.re_index, self.re_names)
                                 if nm.startswith("var(") and nm.endswith(f"[{lab}])")))
        v = np.array([float(self.b[j]) for j in idx])
        Vv = np.nan_to_num(self.V[np.ix_(idx, idx)])
        c = {"logit": math.pi ** 2 / 3, "cloglog": math.pi ** 2 / 6}.get(self.link, 1.0)
        z = float(ndtri(0.5 + level / 200))
        tot = v.sum() + c
        rows = []
        for i in range(len(v)):
            r = v[: i + 1].sum() / tot
            grad = np.array([(1.0 if j <= i else 0.0) / tot - v[: i + 1].sum() / tot ** 2
                             for j in range(len(v))])
            se = math.sqrt(max(float(grad @ Vv @ grad), 0.0))
            if 0 < r < 1 and se > 0:
                k, sk = math.log(r / (1 - r)), se / (r * (1 - r))
                # expit: a huge se (a boundary fit) gives 0 and 1, not an OverflowError
                lo, hi = float(expit(k - z * sk)), float(expit(k + z * sk))
            else:
                lo = hi = math.nan
            lab = "|".join(self.levels[j].groupvar for j in range(i, -1, -1))
            rows.append(IccRow(lab, float(r), se, lo, hi))
        if any(len(lv.effects) > 1 for lv in self.levels):
            title = "Conditional intraclass correlation"
        elif any(not o and n != "_cons" for n, o in zip(self.names, self.omitted)):
            title = "Residual intraclass correlation"
        else:
            title = "Intraclass correlation"
        return title, rows


def _data(prob):
    """The MultiData of a NestedAGQ in the caller's row order (for the joint mode)."""
    from hlmshell.models.glmm_blocks import MultiData
    inv = np.argsort(prob.order)
    d = prob.d
    return MultiData(d.y[inv], d.X[inv], prob.blocks, d.family, d.link,
                     d.trials[inv] if isinstance(d.trials, np.ndarray) else d.trials,
                     None if d.offset is None else d.offset[inv])


def distinct(infos):
    """Levels as the group table lists them: `_all: R.a || _all: R.b` is one `_all` row."""
    out = []
    for i in infos:
        if not out or out[-1].groupvar != i.groupvar:
            out.append(i)
    return out


def re_names_multi(blocks) -> list:
    from hlmshell.models.glmm import reported_names
    return [nm for b in blocks for nm in reported_names(b.effects, b.label, b.cov)]


def me_result_multi(*, name, family, link, fit, design, blocks, levels_all, method, points,
                    offname, offset, trials, sigvars, datasignature, cmdline, nolrtest,
                    crossed) -> EstimationResult:
    """e() as me.me_result's, with one entry per level in e(N_g) ... e(g_max) and e(ivars)."""
    from scipy.special import chdtrc
    from hlmshell.commands.me_cmds import COMMANDS
    from hlmshell.estimates.me import MODEL_WORD
    from hlmshell.estimates.me import posted
    re_names = re_names_multi(blocks)
    (names, omitted, keep, k, nre, nb, b, V, cols, lnalpha_index, re_index, chi2, df_m,
     pval) = posted(design, fit, family, re_names)
    k_rs = sum(b_.q if b_.cov != "identity" else 1 for b_ in blocks)
    s: dict = {"N": int(len(design.rows)), "k": nb, "k_dv": 1, "k_eq": 1 + nb - k,
               "k_eq_model": 1, "k_f": int(len(keep)), "k_r": nb - k, "k_rs": k_rs,
               "k_rc": nre - k_rs, "ll": fit.ll, "chi2": chi2, "p": pval, "df_m": df_m}
    if not nolrtest:
        chi2_c = max(2.0 * (fit.ll - fit.ll_c), 0.0)
        p_c = float(chdtrc(nre, chi2_c))
        s.update({"ll_c": fit.ll_c, "chi2_c": chi2_c, "df_c": nre, "p_c": p_c})
    s.update({"n_quad": points, "rank": int(len(keep)) + nb - k, "ic": fit.iterations,
              "rc": 0 if fit.converged else 430, "converged": int(bool(fit.converged))})
    lrmodel = {"bernoulli": MODEL_WORD.get(link, link), "binomial": MODEL_WORD.get(link, link),
               "poisson": "Poisson", "nbinomial": "nbinomial"}[family]
    infos = []
    for blk in blocks:
        sizes = np.bincount(blk.group, minlength=blk.n_groups) if blk.factor is None \
            else np.array([len(blk.group)])
        ng = blk.n_groups if blk.factor is None else 1
        infos.append(LevelInfo(blk.groupvar, int(ng), int(sizes.min()), float(sizes.mean()),
                               int(sizes.max()), list(blk.effects), VARTYPE[blk.cov]))
    m: dict = {"cmd": "meglm", "cmd2": name, "cmdline": cmdline, "depvar": design.depvar,
               "covariates": " ".join(nm for j, nm in enumerate(names)
                                      if not omitted[j] and nm != "_cons"),
               "ivars": " ".join(i.groupvar for i in distinct(infos)), "model": lrmodel,
               "title": COMMANDS[name][2], "link": link, "family": family,
               "redim": " ".join(str(blk.q) for blk in blocks),
               "vartypes": " ".join(i.vartype for i in infos)}
    if offname:
        m["offset"] = offname
    if trials:
        m["binomial"] = str(trials)
    m.update({"intmethod": method, "vce": "oim", "opt": "moptimize", "which": "max",
              "ml_method": "d0" if method == "laplace" else "d2", "technique": "nr",
              "datasignaturevars": " ".join(sigvars), "datasignature": datasignature,
              "properties": "b V", "estat_cmd": "meglm_estat", "predict": "meglm_p"})
    mats = {"b": StataMatrix(b.reshape(1, -1), ["y1"], cols),
            "V": StataMatrix(V, list(cols), list(cols), symmetric=True)}
    shown = distinct(infos)
    for key, attr in (("N_g", "n_groups"), ("g_min", "g_min"), ("g_avg", "g_avg"),
                      ("g_max", "g_max")):
        mats[key] = StataMatrix(np.array([[float(getattr(i, attr)) for i in shown]]), ["r1"],
                                [i.groupvar for i in shown])
    Z_all = np.hstack([lv for lv in levels_all["Z"]])
    model = MultiMEModel(family, link, design.depvar, names, omitted, design.has_cons, infos,
                         re_names, re_index, lnalpha_index, b, V, fit.log, fit.glm_log,
                         fit.grid_ll, np.asarray(design.sample, bool), levels_all["group"][0],
                         Z_all, offset, offname, trials, fit, list(design.dropped),
                         labels=[blk.label for blk in blocks],
                         group_alls=list(levels_all["group"]), crossed=crossed)
    return EstimationResult(cmd="meglm", scalars=s, macros=m, matrices=mats,
                            sample=np.asarray(design.sample, bool), model=model, link=link)
