"""A Stata matrix: values with row and column names (names may carry an equation, "eq:name")."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class StataMatrix:
    values: np.ndarray
    rownames: list[str] = field(default_factory=list)
    colnames: list[str] = field(default_factory=list)
    symmetric: bool = False

    def __post_init__(self):
        self.values = np.atleast_2d(np.asarray(self.values, dtype=float))
        r, c = self.values.shape
        if not self.rownames:
            self.rownames = [f"r{i + 1}" for i in range(r)]
        if not self.colnames:
            self.colnames = [f"c{j + 1}" for j in range(c)]

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    def copy(self) -> "StataMatrix":
        return StataMatrix(self.values.copy(), list(self.rownames), list(self.colnames), self.symmetric)
