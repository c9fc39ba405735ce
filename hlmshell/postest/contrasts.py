"""Contrasts and pairwise comparisons of margins ([R] contrast, [R] pwcompare).

Both work on the marginal linear predictions of a factor's levels "asbalanced": the other
factors at equal shares, continuous covariates at their estimation-sample means, no inverse
link (margins.compute with atmeans, balanced, linear). A contrast is L m with V = L V_m L'.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hlmshell.errors import StataError


def level_text(x: float) -> str:
    """A factor level as contrast labels show it: 1, 2.5."""
    return f"{int(x)}" if float(x).is_integer() else f"{x:g}"


_lv = level_text


def contrast_rows(levels: list[float], op: str, base: float | None = None
                  ) -> tuple[np.ndarray, list[str]]:
    """L and labels: r. each level vs the reference (first level unless rb#.), ar. each
    level vs the previous one, a. each vs the next, g. each vs the grand mean."""
    k = len(levels)
    L, labels = [], []
    if op == "r":
        ref = levels.index(base) if base is not None else 0
        for i in range(k):
            if i != ref:
                row = np.zeros(k)
                row[i], row[ref] = 1, -1
                L.append(row)
                labels.append(f"({_lv(levels[i])} vs {_lv(levels[ref])})")
    elif op == "ar":
        for i in range(1, k):
            row = np.zeros(k)
            row[i], row[i - 1] = 1, -1
            L.append(row)
            labels.append(f"({_lv(levels[i])} vs {_lv(levels[i - 1])})")
    elif op == "a":
        for i in range(k - 1):
            row = np.zeros(k)
            row[i], row[i + 1] = 1, -1
            L.append(row)
            labels.append(f"({_lv(levels[i])} vs {_lv(levels[i + 1])})")
    elif op == "g":
        for i in range(k):
            row = np.full(k, -1 / k)
            row[i] += 1
            L.append(row)
            labels.append(f"({_lv(levels[i])} vs mean)")
    else:
        raise StataError(198, f"{op}. invalid contrast operator")
    if not L:
        raise StataError(198, "contrast requires a factor with at least two levels")
    return np.array(L), labels


def pairwise_rows(levels: list[float]) -> tuple[np.ndarray, list[str]]:
    """Every later level vs every earlier one: `1 vs 0`, `2 vs 0`, `2 vs 1`, ..."""
    k = len(levels)
    L, labels = [], []
    for i in range(k):
        for j in range(i + 1, k):
            row = np.zeros(k)
            row[j], row[i] = 1, -1
            L.append(row)
            labels.append(f"{_lv(levels[j])} vs {_lv(levels[i])}")
    if not L:
        raise StataError(198, "pwcompare requires a factor with at least two levels")
    return np.array(L), labels


@dataclass
class JointTest:
    df: int
    stat: float                 # chi2, or F when df_r is set
    p: float


def joint_test(d: np.ndarray, Vd: np.ndarray, df_r: float | None) -> JointTest:
    from scipy import stats
    q = int(np.linalg.matrix_rank(Vd))
    if q == 0:
        return JointTest(0, math.nan, math.nan)
    chi2 = float(d @ np.linalg.pinv(Vd) @ d)
    if df_r is None:
        return JointTest(q, chi2, float(stats.chi2.sf(chi2, q)))
    return JointTest(q, chi2 / q, float(stats.f.sf(chi2 / q, q, df_r)))


def adjusted(p: float, m: int, method: str | None) -> float:
    """Multiple-comparison p-value: Bonferroni min(1, m p), Šidák 1 - (1 - p)^m."""
    if math.isnan(p) or not method or m <= 1:
        return p
    if method == "bonferroni":
        return min(1.0, m * p)
    if method == "sidak":
        return 1 - (1 - p) ** m
    raise StataError(198, f"mcompare({method}) not allowed")


def adjusted_level(level: float, m: int, method: str | None) -> float:
    """The per-comparison confidence level that gives the family-wise level."""
    alpha = 1 - level / 100
    if not method or m <= 1:
        return level
    if method == "bonferroni":
        return 100 * (1 - alpha / m)
    return 100 * (1 - alpha) ** (1 / m)
