"""Result objects of `fit`: everything the shell prints, in Stata's conventions.

The numeric work behind the methods lives in inference.py and blup.py; this module only
holds the numbers and documents them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .spec import ModelSpec


class ModelError(Exception):
    """A model that cannot be estimated; `code` is Stata's return code (r(#)).

    Examples: 109 "type mismatch" (string depvar/regressor), 111 "variable x not found",
    198 (invalid covariance / syntax-level problems), 2000 "no observations".
    """

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass
class FitSummary:
    """What the optimizer did."""
    iterations: int = 0              # Stata's e(ic): NR iterations until ml's rules stop (em.py)
    em_log: list[float] = field(default_factory=list)  # criterion at EM iteration 0, 1, ...
    function_evaluations: int = 0    # deviance+gradient evaluations
    gradient_norm: float = float("nan")  # max |gradient| of the profiled deviance at the end
    converged: bool = False
    boundary: bool = False           # some variance is 0 or some correlation is +-1
    boundary_flags: list[str] = field(default_factory=list)  # one short tag per boundary parameter
    message: str = ""


@dataclass
class LevelFit:
    """One random-effects level (`|| groupvar: ...`), outermost first."""
    groupvar: str
    covariance: str                  # 'identity' | 'independent' | 'exchangeable' | 'unstructured'
    effects: list[str]               # RE terms, slopes in typed order then '_cons'
    n_groups: int
    g_min: int
    g_avg: float
    g_max: int
    Sigma: np.ndarray                # q x q estimated covariance of the random effects

    @property
    def vartype(self) -> str:
        """Proper-case name as printed (`id: Unstructured`)."""
        return self.covariance.capitalize()


@dataclass
class MixedFit:
    """Estimates of a linear mixed model, with Stata's names and metrics.

    Fixed effects are in e(b) order including base/omitted columns (their beta and V rows
    are 0). Variance parameters use Stata's estimation metric (lns#_#_#, atr#_#_#_#,
    lnsig_e). `V` is block diagonal: fixed block (X'V^-1X)^-1, variance block the inverse
    observed information with beta profiled out. At a boundary some variance-parameter
    variances do not exist and are NaN (see `boundary_notes`).
    """
    spec: ModelSpec
    method: str                      # "ML" | "REML"
    depvar: str
    n: int                           # observations used
    sample: np.ndarray               # bool mask over the input rows (e(sample))
    converged: bool
    summary: FitSummary
    iteration_log: list[float]       # criterion (ll or restricted ll) at iteration 0, 1, ...
    # fixed effects
    fixed_names: list[str]           # e.g. ['ses', '0b.sector', '1.sector', ..., '_cons']
    beta: np.ndarray
    V_beta: np.ndarray
    omitted: list[bool]              # base level or dropped for collinearity
    dropped: list[str]               # names dropped as collinear: fixed columns, then RE effects per level
    # random part
    levels: list[LevelFit]
    sigma2: float                    # residual variance
    ll: float                        # log likelihood (restricted ll for REML)
    ll_c: float                      # ll of the linear model (NaN without random effects)
    chi2_c: float
    df_c: int
    p_c: float
    lr_chibar: bool                  # True: 'chibar2(01)' (p halved); False: 'chi2(df_c)' + conservative note
    chi2: float                      # Wald chi2 of the fixed effects except _cons and omitted
    df_m: int
    p: float                         # NaN when df_m == 0
    # Stata metric
    theta_names: list[str]           # ['lns1_1_1', ..., 'atr1_1_1_2', ..., 'lnsig_e']
    theta: np.ndarray                # +-inf at a boundary (variance 0 / corr +-1)
    V_theta: np.ndarray              # NaN where it does not exist at a boundary
    b_names: list[str]               # 'mathach:ses', ..., 'lns1_1_1:_cons', ..., 'lnsig_e:_cons'
    b: np.ndarray
    V: np.ndarray                    # full block-diagonal e(V)
    k_f: int                         # fixed columns incl. base/omitted
    k_r: int                         # variance parameters incl. lnsig_e
    k_rs: int                        # lns parameters incl. lnsig_e
    k_rc: int                        # atr parameters
    rank: int                        # non-omitted fixed + variance params (df of estat ic)
    aic: float
    bic: float
    boundary: bool
    boundary_notes: list[str]        # plain English: what is on the boundary, which SEs are NaN
    # internals used by the methods (design, factors, BLUP machinery); not part of the API
    _state: Any = field(default=None, repr=False)
    # dfmethod(): smallsample.SmallSample set by the caller after the fit (None: large-sample)
    small: Any = field(default=None, repr=False)
    # vce(robust|cluster): dict(vce, clustvar, n_clust) once commands/mixed.py applied
    # robust.sandwich (V, V_beta, V_theta and the RE table's covariance are then robust)
    robust: Any = field(default=None, repr=False)
    weight: Any = field(default=None, repr=False)    # ("fweight", varname) for e(wtype) e(wexp)

    # ----- tables -------------------------------------------------------------------
    def fe_table(self, level: float = 95):
        """One `FERow(name, coef, se, z, p, lo, hi, omitted, base)` per column of e(b), in
        order. Base/omitted columns are included with NaN statistics and their flags set,
        so a renderer can skip them (or show `(base)`/`(omitted)` under baselevels)."""
        from .inference import fe_table
        return fe_table(self, level)

    def re_table(self, level: float = 95, stddev: bool = False):
        """Random-effects table: list of `RESection(title, rows)`; the last section has
        title '' and holds the residual row ('var(Residual)' / 'sd(Residual)').
        Each row is `RERow(label, estimate, se, lo, hi)`. Variances/sds: CI on the log
        scale; covariances: symmetric; correlations: atanh scale. SE NaN -> CI NaN."""
        from .inference import re_table
        return re_table(self, level, stddev)

    def icc(self, level: float = 95):
        """`estat icc`: (title, rows) with rows `ICCRow(label, icc, se, lo, hi)`, outermost
        level first ('school', 'class|school'). Raises ModelError(321) without a random
        intercept at every level."""
        from .inference import icc
        return icc(self, level)

    def recovariance(self, level_index: int, correlation: bool = False):
        """(matrix, names) of the random-effects covariance (or correlation) at a level."""
        from .inference import recovariance
        return recovariance(self, level_index, correlation)

    # ----- predictions ----------------------------------------------------------------
    def predict(self, kind: str = "xb", level: int | None = None) -> np.ndarray:
        """Predictions over ALL input rows. kind: 'xb', 'stdp', 'fitted', 'residuals',
        'rstandard'. `level` (index into `levels`) for fitted/residuals uses the random
        effects from the outermost level down to that one (Stata's relevel())."""
        from .blup import predict
        return predict(self, kind, level)

    def reffects(self, level_index: int) -> np.ndarray:
        """BLUPs of the level's random effects expanded to rows (n_rows x q, columns in
        `levels[i].effects` order); NaN where the row's group is not in the sample."""
        from .blup import reffects
        return reffects(self, level_index)

    def reses(self, level_index: int, kind: str = "stata") -> np.ndarray:
        """Standard errors of the BLUPs, expanded to rows (n_rows x q).

        kind: 'posterior' = sqrt diag Var(u | y) with beta known; 'comparative' =
        sqrt diag Var(u_hat - u) (adds the uncertainty of beta_hat); 'diagnostic' =
        sqrt diag Var(u_hat). 'stata' (default, what Stata's `reses` gives): posterior
        after ML, comparative after REML."""
        from .blup import reses
        return reses(self, level_index, kind)
