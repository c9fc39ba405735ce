"""ModelSpec + data columns -> y, X (Stata column names), Z blocks, nested group indices.

X is built for ALL input rows (NaN where a variable is missing) so that predictions can be
made out of sample; the estimation arrays are the sample rows of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from hlmshell.dataset.timeseries import OPERATED

from .results import ModelError
from .spec import COVARIANCES, ModelSpec

# the largest fixed-effects design built (X is n x k doubles, and fits keep a few copies):
# past it an estimation command stops with r(909) before allocating, rather than exhaust
# the machine's memory (`poisson y x x x ...` with thousands of terms on big data)
MAX_DESIGN_BYTES = 1 << 30

_COV_ABBREV = {"ind": "independent", "exc": "exchangeable", "id": "identity", "un": "unstructured"}


def resolve_covariance(name: str | None, q: int) -> str:
    """Stata's defaults: one effect -> identity; else independent. Accepts abbreviations."""
    if q <= 1:
        return "identity"
    if name is None:
        return "independent"
    low = name.lower()
    for full in COVARIANCES:
        for ab, target in _COV_ABBREV.items():
            if target == full and low.startswith(ab) and full.startswith(low):
                return full
    raise ModelError(198, f"covariance({name}) invalid")


@dataclass
class LevelDesign:
    groupvar: str
    effects: list[str]          # slopes then '_cons'
    covariance: str
    Z_all: np.ndarray           # n_rows x q (NaN where missing)
    group_all: np.ndarray       # group index of each input row at this level, -1 if unknown
    group: np.ndarray           # group index of each sample row
    n_groups: int
    parent: np.ndarray | None   # for each group, index of its group one level up (None for level 0)
    sizes: np.ndarray           # obs per group
    factor: str | None = None   # R.factor level (crossed.py): effects == ['R.factor']
    fcodes: np.ndarray | None = None    # factor level code (0..) of each sample row
    fcodes_all: np.ndarray | None = None    # the same over all input rows (-1: level unseen)


@dataclass
class Design:
    depvar: str
    y_all: np.ndarray
    X_all: np.ndarray           # n_rows x k_f, all columns incl. base/omitted (0 columns)
    fixed_names: list[str]
    omitted: np.ndarray         # bool, base or collinear
    dropped: list[str]
    keep: np.ndarray            # indices of estimable columns
    has_cons: bool
    sample: np.ndarray          # bool over input rows
    rows: np.ndarray            # indices of sample rows
    levels: list[LevelDesign]
    weights: np.ndarray | None = None   # frequency weights over all input rows (or None)
    # sampling weights: `weights` then holds the (scaled) level-one weights, level_weights
    # each level's per-group weights (None where the level has none)
    pweighted: bool = False
    level_weights: list | None = None

    @property
    def y(self):
        return self.y_all[self.rows]

    @property
    def X(self):
        if len(self.rows) == len(self.y_all) and len(self.keep) == self.X_all.shape[1]:
            return self.X_all        # every row and column: no copy
        return self.X_all[np.ix_(self.rows, self.keep)]


def _column(data, name: str):
    if name == "_all":
        return None
    try:
        col = data[name]
    except (KeyError, IndexError):
        raise ModelError(111, f"variable {name} not found") from None
    arr = np.asarray(col)
    if arr.dtype.kind in "OUS":
        if arr.dtype.kind == "O" and not any(isinstance(v, str) for v in arr[:1000]):
            return np.asarray(arr, dtype=float)
        try:    # bytes compare and sort far faster than Python str objects
            return arr.astype("S")
        except UnicodeEncodeError:
            return arr.astype(str)
    return np.asarray(arr, dtype=float)


def _is_string(arr) -> bool:
    return arr is not None and arr.dtype.kind in "US"


def _missing(arr) -> np.ndarray:
    if _is_string(arr):
        return arr == (b"" if arr.dtype.kind == "S" else "")
    return np.isnan(arr)


def _numeric(data, name: str) -> np.ndarray:
    arr = _column(data, name)
    if _is_string(arr):
        raise ModelError(109, "type mismatch")
    return arr


