"""Fit speed: hlmshell vs statsmodels MixedLM on the handout models, and a 1M-row model.

Run from the repository root:  python benchmarks/fit_speed.py
Prints the median wall time per fit of every handout model for both engines side by side
(ours with Stata's EM-then-NR path and with emiterate(0), Newton alone), the whole `mixed`
command of each model through a Session (parse, sample, fit, e(), output), then time and
peak traced memory of a synthetic 1,000,000-row, 10,000-group random-slope
(unstructured) model fitted by hlmshell.
"""
from __future__ import annotations

import os
import sys
import time
import tracemalloc
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "models"))

from hsb_models import MODELS  # noqa: E402

from hlmshell.models import Factor, ModelSpec, RandomLevel, Term, fit  # noqa: E402
from timing import median_time  # noqa: E402


def statsmodels_fit(name, data):
    import statsmodels.api as sm
    y = data["mathach"]
    ses, sector = data["ses"], data["sector"]
    one = np.ones_like(y)
    cols = {"m0": [one], "m1": [ses, one], "m2": [ses, one], "m3": [sector, one],
            "m4": [ses, sector, one], "m5": [ses, sector, ses * sector, one],
            "m5b": [ses, 1 - sector, ses * (1 - sector), one], "m6": [ses, sector, ses * sector, one]}
    X = np.column_stack(cols[name])
    Zre = np.column_stack([ses, one]) if name in ("m2", "m4", "m5", "m5b") else one[:, None]
    groups = data["id"]

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sm.MixedLM(y, X, groups, exog_re=Zre).fit(reml=False)
    return run


def big_data(n=1_000_000, groups=10_000, seed=0):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, groups, size=n)
    x = rng.normal(size=n)
    u = rng.multivariate_normal([0, 0], [[1.0, 0.3], [0.3, 0.25]], size=groups)
    y = 2 + 0.5 * x + u[g, 0] + u[g, 1] * x + rng.normal(size=n) * 2
    return {"y": y, "x": x, "g": g.astype(float)}


def big_spec():
    return ModelSpec("y", (Term((Factor("x"),)),), (RandomLevel("g", ("x",), covariance="unstructured"),))


def options_section(data):
    """Each option of issue 11 on handout model 4 (REML where the option needs it): the
    plain fit, the fit with the option, their ratio; statsmodels' REML fit of the model."""
    from dataclasses import replace

    from hlmshell.models.robust import sandwich
    from hlmshell.models.smallsample import infer
    from hlmshell.models.em import PathOptions
    reml = replace(MODELS["m4"], method="REML")
    ml = MODELS["m4"]
    plain_reml = median_time(lambda: fit(reml, data), 11)
    plain_ml = median_time(lambda: fit(ml, data), 11)
    rows = [
        ("dfmethod(kroger)", plain_reml, lambda: infer(fit(reml, data), "kroger")),
        ("dfmethod(satterthwaite)", plain_reml, lambda: infer(fit(reml, data), "satterthwaite")),
        ("dfmethod(residual)", plain_reml, lambda: infer(fit(reml, data), "residual")),
        ("vce(robust)", plain_ml, lambda: sandwich(fit(ml, data))),
        ("emiterate(0)", plain_ml,
         lambda: fit(replace(ml, extra={"path": PathOptions(emiterate=0)}), data)),
    ]
    run = statsmodels_fit("m4", data)
    run()
    print(f"\noptions on m4 (hsb)   {'plain ms':>9} {'option ms':>10} {'ratio':>6}")
    for name, base, f in rows:
        f()
        t = median_time(f, 11)
        print(f"{name:22} {base * 1e3:9.1f} {t * 1e3:10.1f} {t / base:6.2f}")
    print(f"{'statsmodels m4 (ML)':22} {'':9} {median_time(run, 3) * 1e3:10.1f}")


