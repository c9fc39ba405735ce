"""Graph speed: hlmshell's graph commands + `graph export` vs the same picture made with
plain matplotlib (the peer: the library we draw with, called directly), in one run.

Run from the repository root:  python benchmarks/graph_speed.py
Prints, side by side (median wall time of several runs, each in a fresh temp folder):
- `histogram mathach` + `graph export x.png` (hsb, 7,185 obs) vs plt.hist + savefig;
- a 1,000,000-point scatter + `graph export x.png` vs plt.plot(markers) + savefig, with
  the peak traced memory of ours;
- the shell's start-up (`python -m hlmshell - </dev/null`) and whether anything from
  graphics/ or matplotlib is loaded at start (it must not be).
The first draw of a process pays matplotlib's import (~0.3-0.6 s); it is timed apart.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np
from timing import median_time  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def ours(session, commands):
    for cmd in commands:
        if session.run(cmd):
            raise RuntimeError(session.out.getvalue()[-500:])


def main():
    from hlmshell.dataset.io import read_dta
    from hlmshell.session import Session
    tmp = tempfile.mkdtemp()
    png = os.path.join(tmp, "x.png")
    s = Session(out=io.StringIO())
    s.data = read_dta(os.path.join(ROOT, "data", "hsb.dta"))

    t = time.perf_counter()
    ours(s, ["histogram mathach", f"graph export {png}, replace"])
    first = time.perf_counter() - t
    hist_ours = median_time(lambda: ours(s, ["histogram mathach",
                                             f"graph export {png}, replace"]), 5)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x = s.data.column("mathach")

    def peer_hist():
        fig, ax = plt.subplots(figsize=(5.5, 4))
        ax.hist(x, bins=38, density=True)
        fig.savefig(png, dpi=100)
        plt.close(fig)
    hist_peer = median_time(peer_hist, 5)

    rng = np.random.default_rng(1)
    n = 1_000_000
    big = Session(out=io.StringIO())
    big.run(f"set obs {n}")
    big.data.add("x", rng.standard_normal(n), "double")
    big.data.add("y", big.data.column("x") + rng.standard_normal(n), "double")
    tracemalloc.start()
    scatter_ours = median_time(lambda: ours(big, ["scatter y x",
                                                  f"graph export {png}, replace"]), 3)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    bx, by = big.data.column("x"), big.data.column("y")

    def peer_scatter():
        fig, ax = plt.subplots(figsize=(5.5, 4))
        ax.plot(bx, by, "o", markersize=4.5, rasterized=True)
        fig.savefig(png, dpi=100)
        plt.close(fig)
    scatter_peer = median_time(peer_scatter, 3)

    def startup():
        subprocess.run([sys.executable, "-m", "hlmshell", "-"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, cwd=ROOT, check=True)
    start = median_time(startup, 5)
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, hlmshell.session as m; m.Session(); "
         "print(sorted(k for k in sys.modules if k.startswith(('matplotlib', "
         "'hlmshell.graphics', 'hlmshell.kernel'))))"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()

    print(f"{'task':44} {'hlmshell':>10} {'matplotlib':>11}")
    print(f"{'histogram mathach + export PNG (first, cold)':44} {first:9.3f}s {'':>11}")
    print(f"{'histogram mathach + export PNG':44} {hist_ours:9.3f}s {hist_peer:10.3f}s")
    print(f"{'1,000,000-point scatter + export PNG':44} {scatter_ours:9.3f}s "
          f"{scatter_peer:10.3f}s")
    print(f"{'  peak traced memory (ours)':44} {peak / 2**20:8.0f}MB")
    print(f"{'start-up: python -m hlmshell - </dev/null':44} {start:9.3f}s")
    print(f"{'  modules loaded at start from graphics/kernel/matplotlib':58} {probe}")


if __name__ == "__main__":
    main()
