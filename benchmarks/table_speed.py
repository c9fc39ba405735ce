"""table: hlmshell vs pandas groupby on 1,000,000 rows and 1,000 cells (50 x 20 levels).

Run from the repository root:  python benchmarks/table_speed.py
Prints the median wall time of hlmshell's `table` through Session.run (parsing, the sample,
the grouped statistics for the cells and for every Total, and the text layout written to a
StringIO) next to pandas' groupby over the same two variables (the cells only, no margins:
pandas does less). The numbers agree: tests/dataset/test_groupstats.py and
tests/commands/test_table_cmd.py.
"""
from __future__ import annotations

import io
import os
import sys

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hlmshell.session import Session  # noqa: E402
from timing import median_time  # noqa: E402

CASES = [  # (table line, pandas aggregation of x by [a, b])
    ("table a b", "size"),
    ("table (a) (b), statistic(mean x)", "mean"),
    ("table (a) (b), statistic(mean x) statistic(sd x)", ["mean", "std"]),
    ("table (a) (b), statistic(median x) statistic(p90 x)",
     ["median", lambda s: s.quantile(.9)]),
    ("table (a) (b), statistic(frequency) statistic(mean x) statistic(sd x) "
     "statistic(min x) statistic(max x)", ["size", "mean", "std", "min", "max"]),
]


def main(n=1_000_000, reps=3):
    rng = np.random.default_rng(1)
    a = rng.integers(0, 50, n).astype(float)
    b = rng.integers(0, 20, n).astype(float)
    x = rng.normal(size=n)
    s = Session(out=io.StringIO())
    s.data.add("a", a, "byte")
    s.data.add("b", b, "byte")
    s.data.add("x", x, "double")
    frame = pd.DataFrame({"a": a, "b": b, "x": x})
    print(f"{n:,} rows, 50 x 20 = 1,000 cells; median of {reps} runs, seconds")
    print(f"{'command':<60}{'hlmshell':>10}{'pandas':>9}")
    for line, agg in CASES:
        assert s.run(line) == 0, line
        ours = median_time(lambda: s.run(line), reps=reps)
        peer = median_time(lambda: frame.groupby(["a", "b"]).x.agg(agg), reps=reps)
        print(f"{line[:58]:<60}{ours:>10.3f}{peer:>9.3f}")
        s.out = io.StringIO()


if __name__ == "__main__":
    main()