def _fmt_level(v: float) -> str:
    return str(int(v))


def _expand_terms(spec: ModelSpec, cols: dict, ok: np.ndarray, n_rows: int):
    """Expand the fixed terms into (names, columns over all rows, omitted-as-base flags)."""
    names, columns, base_flags = [], [], []
    lev_cache, ind_cache = {}, {}

    def _levels(var):
        if var not in lev_cache:
            x = cols[var]
            vals = x[ok]
            if len(vals) and 0 <= vals.min() and vals.max() < 1e6:   # usual case: no sort
                iv = vals.astype(np.int64)
                if (iv != vals).any():
                    raise ModelError(452, "factor variables may not contain noninteger values")
                lev_cache[var] = np.flatnonzero(np.bincount(iv)).astype(float)
                return lev_cache[var]
            if np.any(vals != np.round(vals)):
                raise ModelError(452, "factor variables may not contain noninteger values")
            if np.any(vals < 0):
                raise ModelError(452, "factor variables may not contain negative values")
            lev_cache[var] = np.unique(vals)
        return lev_cache[var]

    def _indicator(var, lv):
        if (var, lv) not in ind_cache:
            x = cols[var]
            ind = (x == lv).astype(float)
            ind[np.isnan(x)] = np.nan
            ind_cache[var, lv] = ind
        return ind_cache[var, lv]

    def key(cat_vars, cont_vars):
        return frozenset(cat_vars), tuple(sorted(cont_vars))

    present = {key([f.var for f in t.factors if f.categorical],
                   [f.var for f in t.factors if not f.categorical]) for t in spec.fixed}
    if spec.constant:
        present.add(key([], []))
    for term in spec.fixed:
        cats = [f for f in term.factors if f.categorical]
        conts = [f for f in term.factors if not f.categorical]
        cont_vars = [f.var for f in conts]
        combos = [([], False)]  # (parts, omitted); columns built only for estimable cells
        for f in cats:
            levels = _levels(f.var)
            base = levels[0] if f.base is None else float(f.base)
            if f.base is not None and base not in levels:
                raise ModelError(111, f"{f.var}: level {f.base:g} not found")  # ib#. of an absent level
            combos = [(parts + [(f.var, lv, lv == base)], False)
                      for parts, _ in combos for lv in levels]
        # A cell is a base (omitted) cell when dropping some of its base-level factors gives
        # a term the model already has (the constant counts as the empty term): Stata's
        # a##b omits every cell with a base level, a#b alone only the all-base cell, and
        # i.a#c.x without c.x keeps every level.
        combos = [(parts, _is_base_cell(parts, cont_vars, present, key)) for parts, _ in combos]
        single_cont = not cats and len(conts) == 1
        for parts, anyb in combos:
            out = []
            for var, lv, isb in parts:
                isb = isb and anyb
                mark = "b" if isb else ("o" if anyb else "")
                out.append(f"{_fmt_level(lv)}{mark}.{var}")
            for f in conts:
                out.append(f.var if single_cont else ("co." if anyb else "c.") + f.var)
            names.append("#".join(out))
            if anyb:
                col = np.zeros(n_rows)
            else:
                col = None
                for var, lv, _ in parts:
                    col = _indicator(var, lv) if col is None else col * _indicator(var, lv)
                for f in conts:
                    col = cols[f.var] if col is None else col * cols[f.var]
                col = np.ones(n_rows) if col is None else col
            columns.append(col)
            if len(columns) * n_rows * 8 > MAX_DESIGN_BYTES:
                raise ModelError(909, "op. sys. refuses to provide memory\n"
                                      f"    ({n_rows:,} observations x {len(columns):,}+ "
                                      "columns of regressors: more than 1 GB)")
            base_flags.append(anyb)
    return names, columns, base_flags


def _is_base_cell(parts, cont_vars, present, key) -> bool:
    base_vars = [v for v, _lv, isb in parts if isb]
    all_vars = [v for v, _lv, _ in parts]
    for r in range(1, len(base_vars) + 1):
        for drop in combinations(base_vars, r):
            if key([v for v in all_vars if v not in drop], cont_vars) in present:
                return True
    return False


