"""`bootstrap exp_list, reps(#) [seed(#) cluster(var) idcluster(newvar) saving() nodots
noisily level(#)]: command` ([R] bootstrap) and `estat bootstrap` ([R] bootstrap
postestimation): resample observations (or whole clusters) with replacement, rerun the
command, and post the observed statistics with bootstrap standard errors in e()."""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands._replicate import (Dots, apply_seed, check_reps, evaluate_items,
                                          expand_names, legend, parse_exp_list, run_command,
                                          saving_target, side_state_guard, split_prefix)
from hlmshell.commands.estat import ESTAT
from hlmshell.commands.registry import command
from hlmshell.commands.simulate import default_items, replicate, results_dataset, write_dta
from hlmshell.errors import StataError
from hlmshell.estimates.esample import esample
from hlmshell.estimates.results import EstimationResult
from hlmshell.matrix import StataMatrix
from hlmshell.render.resample import (BootstrapHeader, BootstrapRow, BootstrapTable,
                                      EstatBootstrapRow, EstatBootstrapTable)
from hlmshell.syntax.spec import Spec

SPEC = Spec("[, Reps(integer) SEED(string) CLuster(string) IDcluster(string) SAving(string) "
            "NODots NOIsily Level(real) STRata(string) SIze(integer) BCA MSE TIes "
            "NOTable NOHeader NOLegend Verbose TRace DOTS(integer) NODrop NOWarn FORCE "
            "REJect(string) GROup(string)]")
_REFUSED = ("strata", "size", "bca", "mse", "ties", "trace", "dots", "nodrop", "reject",
            "group")

# Stata 17's note (as in its logs); wrapped at the line size with a hanging indent (ours)
WARNING = ("warning: {cmd} does not set e(sample), so no observations will be excluded "
           "from the resampling because of missing values or other reasons. To exclude "
           "observations, press Break, save the data, drop any observations that are to be "
           "excluded, and rerun bootstrap.")


def _normal_quantile(p: float) -> float:
    from scipy.stats import norm
    return float(norm.ppf(p))


def _percentile(sorted_x: np.ndarray, p: float) -> float:
    from hlmshell.commands.summarize import percentile
    return percentile(sorted_x, p)


def bootstrap_stats(observed: np.ndarray, reps: np.ndarray, level: float) -> dict:
    """Bootstrap SEs and the normal, percentile and bias-corrected intervals ([R] bootstrap
    Methods and formulas): se = sd of the complete replicates; z0 = Φ⁻¹(#{θ* ≤ θ̂}/B);
    BC bounds at the percentiles Φ(2 z0 ∓ z)."""
    from scipy.stats import norm
    k = len(observed)
    z = _normal_quantile(0.5 + level / 200)
    alpha = (100 - level) / 2
    out = {key: np.full(k, np.nan) for key in
           ("se", "bias", "mean", "n", "z0", "n_lo", "n_hi", "p_lo", "p_hi", "bc_lo", "bc_hi")}
    complete = ~np.isnan(reps).any(axis=1)
    full = reps[complete]
    out["V"] = np.cov(full, rowvar=False, ddof=1).reshape(k, k) if len(full) > 1 else \
        np.full((k, k), np.nan)
    for j in range(k):
        col = np.sort(reps[:, j][~np.isnan(reps[:, j])])
        b = len(col)
        out["n"][j] = b
        if b == 0:
            continue
        out["mean"][j] = col.mean()
        out["bias"][j] = col.mean() - observed[j]
        se = math.sqrt(out["V"][j, j]) if len(full) > 1 else math.nan
        out["se"][j] = se
        out["n_lo"][j], out["n_hi"][j] = observed[j] - z * se, observed[j] + z * se
        out["p_lo"][j], out["p_hi"][j] = _percentile(col, alpha), _percentile(col, 100 - alpha)
        share = np.count_nonzero(col <= observed[j]) / b
        if 0 < share < 1:
            z0 = _normal_quantile(share)
            out["z0"][j] = z0
            out["bc_lo"][j] = _percentile(col, 100 * norm.cdf(2 * z0 - z))
            out["bc_hi"][j] = _percentile(col, 100 * norm.cdf(2 * z0 + z))
    return out