COMMANDS = {
    "m0": "mixed mathach || id:",
    "m1": "mixed mathach ses || id:",
    "m2": "mixed mathach ses || id: ses, cov(unstructured)",
    "m3": "mixed mathach sector || id:",
    "m4": "mixed mathach ses sector || id: ses, cov(unstr)",
    "m5": "mixed mathach c.ses##i.sector || id: ses, cov(unstr)",
    "m5b": "mixed mathach c.ses##ib1.sector || id: ses, cov(unstr)",
    "m6": "mixed mathach c.ses##i.sector || id:",
}


def command_section():
    """The whole `mixed` command of each handout model (the handout's own lines), output
    laid out as text, median of 21 runs."""
    import io

    from hlmshell.session import Session
    out = io.StringIO()
    s = Session(out=out)
    s.execute("use " + os.path.join(ROOT, "data", "hsb.dta") + ", clear")
    print(f"\nwhole command (hsb)   {'ms':>6}")
    for name, line in COMMANDS.items():
        s.dispatch(line)

        def run():
            out.seek(0)
            out.truncate()
            s.dispatch(line)
        print(f"{name:6} {line:54} {median_time(run, 21) * 1e3:6.2f}")


def main():
    import pyreadstat
    df, _ = pyreadstat.read_dta(os.path.join(ROOT, "data", "hsb.dta"))
    data = {c: df[c].to_numpy() for c in df.columns}
    from dataclasses import replace

    from hlmshell.models.em import PathOptions
    print(f"{'model':6} {'hlmshell ms':>12} {'emiterate(0)':>13} {'statsmodels ms':>15} {'speed-up':>9}"
          "   ll (hlmshell)   ll (statsmodels)")
    for name, spec in MODELS.items():
        fit(spec, data)                                  # warm-up
        t_h = median_time(lambda: fit(spec, data), 31)
        nr = replace(spec, extra={"path": PathOptions(emiterate=0)})
        t_nr = median_time(lambda: fit(nr, data), 31)
        run = statsmodels_fit(name, data)
        sm_res = run()
        t_s = median_time(run, 3)
        ll = fit(spec, data).ll
        # statsmodels' default optimiser can stop short of the ML optimum (m3 on hsb): flag it
        flag = "" if abs(ll - sm_res.llf) < 1e-3 else "   <- statsmodels stopped at a lower ll"
        print(f"{name:6} {t_h * 1e3:12.2f} {t_nr * 1e3:13.2f} {t_s * 1e3:15.1f} {t_s / t_h:8.0f}x"
              f"   {ll:.4f}   {sm_res.llf:.4f}{flag}")

    command_section()
    options_section(data)

    big = big_data()
    spec = big_spec()
    tracemalloc.start()
    t = time.perf_counter()
    res = fit(spec, big)
    el = time.perf_counter() - t
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    t2 = time.perf_counter()
    fit(spec, big)
    el2 = time.perf_counter() - t2
    data_mb = sum(v.nbytes for v in big.values()) / 2 ** 20
    print(f"\n1M rows, 10,000 groups, random slope (unstructured): {el:.2f} s "
          f"(untraced rerun {el2:.2f} s), peak traced memory {peak / 2 ** 20:.0f} MB "
          f"(input data {data_mb:.0f} MB not included), iterations {res.summary.iterations}, "
          f"converged {res.converged}, ll {res.ll:.3f}")
    print("Sigma =", np.array2string(res.levels[0].Sigma, precision=4).replace("\n", ""),
          f" sigma2 = {res.sigma2:.4f}")
    # whole-process peak RSS of a fresh interpreter that only generates the data and fits
    code = ("import resource,sys,time; sys.path.insert(0, %r); sys.path.insert(0, %r);"
            "from fit_speed import big_data, big_spec; from hlmshell.models import fit;"
            "d = big_data(); r0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
            "t = time.perf_counter(); fit(big_spec(), d); t = time.perf_counter() - t;"
            "print(r0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, t)"
            % (ROOT, os.path.join(ROOT, "benchmarks")))
    import subprocess
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split()
    if len(out) == 3:
        r0, r1, t = int(out[0]), int(out[1]), float(out[2])
        print(f"fresh process: fit {t:.2f} s (incl. first-call imports), peak RSS {r1 / 1024:.0f} MB "
              f"(after data generation {r0 / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