def _collinear(Xs: np.ndarray, order: list[int], tol: float = 1e-9) -> set[int]:
    """Greedy rank test in `order`: a column is dropped when its residual on the kept ones
    is (relatively) zero. Stata keeps earlier columns and _cons."""
    if len(order) == 1:     # one column: dropped only when it is all zero
        return set() if (Xs[:, order[0]] != 0).any() else {order[0]}
    # Common case, full rank, decided from the Gram matrix scaled to unit diagonal: its
    # Cholesky pivots are the squared relative residuals |R_jj / x_j|^2 of a QR, computed
    # with an absolute error ~ n eps. Pivots above 1e-8 are far inside the QR test below
    # (|R_jj| > 1e3 tol |x_j|, i.e. 1e-12 squared); anything closer goes through the QR.
    Gm = Xs.T @ Xs
    Go = Gm[np.ix_(order, order)]
    n2 = np.diag(Go)
    if n2.all() and Xs.shape[0] >= len(order) and np.isfinite(n2).all():
        d = np.sqrt(n2)
        try:
            Lc = np.linalg.cholesky(Go / d[:, None] / d[None, :])
            if np.all(np.diag(Lc) ** 2 > 1e-8):
                return set()
        except np.linalg.LinAlgError:
            pass
    Xo = Xs[:, order]
    norms = np.linalg.norm(Xo, axis=0)
    if norms.all() and Xo.shape[0] >= Xo.shape[1]:  # one LAPACK call: full rank
        R = np.linalg.qr(Xo, mode="r")
        if np.all(np.abs(np.diag(R)) > 1e3 * tol * norms):
            return set()
    dropped = set()
    Q = np.empty((Xs.shape[0], len(order)))
    m = 0
    for j in order:
        x = Xs[:, j]
        nx = np.linalg.norm(x)
        Qm = Q[:, :m]
        r = x - Qm @ (Qm.T @ x)
        r = r - Qm @ (Qm.T @ r)  # re-orthogonalise once (classical Gram-Schmidt twice is stable)
        nr = np.linalg.norm(r)
        if nx == 0 or nr <= tol * nx:
            dropped.add(j)
            continue
        Q[:, m] = r / nr
        m += 1
    return dropped


def _omit_name(name: str) -> str:
    parts = []
    for p in name.split("#"):
        if p.startswith("c."):
            parts.append("co." + p[2:])
        elif OPERATED.match(p):               # L.x -> oL.x
            parts.append("o" + p)
        elif "." in p:
            lv, var = p.split(".", 1)
            parts.append(f"{lv if lv.endswith('o') else lv + 'o'}.{var}")
        else:
            parts.append(("co." if "#" in name else "o.") + p)
    return "#".join(parts)


def _dense_codes(keys: np.ndarray) -> np.ndarray:
    """np.unique(keys, return_inverse=True)[1]: codes 0..k-1 in sorted order of the keys;
    O(n) without a sort when the rows are already sorted by the key (the usual layout)."""
    n = len(keys)
    if n > 1 and not (keys[1:] < keys[:-1]).any():
        codes = np.empty(n, dtype=np.int64)
        codes[0] = 0
        np.cumsum(keys[1:] != keys[:-1], out=codes[1:])
        return codes
    return np.unique(keys, return_inverse=True)[1].ravel()


def _factorize(values: np.ndarray) -> np.ndarray:
    """Codes 0..k-1 in sorted order of the values. Short byte strings are packed into
    big-endian uint64 (same order as the bytes) because sorting string arrays is slow."""
    if values.dtype.kind == "S" and values.dtype.itemsize <= 8:
        values = values.astype("S8").view(">u8").astype(np.uint64)
    return _dense_codes(values)