def _resampler(session, original, cluster: str | None, idcluster: str | None, rng):
    """A function that puts bootstrap sample k in memory: observations drawn with
    replacement, or whole clusters (each drawn cluster numbered afresh in idcluster)."""
    n = original.nobs
    if cluster is None:
        def draw(k):
            data = original.copy()
            data.take(rng.integers(0, n, size=n), copies=True)
            session.data = data
        return draw, None
    values = original.column(cluster)
    if values.dtype == object:
        keys, codes = np.unique(values.astype(str), return_inverse=True)
    else:
        keys, codes = np.unique(values, return_inverse=True)
    members = [np.flatnonzero(codes == g) for g in range(len(keys))]
    n_clusters = len(keys)

    def draw(k):
        picks = rng.integers(0, n_clusters, size=n_clusters)
        index = np.concatenate([members[g] for g in picks])
        data = original.copy()
        data.take(index, copies=True)
        if idcluster:
            ids = np.concatenate([np.full(len(members[g]), i + 1.0)
                                  for i, g in enumerate(picks)])
            if idcluster in data.names:
                data.drop_vars([idcluster])
            data.add(idcluster, ids, "long" if n_clusters > 32740 else "int")
        session.data = data
    return draw, n_clusters


def _check_names(session, opts) -> None:
    from hlmshell.dataset.varlist import NAME_RE, unabbreviate
    if "cluster" in opts:
        words = opts["cluster"].split()
        if len(words) != 1:
            raise StataError(198, "option cluster() incorrectly specified")  # one var only here
        opts["cluster"] = unabbreviate(words[0], session.data.names)
    if "idcluster" in opts:
        if "cluster" not in opts:
            raise StataError(198, "idcluster() requires cluster()")   # text unconfirmed
        name = opts["idcluster"].strip()
        if not NAME_RE.match(name):
            raise StataError(198, f"{name} invalid name")
        if name in session.data.names:
            raise StataError(110, f"variable {name} already defined")
        opts["idcluster"] = name


@command("bootstrap", abbrev="bootstrap", syntax="raw",
         help="bootstrap standard errors: bootstrap exp_list, reps(#): command")
def bootstrap(session, args):
    """bootstrap exp_list [, reps(#) seed(#) cluster(varname) idcluster(newvar)
        saving(filename[, replace]) nodots noisily level(#) notable noheader nolegend]
        : command"""
    with side_state_guard(session):
        return _bootstrap(session, args)


@command("bs", syntax="raw", help="same as bootstrap")
def bs(session, args):
    """bs exp_list [, options] : command   (a synonym for bootstrap)"""
    return bootstrap(session, args)


@command("bstrap", syntax="raw", help="same as bootstrap")
def bstrap(session, args):
    """bstrap exp_list [, options] : command   (a synonym for bootstrap)"""
    return bootstrap(session, args)


