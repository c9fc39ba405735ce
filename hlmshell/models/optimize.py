"""fit(): design -> sufficient statistics -> Newton on the profiled deviance -> MixedFit."""
from __future__ import annotations

from typing import Callable, Mapping

import numpy as np

from .results import MixedFit, ModelError
from .spec import ModelSpec


def fit(spec: ModelSpec, data: Mapping[str, np.ndarray], *, sample: np.ndarray | None = None,
        on_iteration: Callable[[int, float], None] | None = None) -> MixedFit:
    """Fit a linear mixed model by ML or REML (spec.method).

    data: mapping (or DataFrame) of columns; numeric float64 with NaN = missing, or
    object/str arrays. sample: optional bool mask over rows (the shell's if/in); listwise
    deletion over all model variables is applied on top. on_iteration(i, criterion) is
    called once per optimizer iteration. Raises ModelError for unestimable models;
    non-convergence is reported in the result (converged=False).
    """
    raise ModelError(9999, "mixed: estimation engine not implemented yet")
