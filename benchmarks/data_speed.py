"""Data-management speed: hlmshell vs pandas doing the same work, in the same run.

Run from the repository root:  python benchmarks/data_speed.py
On 1,000,000 rows x 10,000 groups: collapse (mean) y x, by(g); bysort g: egen m = mean(y);
merge m:1 g with a 10,000-row file; and reshape long of 100,000 rows x 10 wide columns.
Each figure is the median wall time of 3 runs of the whole command (hlmshell: through
Session.execute, so parsing, the state snapshot and the sort bysort needs are included;
the data start unsorted, in random order, as they would after loading).
"""
from __future__ import annotations

import io
import os
import sys
import tempfile
import time

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hlmshell.dataset.dataset import Dataset  # noqa: E402
from hlmshell.session import Session  # noqa: E402

N, G = 1_000_000, 10_000


def median_time(f, reps=3):
    ts = []
    for _ in range(reps):
        setup = f()
        t = time.perf_counter()
        setup()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts))


def dataset(columns: dict) -> Dataset:
    d = Dataset()
    for name, (stype, values) in columns.items():
        d.add(name, values, stype)
    d.changed = False
    return d


def ours(base: Dataset, line: str, session: Session):
    def setup():
        session.data = base.copy()
        session.out = io.StringIO()
        return lambda: _check(session.execute(line), line, session)
    return setup


def _check(rc, line, session):
    if rc:
        raise SystemExit(f"{line}: r({rc})\n{session.out.getvalue()}")


def theirs(fn):
    return lambda: fn


def main():
    rng = np.random.default_rng(0)
    g = rng.integers(0, G, N).astype(float)
    y, x = rng.normal(size=N), rng.normal(size=N)
    base = dataset({"g": ("int", g), "y": ("double", y), "x": ("double", x)})
    df = pd.DataFrame({"g": g, "y": y, "x": x})
    s = Session(out=io.StringIO())
    tmp = tempfile.mkdtemp(prefix="hlmshell-bench-")
    level2 = dataset({"g": ("int", np.arange(G, dtype=float)),
                      "z": ("double", rng.normal(size=G))})
    s.data = level2
    path = os.path.join(tmp, "level2.dta")
    assert s.execute(f'save "{path}"') == 0
    df2 = pd.DataFrame({"g": np.arange(G, dtype=float), "z": level2.column("z")})

    wide_n, k = 100_000, 10
    wide_cols = {"id": ("long", np.arange(wide_n, dtype=float))}
    wide_cols.update({f"y{j}": ("double", rng.normal(size=wide_n)) for j in range(1, k + 1)})
    wide = dataset(wide_cols)
    wdf = pd.DataFrame({n: v for n, (_, v) in wide_cols.items()})

    rows = [
        ("collapse (mean) y x, by(g)", 0.3, ours(base, "collapse (mean) y x, by(g)", s),
         theirs(lambda: df.groupby("g", sort=True)[["y", "x"]].mean().reset_index())),
        ("bysort g: egen m = mean(y)", 0.3, ours(base, "bysort g: egen m = mean(y)", s),
         theirs(lambda: df.sort_values("g", kind="stable").assign(
             m=lambda d: d.groupby("g")["y"].transform("mean")))),
        ("merge m:1 g using (10,000 rows)", 0.3, ours(base, f'merge m:1 g using "{path}"', s),
         theirs(lambda: df.merge(df2, on="g", how="outer", indicator=True).sort_values("g", kind="stable"))),
        ("reshape long y, i(id) j(t) (100,000 x 10)", 0.5,
         ours(wide, "reshape long y, i(id) j(t)", s),
         theirs(lambda: pd.wide_to_long(wdf, "y", i="id", j="t").sort_index().reset_index())),
    ]
    print(f"{'command':<44}{'hlmshell':>10}{'pandas':>10}{'target':>9}")
    for label, target, mine, peer in rows:
        a, b = median_time(mine), median_time(peer)
        flag = "" if a <= target else "  (over target)"
        print(f"{label:<44}{a:>9.3f}s{b:>9.3f}s{target:>8.1f}s{flag}")


if __name__ == "__main__":
    main()
