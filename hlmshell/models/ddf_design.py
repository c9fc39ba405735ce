"""Design-based degrees of freedom for `dfmethod(repeated)` and `dfmethod(anova)`.

Neither depends on the variance estimates, only on the design (X, the Z blocks and the
groups), as Stata's help for mixed describes them:

repeated (two-level models only; Schluchter and Elashoff's between/within split of the
  residual DF): a fixed effect constant within every group is a between-group effect with
  DF  G - rank(X_b)  (X_b: the between-group columns, the constant among them); any other
  with DF  n - G - (rank(X) - rank(X_b)).
anova (the traditional ANOVA, "containment" DF): a random-effects term, one column of a
  level's equation times its groups, contains a fixed effect when its variables include all
  of the fixed effect's variables (the constant: every term). A contained fixed effect gets
  the smallest rank that a containing term adds to [X, the terms before it] (terms in order:
  outer levels first, within a level the intercept first); any other fixed effect the DF
  n - rank([X Z]).
Neither formula is printed in the sources we could read; see docs/internals.md.
"""
from __future__ import annotations

import numpy as np

from .results import ModelError

# past this many columns in [X Z] the containment ranks are refused (r(909)), not attempted:
# they come from the (columns x columns) cross-product matrix
MAX_XZ_COLUMNS = 4000


def variables(name: str) -> frozenset:
    """`2.sector#c.ses` -> {sector, ses}; `_cons` -> {}."""
    if name == "_cons":
        return frozenset()
    return frozenset(part.rpartition(".")[2] for part in name.split("#"))


def _rank(M: np.ndarray) -> int:
    """Rank of a cross-product matrix C'C (= rank of C), scaled to unit diagonal."""
    if M.shape[0] == 0:
        return 0
    d = np.sqrt(np.diag(M))
    ok = d > 0
    S = M[np.ix_(ok, ok)] / d[ok][:, None] / d[ok][None, :]
    w = np.linalg.eigvalsh(S)
    return int(np.sum(w > 1e-10 * max(w.max(), 1e-300) * len(w)))


def _gram(X: np.ndarray, terms: list) -> np.ndarray:
    """C'C for C = [X | one block per term], a term (group codes, column z, G) standing for
    the n x G matrix z times the group indicators: built from sums, never the n x G blocks."""
    p = X.shape[1]
    sizes = [G for _, _, G in terms]
    starts = np.r_[p, p + np.cumsum(sizes)].astype(int)
    M = np.zeros((starts[-1], starts[-1]))
    M[:p, :p] = X.T @ X
    for t, (g, z, G) in enumerate(terms):
        a = starts[t]
        XZ = np.stack([np.bincount(g, X[:, c] * z, minlength=G) for c in range(p)], axis=1) \
            if p else np.zeros((G, 0))
        M[a:a + G, :p] = XZ
        M[:p, a:a + G] = XZ.T
        for u in range(t + 1):
            g2, z2, G2 = terms[u]
            b = starts[u]
            B = np.bincount(g * G2 + g2, z * z2, minlength=G * G2).reshape(G, G2)
            M[a:a + G, b:b + G2] = B
            M[b:b + G2, a:a + G] = B.T
    return M


def repeated_df(design, fixed_names) -> np.ndarray:
    """Per fixed column (all of e(b)'s; NaN where omitted)."""
    if len(design.levels) != 1:
        raise ModelError(198, "method repeated is not available for models with more than "
                              "two levels")
    X = np.asarray(design.X, dtype=float)
    keep = np.asarray(design.keep)
    g = design.levels[0].group
    G = int(design.levels[0].n_groups)
    n = X.shape[0]
    means = np.zeros((G, X.shape[1]))
    np.add.at(means, g, X)
    means /= np.bincount(g, minlength=G)[:, None]
    scale = np.maximum(np.abs(X).max(axis=0), 1e-300)
    between = np.all(np.abs(X - means[g]) <= 1e-10 * scale, axis=0)
    rank_b = np.linalg.matrix_rank(X[:, between]) if between.any() else 0
    rank_x = len(keep)
    df = np.full(len(fixed_names), np.nan)
    df[keep] = np.where(between, G - rank_b, n - G - (rank_x - rank_b))
    return df


def anova_df(design, fixed_names) -> np.ndarray:
    """Containment DF per fixed column (NaN where omitted)."""
    X = np.asarray(design.X, dtype=float)
    keep = np.asarray(design.keep)
    n, p = X.shape
    terms, sets = [], []
    for lv in design.levels:
        Z = np.asarray(lv.Z_all[design.rows], dtype=float)
        order = sorted(range(len(lv.effects)), key=lambda k: lv.effects[k] != "_cons")
        for k in order:
            terms.append((lv.group, Z[:, k], int(lv.n_groups)))
            sets.append(variables(lv.effects[k]) | {lv.groupvar})
    if p + sum(G for _, _, G in terms) > MAX_XZ_COLUMNS:
        raise ModelError(909, "op. sys. refuses to provide memory")
    M = _gram(X, terms)
    ends = np.r_[p, p + np.cumsum([G for _, _, G in terms])].astype(int)
    ranks = [_rank(M[:e, :e]) for e in ends]
    added = np.diff(ranks)
    resid = n - ranks[-1]
    df = np.full(len(fixed_names), np.nan)
    for j in keep:
        want = variables(fixed_names[j])
        found = [int(r) for vs, r in zip(sets, added) if want <= vs and r > 0]
        df[j] = min(found) if found else resid
    return df
