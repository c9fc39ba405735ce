"""Numeric core: linear mixed models (numpy/scipy only; never prints, never imports the shell).

    from hlmshell.models import fit, ModelSpec, Term, Factor, RandomLevel, MixedFit, ModelError
    res = fit(spec, data, sample=None, on_iteration=None)

See `results.MixedFit` for every field and method.
"""
from .results import FitSummary, LevelFit, MixedFit, ModelError
from .spec import COVARIANCES, Factor, ModelSpec, RandomLevel, Term


def __getattr__(name):
    # the optimiser (and scipy with it) loads at the first fit, not when the shell starts:
    # the command-line grammar needs only the model spec
    if name == "fit":
        from .optimize import fit
        return fit
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["fit", "ModelSpec", "Term", "Factor", "RandomLevel", "MixedFit", "LevelFit",
           "FitSummary", "ModelError", "COVARIANCES"]
