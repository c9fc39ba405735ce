"""Reading a .dta file: hlmshell's native reader (formats 117-119) beside pyreadstat, on a
1,000,000 x 10 file written by hlmshell's `save` (8 doubles, a byte, a str8), same run.
Run from the repository root: python benchmarks/dta_read_speed.py"""
from __future__ import annotations

import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hlmshell.dataset.dataset import Dataset  # noqa: E402
from hlmshell.dataset.io import read_dta, write_dta  # noqa: E402


def best(fn, reps=3):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    rng = np.random.default_rng(1)
    n = 1_000_000
    ds = Dataset()
    for j in range(8):
        ds.add(f"x{j}", rng.normal(size=n), "double")
    ds.add("g", rng.integers(0, 100, n).astype(float), "byte")
    ds.add("s", np.array([f"s{v}" for v in rng.integers(0, 1000, n)], dtype=object), "str8")
    path = os.path.join(tempfile.mkdtemp(), "big.dta")
    write_dta(ds, path)
    import pyreadstat
    ours = best(lambda: read_dta(path))
    theirs = best(lambda: pyreadstat.read_dta(path, output_format="dict",
                                              disable_datetime_conversion=True))
    print(f"read 1,000,000 x 10 .dta   hlmshell {ours:7.3f} s   pyreadstat {theirs:7.3f} s")


if __name__ == "__main__":
    main()
