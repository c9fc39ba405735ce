"""ModelSpec: a multilevel linear model as plain data (no parsing, no data values)."""
from __future__ import annotations

from dataclasses import dataclass, field

COVARIANCES = ("identity", "independent", "exchangeable", "unstructured")


@dataclass(frozen=True)
class Factor:
    """One variable inside a fixed-effects term: `c.ses` or `i.sector` / `ib1.sector`."""
    var: str
    categorical: bool = False
    base: float | None = None  # ib#.: the base level; None = the lowest level (Stata's default)


@dataclass(frozen=True)
class Term:
    """A product of factors; one factor is a main effect, several an interaction (`#`)."""
    factors: tuple[Factor, ...]


@dataclass(frozen=True)
class RandomLevel:
    """`|| groupvar: slopes, [noconstant] [cov(...)]`. Levels are listed outermost first."""
    groupvar: str
    slopes: tuple[str, ...] = ()
    constant: bool = True
    covariance: str | None = None  # None: Stata's default (identity for one effect, else independent)
    factor: str | None = None  # `|| _all: R.a`: the indicators of a's levels, one variance (crossed.py)
    pweight: str | None = None  # pweight(varname): sampling weights of this level's groups


@dataclass(frozen=True)
class ModelSpec:
    depvar: str
    fixed: tuple[Term, ...] = ()
    levels: tuple[RandomLevel, ...] = ()
    constant: bool = True
    method: str = "ML"  # "ML" or "REML"
    maxiter: int = 300
    weights: str | None = None  # frequency weights (a variable): the fit of the expanded data
    pweights: str | None = None  # [pw=v]: level-one sampling weights (pseudo-likelihood)
    pwscale: str | None = None   # size | effective | gk: how sampling weights are scaled
    extra: dict = field(default_factory=dict, compare=False, hash=False)