def _bootstrap(session, args):
    text, opts, cmd = split_prefix(args.body, SPEC)
    for refused in _REFUSED:
        if refused in opts:
            arg = "()" if refused in ("strata", "size", "dots", "reject", "group") else ""
            raise StataError(198, f"option {refused}{arg} not allowed")
    items = parse_exp_list(text) if text else None
    reps = check_reps(opts, 50)
    level = float(opts.get("level", session.settings.get("level", 95)))
    if not 10 <= level <= 99.99:
        raise StataError(198, "level() must be between 10 and 99.99 inclusive")
    _check_names(session, opts)
    target = saving_target(session, opts.get("saving"))
    noisily = bool(opts.get("noisily"))
    original = session.data
    if original.nobs == 0:
        raise StataError(2000, "no observations")
    apply_seed(session, opts)
    notes = [f"(running {cmd.split()[0]} on estimation sample)"]

    # the observed statistics, from the command on the data in memory (with the
    # idcluster() variable numbering the clusters, so the command can name it)
    if opts.get("idcluster"):
        with_id = original.copy()
        codes = np.unique(original.column(opts["cluster"]).astype(str)
                          if original.is_string(opts["cluster"])
                          else original.column(opts["cluster"]), return_inverse=True)[1]
        with_id.add(opts["idcluster"], codes + 1.0, "long")
        session.data = with_id
    est_before = session.estimates.active
    rc = run_command(session, cmd, noisily)
    if rc:
        raise StataError(rc, f"an error occurred when bootstrap executed {cmd.split()[0]}")
    est = session.estimates.active
    eclass = est is not None and est is not est_before
    if items is None:
        items = default_items(session, eclass)
    names = expand_names(session, items, "_bs", colnames=True)
    exps = _exp_names(session, items, names)
    observed = np.array(evaluate_items(session, items), dtype=float)
    if len(observed) != len(names):
        raise StataError(198, "invalid exp_list")
    sample = None
    if eclass and est.sample is not None:
        sample = esample(est, original)
    elif not opts.get("nowarn"):
        import textwrap
        notes.append("\n" + textwrap.fill(WARNING.format(cmd=cmd.split()[0]), width=79,
                                          subsequent_indent=" " * 9))
    base = original.copy()
    if sample is not None and not sample.all():
        base.take(sample)
    draw, n_clusters = _resampler(session, base, opts.get("cluster"), opts.get("idcluster"),
                                  session.rng)

    dots = None if opts.get("nodots") else Dots(f"Bootstrap replications ({reps:,})")
    rows = replicate(session, cmd, items, reps, noisily, dots, between=draw)
    session.data = original
    k = len(names)
    matrix = np.array([r if len(r) == k else [math.nan] * k for r in rows], dtype=float)
    if target is not None:
        write_dta(results_dataset(names, matrix.tolist(), False, f"bootstrap: {cmd}"),
                  target[0])
    stats = bootstrap_stats(observed, matrix, level)
    missing = int(np.isnan(matrix).any(axis=1).sum())
    result = _post(session, cmd, names, observed, stats, reps, missing, level, base.nobs,
                   sample, original.nobs, opts, n_clusters, exps)
    session.estimates.post(result)
    table = _table(result, show_legend=not opts.get("nolegend"))
    table.dots = "\n".join(notes) + ("\n\n" + dots.text() if dots is not None else "")
    if opts.get("notable"):
        return table.dots
    if opts.get("noheader"):
        table.header = BootstrapHeader(table.header.n_obs, table.header.reps, [],
                                       table.header.clusters, "")
    return table


def _exp_names(session, items, names):
    """(name, text) of the exp_list's expressions, leaving out whole `_b`/`_se` vectors."""
    from hlmshell.commands._replicate import coef_names
    out, pos = [], 0
    for item in items:
        if item.kind == "exp":
            out.append(names[pos])
            pos += 1
        else:
            pos += len(coef_names(session)[0])
    return out