def _packed_strings(arr: np.ndarray):
    """Object array of short str -> (uint64 keys in byte order, missing mask), or None.

    Joining with NUL and packing the UTF-8 bytes of each string into one big-endian
    integer costs a few vectorised passes instead of one Python-level conversion per
    element (the dominant cost of a small fit otherwise)."""
    try:
        lst = arr.tolist()
        text = "\x00".join(lst)
    except TypeError:
        return None
    n = len(lst)
    raw = text.encode("utf-8")
    if text.count("\x00") != n - 1:
        return None
    if n and (len(raw) + 1) % n == 0 and (len(raw) + 1) // n <= 9:
        # all strings of the same length L (ids usually are)? Then the n - 1 NULs sit
        # exactly every L + 1 bytes, and each key is the 8 bytes read (big-endian) from its
        # string's start, shifted to keep the first L: one strided read, no per-byte pass
        L = (len(raw) + 1) // n - 1
        buf = np.zeros(n * (L + 1) + 8, dtype=np.uint8)
        buf[:len(raw)] = np.frombuffer(raw, dtype=np.uint8)
        if not buf[L:n * (L + 1):L + 1].any():
            if L == 0:
                return np.zeros(n, dtype=np.uint64), np.ones(n, dtype=bool)
            v = np.ndarray((n,), dtype=">u8", buffer=buf, offset=0, strides=(L + 1,))
            return v.astype(np.uint64) >> np.uint64(8 * (8 - L)), np.zeros(n, dtype=bool)
    b = np.frombuffer(raw, dtype=np.uint8)
    ends = np.r_[np.flatnonzero(b == 0), len(b)]
    starts = np.r_[0, ends[:-1] + 1]
    lens = ends - starts
    if len(lens) != len(lst) or (len(lens) and lens.max() > 8):
        return None
    key = np.zeros(len(lst), dtype=np.uint64)
    for k in range(int(lens.max()) if len(lens) else 0):
        m = lens > k
        key[m] |= b[starts[m] + k].astype(np.uint64) << np.uint64(8 * (7 - k))
    return key, lens == 0


def _group_codes(data, var: str, n_rows: int):
    """Integer code per row (-1 missing) for one level variable."""
    if var == "_all":
        return np.zeros(n_rows, dtype=np.int64)
    raw = np.asarray(data[var]) if var in _keys(data) else None
    if raw is not None and raw.dtype.kind == "O":
        packed = _packed_strings(raw)
        if packed is not None:
            key, miss = packed
            codes = np.full(n_rows, -1, dtype=np.int64)
            if (~miss).any():
                codes[~miss] = _dense_codes(key[~miss])
            return codes
    arr = _column(data, var)
    miss = _missing(arr)
    codes = np.full(n_rows, -1, dtype=np.int64)
    if (~miss).any():
        codes[~miss] = _factorize(arr[~miss])
    return codes


def _nested_key(gcodes: list[np.ndarray]) -> np.ndarray:
    """One int64 key per row for a tuple of level codes (lexicographic order kept)."""
    key = gcodes[0].copy()
    for c in gcodes[1:]:
        m = int(c.max()) + 1
        if key.max() >= (2 ** 62) // max(m, 1):
            raise ModelError(198, "too many nested groups")
        key = key * m + c
    return key


