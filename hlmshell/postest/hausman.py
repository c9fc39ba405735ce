"""Hausman's (1978) specification test on two stored results ([R] hausman): the coefficients
both estimate, (b - B)'(V_b - V_B)^- (b - B) with the Moore–Penrose inverse and its rank
as the degrees of freedom, as hausman.ado computes it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hlmshell.errors import StataError


@dataclass
class Hausman:
    names: list[str]             # the coefficients compared
    b: np.ndarray                # consistent
    B: np.ndarray                # efficient under H0
    se: np.ndarray               # sqrt(diag(V_b - V_B)), NaN where negative
    chi2: float
    df: int
    rank: int
    posdef: bool


def first_equation(names: list[str]) -> list[int]:
    eqs = [n.rpartition(":")[0] for n in names]
    return [j for j, e in enumerate(eqs) if e == eqs[0]] if names else []


def hausman(names1, b1, V1, names2, b2, V2, *, constant=False, alleqs=False,
            df: int | None = None) -> Hausman:
    keep1 = _kept(names1, V1, constant, alleqs)
    keep2 = _kept(names2, V2, constant, alleqs)
    where2 = {names2[j]: j for j in keep2}
    both = [j for j in keep1 if names1[j] in where2]
    if not both:
        raise StataError(498, "no coefficients in common; specify equations(matchlist)\n"
                              "for problems with different equation names.")
    i2 = [where2[names1[j]] for j in both]
    b, B = b1[both], b2[i2]
    D = V1[np.ix_(both, both)] - V2[np.ix_(i2, i2)]
    D = (D + D.T) / 2
    posdef = bool(np.linalg.eigvalsh(D)[0] > 0)
    U, w, Vt = np.linalg.svd(D)
    tol = w.max() * len(w) * 1e-9 if w.size else 0.0
    inv_w = np.where(w > tol, 1 / np.where(w > tol, w, 1), 0.0)
    Dinv = (Vt.T * inv_w) @ U.T
    d = b - B
    rank = int((w > tol).sum())
    diag = np.diag(D)
    return Hausman([names1[j] for j in both], b, B,
                   np.sqrt(np.where(diag >= 0, diag, np.nan)), float(d @ Dinv @ d),
                   df if df is not None else rank, rank, posdef)


def _kept(names, V, constant, alleqs) -> list[int]:
    """Coefficients with a nonzero variance, in the first equation (unless alleqs), without
    the intercept (unless constant)."""
    idx = range(len(names)) if alleqs else first_equation(names)
    return [j for j in idx if V[j, j] != 0 and np.isfinite(V[j, j])
            and (constant or names[j].rpartition(":")[2] != "_cons")]
