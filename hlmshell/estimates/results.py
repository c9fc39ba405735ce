"""EstimationResult: the e() set of an estimation command, as `ereturn list` prints it.

`from_mixed(fit, ...)` builds it from the numeric core's MixedFit with the names, order and
values of the handout's `ereturn list` after `mixed` (stata-reference.md section 6).

e(datasignature) has Stata's shape `N:k:hash1:hash2` but our own checksum (Stata's hash is
not public, so the two hash fields can never equal Stata's): N = observations in e(sample),
k = number of variables, hash1 = CRC-32 and hash2 = Adler-32 of the estimation data — for
each variable in e(datasignaturevars) order its name, then its values over the e(sample) rows
(numeric: IEEE float64 little-endian, missing as NaN; string: UTF-8, NUL-separated).  The
same data give the same signature, so `datasignature`-style checks ("data have changed
since estimation") work within hlmshell.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from hlmshell.matrix import StataMatrix
from hlmshell.models.crossed import distinct_levels


@dataclass
class EstimationResult:
    cmd: str
    scalars: dict = field(default_factory=dict)  # ordered as `ereturn list` prints them
    macros: dict = field(default_factory=dict)
    matrices: dict = field(default_factory=dict)  # name -> StataMatrix
    sample: np.ndarray | None = None  # bool over the data rows: e(sample)
    rowids: np.ndarray | None = None  # the data's row_ids() at estimation (estimates/esample.py)
    model: Any = None  # the numeric core's result (MixedFit) for postestimation
    # the inverse link from the linear predictor to the default prediction, for generic
    # postestimation: identity, logit, probit, cloglog or log
    link: str = "identity"
    # value labels of the factor variables at estimation: var → {level: text}, so tables show
    # `catholic` instead of `1` (also on replay)
    fv_labels: dict = field(default_factory=dict)

    @property
    def functions(self) -> list[str]:
        return ["sample"] if self.sample is not None else []

    def scalar(self, name: str, default=math.nan):
        return self.scalars.get(name, default)

    def xb_columns(self) -> tuple[str, list[int], list[str]]:
        """The fixed portion (xb) of e(b): its equation name ('' when e(b) has none), the
        positions of its columns in e(b) and their names without the equation. It is
        e(b)'s first equation, as Stata's `predict, xb` and `margins` take it; rebuild its
        X for any data with `models.xb.design_from_names`."""
        cols = self.matrices["b"].colnames
        eq = cols[0].partition(":")[0] if cols and ":" in cols[0] else ""
        idx = [j for j, c in enumerate(cols)
               if (c.partition(":")[0] == eq if eq else ":" not in c)]
        return eq, idx, [cols[j].partition(":")[2] if eq else cols[j] for j in idx]


# ------------------------------------------------------------------------- signature
def data_signature(names: Sequence[str], columns: Sequence[np.ndarray],
                   sample: np.ndarray | None = None) -> str:
    """`N:k:crc32:adler32` of the columns over the sample rows (see the module docstring)."""
    crc, adler = 0, 1
    n = None
    for name, col in zip(names, columns):
        values = np.asarray(col)
        if sample is not None:
            values = values[np.asarray(sample, dtype=bool)]
        n = len(values)
        chunks = [name.encode("utf-8") + b"\0"]
        if values.dtype == object or values.dtype.kind in "US":
            # (one encode of the joined text: the same bytes as joining encoded values;
            # str values joined as a list: 5x faster than map(str) over the array)
            items = values.tolist()
            try:
                text = "\0".join(items)
            except TypeError:       # a non-str value: its str(), as before
                text = "\0".join(map(str, items))
            chunks.append(text.encode("utf-8"))
        else:
            chunks.append(np.ascontiguousarray(values, dtype="<f8").tobytes())
        for chunk in chunks:
            crc = zlib.crc32(chunk, crc)
            adler = zlib.adler32(chunk, adler)
    if n is None:
        n = int(np.sum(sample)) if sample is not None else 0
    return f"{n}:{len(names)}:{crc & 0xFFFFFFFF}:{adler & 0xFFFFFFFF}"


# ---------------------------------------------------------------------------- mixed
def _num(x) -> float:
    """NaN and None stay missing (printed `.`); numpy scalars become Python floats."""
    if x is None:
        return math.nan
    return float(x)


def _int(x) -> int:
    return int(x)


def mixed_title(method: str) -> str:
    return f"Mixed-effects {method} regression"


def from_mixed(fit, *, cmdline: str, sigvars: Sequence[str], datasignature: str,
               nolrtest: bool = False, cmdname: str = "mixed",
               optmetric: str = "matsqrt") -> EstimationResult:
    """The e() set after `mixed`, in the handout's `ereturn list` order."""
    method = fit.method
    levels = list(fit.levels)
    s: dict = {}
    s["rank"] = _int(fit.rank)
    s["k_f"] = _int(fit.k_f)
    s["k_r"] = _int(fit.k_r)
    s["k"] = _int(fit.k_f) + _int(fit.k_r)
    s["k_rs"] = _int(fit.k_rs)
    s["k_rc"] = _int(fit.k_rc)
    s["k_res"] = 0
    s["converged"] = int(bool(fit.converged))
    s["ic"] = _int(fit.summary.iterations)
    s["ll"] = _num(fit.ll)
    has_lr = not nolrtest and levels and fit.ll_c is not None and not math.isnan(_num(fit.ll_c))
    if has_lr:
        s["ll_c"] = _num(fit.ll_c)
        s["df_c"] = _int(fit.df_c)
        s["chi2_c"] = _num(fit.chi2_c)
        s["p_c"] = _num(fit.p_c)
    s["N"] = _int(fit.n)
    s["nrgroups"] = 1
    s["small"] = 0
    s["df_m"] = _int(fit.df_m)
    s["p"] = _num(fit.p)
    s["chi2"] = _num(fit.chi2)
    s["rc"] = 0 if fit.converged else 430
    rob = getattr(fit, "robust", None)
    if rob is not None:
        s["N_clust"] = _int(rob["n_clust"])
    small = getattr(fit, "small", None)
    if small is not None:     # dfmethod(): t/F inference (models/smallsample.py)
        s["small"] = 1
        dfs = np.asarray(small.df, dtype=float)
        dfs = dfs[np.isfinite(dfs)]
        s["df_max"] = float(dfs.max()) if len(dfs) else math.nan
        s["df_avg"] = float(dfs.mean()) if len(dfs) else math.nan
        s["df_min"] = float(dfs.min()) if len(dfs) else math.nan
        s["ddf_m"] = _num(small.ddf_m)
        s["F"] = _num(small.F)
        s["p"] = _num(small.p)
        s.pop("chi2", None)

    m: dict = {}
    m["cmdline"] = cmdline
    m["datasignaturevars"] = " ".join(sigvars)
    m["datasignature"] = datasignature
    m["chi2type"] = "Wald"
    m["rstructlab"] = "Independent"
    m["rstructure"] = "independent"
    structure = getattr((getattr(fit, "_state", None) or {}).get("model"), "structure", None)
    if structure is not None:   # residuals(): models/residuals.py
        rs = structure.rs
        m["rstructlab"] = structure.label
        m["rstructure"] = structure.rstructure
        m["resopt"] = rs.text
        if rs.by:
            m["rbyvar"] = rs.by
            m["rglabels"] = " ".join(str(x) for x in structure.by_texts)
            s["nrgroups"] = len(structure.levels_by)
        if rs.t:
            m["timevar"] = rs.t
        s["k_res"] = structure.k
    m["estat_cmd"] = "mixed_estat"
    m["predict"] = "mixed_p"
    m["redim"] = " ".join(str(len(lv.effects)) for lv in levels)
    m["ivars"] = " ".join(lv.groupvar for lv in levels)
    m["vartypes"] = " ".join(lv.vartype for lv in levels)
    m["revars"] = " ".join(e for lv in levels for e in lv.effects)
    m["cmd"] = cmdname
    m["title"] = mixed_title(method)
    m["technique"] = "nr"
    m["ml_method"] = "d0"
    m["opt"] = "moptimize"
    m["method"] = method
    m["optmetric"] = optmetric
    m["depvar"] = fit.depvar
    m["properties"] = "b V"
    wt = getattr(fit, "weight", None)
    if wt is not None:
        m["wtype"] = wt[0]
        m["wexp"] = f"= {wt[1]}"
    if rob is not None:
        m["title"] = "Mixed-effects regression"
        m["vce"] = rob["vce"]
        m["vcetype"] = "Robust"
        m["clustvar"] = rob["clustvar"]
    if getattr(fit, "pwscale", None):
        m["pwscale"] = fit.pwscale
    if small is not None:
        m["dfmethod"] = small.method
        m["dftitle"] = f"{small.title} DF"
        m.pop("chi2type", None)

    names = list(fit.b_names)
    b = np.asarray(fit.b, dtype=float).reshape(1, -1)
    V = np.asarray(fit.V, dtype=float)
    mats: dict = {
        "b": StataMatrix(b, ["y1"], list(names)),
        "V": StataMatrix(V, list(names), list(names), symmetric=True),
    }
    if small is not None:
        kf = len(fit.fixed_names)
        if small.method == "kroger":    # the unadjusted VCE the DF were computed from
            mats["V_df"] = StataMatrix(V.copy(), list(names), list(names), symmetric=True)
        V = V.copy()
        V[:kf, :kf] = small.V_beta          # Kenward–Roger: the adjusted VCE
        mats["V"] = StataMatrix(V, list(names), list(names), symmetric=True)
        # over every column of e(b), missing for the variance parameters (a Stata 15 log
        # of `matrix list e(df)` shows lnsig_e:_cons and r_atr1:_cons columns holding ".")
        dfs = np.full(len(names), np.nan)
        dfs[:kf] = np.asarray(small.df, dtype=float)
        mats["df"] = StataMatrix(dfs.reshape(1, -1), ["r1"], list(names))
    glevels = distinct_levels(levels)      # a repeated _all level (crossed) once
    groupvars = [lv.groupvar for lv in glevels]
    for key, attr in (("g_max", "g_max"), ("g_avg", "g_avg"), ("g_min", "g_min"),
                      ("N_g", "n_groups")):
        vals = [float(getattr(lv, attr)) for lv in glevels]
        if vals:
            mats[key] = StataMatrix(np.array([vals]), ["r1"], list(groupvars))

    return EstimationResult(cmd="mixed", scalars=s, macros=m, matrices=mats,
                            sample=np.asarray(fit.sample, dtype=bool), model=fit)