def _post(session, cmd, names, observed, stats, reps, missing, level, n_obs, sample, nrows,
          opts, n_clusters, exps) -> EstimationResult:
    cols = [n for n, _ in names]
    k = len(cols)

    def row(values, rowname="y1"):
        return StataMatrix(np.asarray(values, dtype=float).reshape(1, k), [rowname], list(cols))
    scalars = {"N": float(n_obs), "N_reps": float(reps), "N_misreps": float(missing),
               "level": float(level), "k_eq": 1.0, "k_exp": float(len(exps)),
               "k_eexp": float(k - len(exps))}
    if n_clusters is not None:
        scalars["N_clust"] = float(n_clusters)
    macros = {"cmdname": cmd.split()[0], "command": cmd, "cmd": "bootstrap",
              "prefix": "bootstrap", "title": "Bootstrap results", "vce": "bootstrap",
              "vcetype": "Bootstrap", "properties": "b V"}
    for j, (_, text) in enumerate(exps, 1):
        macros[f"exp{j}"] = text
    if n_clusters is not None:
        macros["clustvar"] = opts["cluster"]
    ci = lambda lo, hi: StataMatrix(np.vstack([lo, hi]), ["ll", "ul"], list(cols))
    matrices = {"b": row(observed), "V": StataMatrix(stats["V"], list(cols), list(cols), True),
                "b_bs": row(stats["mean"]), "reps": row(stats["n"], "r1"),
                "bias": row(stats["bias"]), "se": row(stats["se"], "r1"),
                "z0": row(stats["z0"]), "ci_normal": ci(stats["n_lo"], stats["n_hi"]),
                "ci_percentile": ci(stats["p_lo"], stats["p_hi"]),
                "ci_bc": ci(stats["bc_lo"], stats["bc_hi"])}
    full = np.zeros(nrows, dtype=bool)
    if sample is None:
        full[:] = True
    else:
        full = sample.copy()
    result = EstimationResult("bootstrap", scalars, macros, matrices, sample=full)
    result.legend = legend(cmd, exps)
    return result


def _table(result: EstimationResult, show_legend: bool = True) -> BootstrapTable:
    from scipy.stats import norm
    b = result.matrices["b"]
    se = result.matrices["se"].values[0]
    ci = result.matrices["ci_normal"].values
    rows = []
    for j, name in enumerate(b.colnames):
        coef = float(b.values[0, j])
        z = coef / se[j] if se[j] > 0 else math.nan
        p = float(2 * norm.sf(abs(z))) if not math.isnan(z) else math.nan
        rows.append(BootstrapRow(name, coef, float(se[j]), z, p, float(ci[0, j]), float(ci[1, j])))
    clusters = None
    if "N_clust" in result.scalars:
        clusters = (int(result.scalars["N_clust"]), result.macros["clustvar"])
    header = BootstrapHeader(int(result.scalars["N"]), int(result.scalars["N_reps"]),
                             result.legend if show_legend else [], clusters)
    return BootstrapTable(header, rows, result.scalars["level"],
                          int(result.scalars["N_misreps"]))


@ESTAT.command("bootstrap", abbrev="boot", syntax="[, Normal Percentile BC BCA All NOHeader "
               "NOLegend Verbose]", help="bootstrap confidence intervals")
def estat_bootstrap(session, args, result):
    """estat bootstrap [, normal percentile bc all noheader nolegend]"""
    if result.cmd != "bootstrap" or "ci_bc" not in result.matrices:
        raise StataError(321, "estat bootstrap requires bootstrap results")   # unconfirmed
    o = args.options
    if o.get("bca"):
        raise StataError(198, "option bca not allowed")
    kinds = ["N", "P", "BC"] if o.get("all") else \
        [k for k, key in (("N", "normal"), ("P", "percentile"), ("BC", "bc")) if o.get(key)]
    kinds = kinds or ["BC"]
    mats = result.matrices
    source = {"N": mats["ci_normal"], "P": mats["ci_percentile"], "BC": mats["ci_bc"]}
    rows = []
    for j, name in enumerate(mats["b"].colnames):
        cis = [(float(source[k].values[0, j]), float(source[k].values[1, j]), k) for k in kinds]
        rows.append(EstatBootstrapRow(name, float(mats["b"].values[0, j]),
                                      float(mats["bias"].values[0, j]),
                                      float(mats["se"].values[0, j]), cis))
    table = _table(result, show_legend=not o.get("nolegend"))
    return EstatBootstrapTable(table.header, rows, result.scalars["level"],
                               kinds if not o.get("nolegend") else [],
                               show_header=not o.get("noheader"))
