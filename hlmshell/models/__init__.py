"""Numeric core: linear mixed models (numpy/scipy only; never prints, never imports the shell).

    from hlmshell.models import fit, ModelSpec, Term, Factor, RandomLevel, MixedFit, ModelError
    res = fit(spec, data, sample=None, on_iteration=None)

See `results.MixedFit` for every field and method.
"""
from .results import FitSummary, LevelFit, MixedFit, ModelError
from .spec import COVARIANCES, Factor, ModelSpec, RandomLevel, Term
from .optimize import fit

__all__ = ["fit", "ModelSpec", "Term", "Factor", "RandomLevel", "MixedFit", "LevelFit",
           "FitSummary", "ModelError", "COVARIANCES"]
