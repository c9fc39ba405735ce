"""Language speed: a 100,000-iteration macro loop, and a two-level power simulation
(500 data sets of 50 schools x 20 students, `mixed y x || school:` on each) written as a
program run in a loop, side by side with the same simulation in Python over statsmodels
MixedLM (fewer replications for the peer: each of its fits takes far longer).

Run from the repository root:  python benchmarks/lang_speed.py [reps] [peer_reps]
"""
from __future__ import annotations

import io
import os
import sys
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hlmshell.session import Session  # noqa: E402

POWER = """
program define onesim, rclass
    drop _all
    quietly set obs 50
    generate school = _n
    generate u = rnormal(0, 2)
    quietly expand 20
    generate x = rnormal()
    generate y = 1 + 0.3*x + u + rnormal(0, 5)
    quietly mixed y x || school:
    return scalar reject = abs(_b[x]/_se[x]) > invnormal(0.975)
end
set seed 2026
local hits 0
forvalues r = 1/REPS {
    quietly onesim
    local hits = `hits' + r(reject)
}
"""


def timed(session: Session, text: str) -> float:
    t = time.perf_counter()
    rc = session.run(text)
    assert rc == 0, session.out.getvalue()[-2000:]
    return time.perf_counter() - t


def statsmodels_power(reps: int) -> tuple[float, int]:
    import pandas as pd
    import statsmodels.formula.api as smf
    rng = np.random.default_rng(2026)
    hits = 0
    t = time.perf_counter()
    for _ in range(reps):
        school = np.repeat(np.arange(50), 20)
        u = rng.normal(0, 2, 50)[school]
        x = rng.normal(size=1000)
        y = 1 + 0.3 * x + u + rng.normal(0, 5, 1000)
        df = pd.DataFrame({"y": y, "x": x, "school": school})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = smf.mixedlm("y ~ x", df, groups=df["school"]).fit(reml=False)
        hits += abs(res.params["x"] / res.bse["x"]) > 1.959963984540054
    return time.perf_counter() - t, hits


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    peer_reps = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    s = Session(out=io.StringIO())
    loop = timed(s, "local s = 0\nforvalues i = 1/100000 {\n    local s = `s' + `i'\n}")
    assert s.macros.local("s") == "5000050000"
    print(f"forvalues i = 1/100000 {{ local s = `s' + `i' }}: {loop:.2f} s "
          f"({loop * 10:.1f} us per iteration)")

    s = Session(out=io.StringIO())
    sim = timed(s, POWER.replace("REPS", str(reps)))
    hits = int(s.macros.local("hits"))
    print(f"\npower simulation, {reps} data sets of 50 x 20, mixed y x || school:")
    print(f"  {'engine':<26}{'reps':>6}{'total (s)':>12}{'per rep (ms)':>15}{'power':>8}")
    print(f"  {'hlmshell (program+loop)':<26}{reps:>6}{sim:>12.2f}{sim / reps * 1e3:>15.1f}"
          f"{hits / reps:>8.3f}")
    try:
        peer, peer_hits = statsmodels_power(peer_reps)
    except ImportError:
        print("  statsmodels not installed: pip install '.[bench]'")
        return
    print(f"  {'statsmodels MixedLM':<26}{peer_reps:>6}{peer:>12.2f}{peer / peer_reps * 1e3:>15.1f}"
          f"{peer_hits / peer_reps:>8.3f}")
    print(f"  per-replication speed-up: {peer / peer_reps / (sim / reps):.0f}x")


if __name__ == "__main__":
    main()
