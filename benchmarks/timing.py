"""What every benchmark here times with: the median wall time of repeated runs."""
from __future__ import annotations

import time

import numpy as np


def median_time(f, reps: int = 5, warmup: bool = False) -> float:
    """Median seconds of `reps` calls of f; `warmup`: one untimed call first (first-touch
    page faults of big temporaries, lazy imports)."""
    if warmup:
        f()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))
