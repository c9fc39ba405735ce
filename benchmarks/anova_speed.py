"""anova: hlmshell vs statsmodels (ols + anova_lm) on hsb.dta and on 1,000,000 rows.

Run from the repository root:  python benchmarks/anova_speed.py
Prints the median wall time of each hlmshell `anova` (through Session.run, quietly: parsing,
the sample, the regress design and fit, the term sums and the table layout) next to
statsmodels' formula OLS fit plus anova_lm on the same data: typ=3 with sum-to-zero coding
for the partial table, typ=1 for `sequential` (the numbers agree: tests/commands/
test_anova.py).
"""
from __future__ import annotations

import io
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hlmshell.dataset.dataset import Dataset  # noqa: E402
from hlmshell.dataset.io import read_dta  # noqa: E402
from hlmshell.session import Session  # noqa: E402
from timing import median_time  # noqa: E402

CASES = [  # (anova termlist, statsmodels formula rhs, anova_lm type)
    ("{a}", "C({a}, Sum)", 3),
    ("{a}##{b}", "C({a}, Sum) * C({b}, Sum)", 3),
    ("{a} c.{x}", "C({a}, Sum) + {x}", 3),
    ("{a}##{b}##c.{x}", "C({a}, Sum) * C({b}, Sum) * {x}", 3),
    ("{a}##{b}, sequential", "C({a}) * C({b})", 1),
]


def run(title, s, frame, y, names, reps):
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    print(f"\n{title}; median of {reps} runs, seconds")
    print(f"{'anova ' + y:<34}{'hlmshell':>10}{'statsmodels':>13}")
    for terms, rhs, typ in CASES:
        line = f"anova {y} " + terms.format(**names)
        formula = f"{y} ~ " + rhs.format(**names)
        assert s.run("quietly " + line) == 0, line
        ours = median_time(lambda: s.run("quietly " + line), reps=reps)
        peer = median_time(lambda: sm.stats.anova_lm(smf.ols(formula, frame).fit(), typ=typ),
                           reps=reps)
        print(f"{line[6:]:<34}{ours:>10.3f}{peer:>13.3f}")


def main(n=1_000_000):
    import pandas as pd
    s = Session(out=io.StringIO())
    s.data = read_dta(os.path.join(ROOT, "data", "hsb.dta"))
    frame = pd.DataFrame({v: s.data.column(v) for v in ("mathach", "sector", "minority",
                                                         "ses")})
    run("hsb.dta (7,185 rows)", s, frame, "mathach",
        dict(a="sector", b="minority", x="ses"), 7)

    rng = np.random.default_rng(1)
    a = rng.integers(0, 4, n).astype(float)
    b = rng.integers(0, 3, n).astype(float)
    x = rng.normal(size=n)
    yv = a + 0.5 * b + 0.2 * a * b + x + rng.normal(size=n)
    cols = {"y": yv, "a": a, "b": b, "x": x}
    d = Dataset()
    for name, v in cols.items():
        d.add(name, v, "double")
    s.data = d
    run(f"{n:,} rows (a: 4 levels, b: 3 levels)", s, pd.DataFrame(cols), "y", dict(a="a", b="b", x="x"), 3)


if __name__ == "__main__":
    main()