def build_design(spec: ModelSpec, data, sample: np.ndarray | None = None) -> Design:
    if not isinstance(spec.depvar, str) or not spec.depvar:
        raise ModelError(198, "depvar required")
    n_rows = len(np.asarray(data[spec.depvar])) if spec.depvar in _keys(data) else None
    if n_rows is None:
        raise ModelError(111, f"variable {spec.depvar} not found")
    y_all = _numeric(data, spec.depvar)
    ok = ~np.isnan(y_all)
    if sample is not None:
        sample = np.asarray(sample, dtype=bool)
        if sample.shape != (n_rows,):
            raise ModelError(198, "sample mask has the wrong length")
        ok &= sample
    cols = {}
    for t in spec.fixed:
        for f in t.factors:
            if f.var not in cols:
                cols[f.var] = _numeric(data, f.var)
                ok &= ~np.isnan(cols[f.var])
    seen = []
    for lev in spec.levels:
        if lev.factor:
            cols[lev.factor] = _factor_column(data, lev.factor)
            ok &= ~np.isnan(cols[lev.factor])
            if lev.groupvar in seen and lev.groupvar != "_all":
                raise ModelError(198, f"{lev.groupvar} level variable, specified at more than one level")
            seen.append(lev.groupvar)
            continue
        if lev.groupvar in seen and lev.groupvar != seen[-1] and lev.groupvar != "_all":
            raise ModelError(198, f"{lev.groupvar} level variable, specified at more than one level")
        if lev.groupvar in seen and lev.groupvar != "_all":
            raise ModelError(198, f"repeated level variable {lev.groupvar} is not supported")
        seen.append(lev.groupvar)
        for s in lev.slopes:
            if s not in cols:
                cols[s] = _numeric(data, s)
            ok &= ~np.isnan(cols[s])
    gcodes = [_group_codes(data, lev.groupvar, n_rows) for lev in spec.levels]
    for c in gcodes:
        ok &= c >= 0
    w_all = None
    if spec.weights:
        w_all = _numeric(data, spec.weights)
        ok &= ~np.isnan(w_all)
        w = w_all[ok]
        if (w < 0).any():
            raise ModelError(402, "negative weights encountered")
        if (w != np.floor(w)).any():
            raise ModelError(401, "may not use noninteger frequency weights")
        ok &= w_all != 0        # Stata: zero frequency weights leave the sample
    pw_cols = _sampling_weights(spec, data, ok) if _has_pweights(spec) else None
    if not ok.any():
        raise ModelError(2000, "no observations")

    names, columns, base_flags = _expand_terms(spec, cols, ok, n_rows)
    if spec.constant:
        names.append("_cons")
        columns.append(np.ones(n_rows))
        base_flags.append(False)
    # column-major: each column is one contiguous copy (column_stack's strided writes cost
    # several times more at a million rows); BLAS takes either order
    X_all = np.empty((n_rows, len(columns)), order="F")
    for j, col in enumerate(columns):
        X_all[:, j] = col
    rows = np.flatnonzero(ok)
    omitted = np.array(base_flags, dtype=bool)
    cand = [j for j in range(len(names)) if not omitted[j]]
    order = ([len(names) - 1] if spec.constant else []) + [j for j in cand if names[j] != "_cons"]
    Xs = X_all if len(rows) == n_rows else X_all[rows]
    drop = _collinear(Xs, order) if order else set()
    dropped = [names[j] for j in sorted(drop)]
    for j in drop:
        omitted[j] = True
        names[j] = _omit_name(names[j])
        X_all[:, j] = 0.0
    keep = np.flatnonzero(~omitted)

    levels = []
    for li, lev in enumerate(spec.levels):
        if lev.factor and lev.groupvar == "_all":
            levels.append(_factor_level(lev.factor, cols[lev.factor], ok, n_rows))
            continue
        if lev.factor:      # `school: R.teacher`: the indicators of teacher within each school
            eff, Z_all, cov = [f"R.{lev.factor}"], np.ones((n_rows, 1)), "identity"
        else:
            eff, Z_all, cov = _effects(lev, cols, rows, n_rows, dropped)
            if not eff:
                continue
        valid = gcodes[0] >= 0 if li == 0 else np.all([c >= 0 for c in gcodes[: li + 1]], axis=0)
        if li == 0:     # codes are already dense and sorted: no second sort
            inv = gcodes[0][valid]
            ukeys = np.arange(int(inv.max()) + 1 if len(inv) else 0)
        else:
            key_all = _nested_key([np.where(valid, c, 0) for c in gcodes[: li + 1]])
            ukeys, inv = np.unique(key_all[valid], return_inverse=True)
            inv = inv.ravel()
        in_sample = np.zeros(len(ukeys), dtype=bool)
        in_sample[inv[ok[valid]]] = True
        if li == 0 and in_sample.all():     # every group has sample rows: codes unchanged
            g_all = gcodes[0].copy()
        else:
            idx = np.cumsum(in_sample) - 1
            g_all = np.full(n_rows, -1, dtype=np.int64)
            g_all[valid] = np.where(in_sample[inv], idx[inv], -1)
        levels.append(dict(groupvar=lev.groupvar, effects=eff, covariance=cov, Z_all=Z_all,
                           group_all=g_all, keys=ukeys[in_sample]))
        if lev.factor:
            levels[-1].update(factor=lev.factor, fcodes=_pair_codes(g_all, cols[lev.factor], ok))
    out_levels = []
    for li, d in enumerate(levels):
        g = d["group_all"][rows]
        ng = len(d["keys"])
        parent = None
        if li > 0:
            parent = np.zeros(ng, dtype=np.int64)
            parent[g] = levels[li - 1]["group_all"][rows]
        sizes = np.bincount(g, minlength=ng) if w_all is None or pw_cols else \
            np.bincount(g, weights=w_all[rows], minlength=ng).round().astype(np.int64)
        out_levels.append(LevelDesign(d["groupvar"], d["effects"], d["covariance"], d["Z_all"],
                                      d["group_all"], g, ng, parent, sizes, d.get("factor"),
                                      d["fcodes"][rows] if d.get("factor") else None,
                                      d.get("fcodes")))
    design = Design(spec.depvar, y_all, X_all, names, omitted, dropped, keep, spec.constant,
                    ok, rows, out_levels, w_all)
    if pw_cols is not None:
        _apply_sampling_weights(design, spec, pw_cols)
    return design


def _has_pweights(spec: ModelSpec) -> bool:
    return bool(spec.pweights or any(lv.pweight for lv in spec.levels))


def _sampling_weights(spec: ModelSpec, data, ok: np.ndarray) -> dict:
    """The sampling-weight columns; rows with a missing or zero weight leave the sample
    (as Stata's zero pweights do), negative weights are an error."""
    if not spec.levels or any(lv.factor for lv in spec.levels):
        raise ModelError(198, "sampling weights are not supported with crossed effects "
                              "(R.varname) or without random effects")
    if spec.pwscale and len(spec.levels) != 1:
        raise ModelError(198, "pwscale() allowed only with two-level models")
    out = {}
    for key, var in [("_1", spec.pweights)] + [(lv.groupvar, lv.pweight) for lv in spec.levels]:
        if not var:
            continue
        w = _numeric(data, var)
        ok &= ~np.isnan(w)
        if (w[ok] < 0).any():
            raise ModelError(402, "negative weights encountered")
        ok &= w != 0
        out[key] = w
    return out


def _apply_sampling_weights(design: Design, spec: ModelSpec, pw_cols: dict) -> None:
    """Level-one weights (scaled per pwscale within each group) into design.weights, the
    level's per-group weights into design.level_weights ([ME] mixed, Methods and formulas:
    the pseudo-likelihood sum_j w_j log int prod_i f(y_ij | u_j)^(w_i|j) phi(u_j) du_j)."""
    rows = design.rows
    lv = design.levels[-1]      # level-one weights are scaled within the innermost groups
    g, G = lv.group, lv.n_groups
    w1 = pw_cols["_1"][rows] if "_1" in pw_cols else np.ones(len(rows))
    if spec.pwscale in ("size", "effective"):
        s1 = np.bincount(g, weights=w1, minlength=G)
        if spec.pwscale == "size":      # sum to the group's size
            w1 = w1 * (lv.sizes / s1)[g]
        else:                           # sum to the effective size (sum w)^2 / sum w^2
            s2 = np.bincount(g, weights=w1 * w1, minlength=G)
            w1 = w1 * (s1 / s2)[g]
    elif spec.pwscale == "gk":
        # Graubard and Korn (1996), as _xtmixed_estimate's RescaleWeights: the group's weight
        # becomes the group mean of w_i|j * w_j, the level-one weights 1
        wj = pw_cols[lv.groupvar][rows] if lv.groupvar in pw_cols else np.ones(len(rows))
        gk = np.bincount(g, weights=w1 * wj, minlength=G) / lv.sizes
        pw_cols = {**pw_cols, lv.groupvar: np.zeros(len(design.y_all))}
        pw_cols[lv.groupvar][rows] = gk[g]
        w1 = np.ones(len(rows))
    elif spec.pwscale is not None:
        raise ModelError(198, "invalid pscale()")
    w_all = np.zeros(len(design.y_all))
    w_all[rows] = w1
    design.weights = w_all
    design.pweighted = True
    design.level_weights = []
    for lv, slv in zip(design.levels, spec.levels):
        lw = None
        if lv.groupvar in pw_cols:
            wr = pw_cols[lv.groupvar][rows]
            lw = np.zeros(lv.n_groups)
            lw[lv.group] = wr
            if (lw[lv.group] != wr).any():
                raise ModelError(459, f"{slv.pweight} is not constant within {lv.groupvar}")
        design.level_weights.append(lw)


def _factor_column(data, name: str) -> np.ndarray:
    x = _numeric(data, name)
    v = x[~np.isnan(x)]
    if (v != np.round(v)).any():
        raise ModelError(452, "factor variables may not contain noninteger values")
    if (v < 0).any():
        raise ModelError(452, "factor variables may not contain negative values")
    return x


def _effects(lev, cols, rows, n_rows, dropped):
    """A plain RE equation's effects (slopes then _cons), Z over all rows and covariance."""
    eff = list(lev.slopes) + (["_cons"] if lev.constant else [])
    if not eff:
        return eff, None, None      # an empty RE equation contributes nothing
    Z_all = np.column_stack([cols[s] for s in lev.slopes] + ([np.ones(n_rows)] if lev.constant else []))
    # Stata runs _rmcoll on each RE equation: collinear effects are dropped with the
    # same note as fixed ones (the constant is kept first, then slopes in typed order)
    zorder = ([len(eff) - 1] if lev.constant else []) + list(range(len(lev.slopes)))
    zdrop = _collinear(Z_all if len(rows) == n_rows else Z_all[rows], zorder)
    if zdrop:
        dropped += [eff[j] for j in sorted(zdrop)]
        zkeep = [j for j in range(len(eff)) if j not in zdrop]
        eff, Z_all = [eff[j] for j in zkeep], Z_all[:, zkeep]
        if not eff:
            return eff, None, None
    return eff, Z_all, resolve_covariance(lev.covariance, len(eff))


def _pair_codes(groups: np.ndarray, x: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """`levelvar: R.var`: a code per (group, level of var) pair seen in the sample, over all
    rows (-1 where the pair was not estimated). The sample is not empty here."""
    vals = np.unique(x[ok])
    seen = (groups >= 0) & ~np.isnan(x)
    pos = np.minimum(np.searchsorted(vals, np.where(seen, x, vals[0])), len(vals) - 1)
    known = seen & (vals[pos] == x)
    key = np.where(known, groups * len(vals) + pos, -1)
    ukeys = np.unique(key[ok])
    at = np.minimum(np.searchsorted(ukeys, key), len(ukeys) - 1)
    return np.where(known & (ukeys[at] == key), at, -1)


def _factor_level(var: str, x: np.ndarray, ok: np.ndarray, n_rows: int) -> dict:
    """`_all: R.var`: one group (every row), codes of var's levels over the sample."""
    codes = np.full(n_rows, -1, dtype=np.int64)
    vals = np.unique(x[ok])
    seen = ~np.isnan(x)     # rows outside the sample whose level was estimated get its BLUP
    pos = np.searchsorted(vals, x[seen])
    pos = np.minimum(pos, len(vals) - 1)
    codes[seen] = np.where(vals[pos] == x[seen], pos, -1)
    return dict(groupvar="_all", effects=[f"R.{var}"], covariance="identity",
                Z_all=np.ones((n_rows, 1)), group_all=np.where(ok, 0, -1).astype(np.int64),
                keys=np.zeros(1), factor=var, fcodes=codes)


def _keys(data):
    return data.columns if hasattr(data, "columns") else data.keys()
