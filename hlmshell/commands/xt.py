"""Panel data: `xtset` and `xtreg, re|fe|be|mle` ([XT] xtset, [XT] xtreg).

The setting lives on the Dataset (`data.xtset`), so it is copied with the data, follows a
rename and is forgotten with its variables. It is not written to .dta files.
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands import est_common as ec
from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.estimates.results import EstimationResult
from hlmshell.render.coef import CoefTable
from hlmshell.render.formats import fmt
from hlmshell.render.xt import XtregHeader, XtregOutput, XtsetReport, ftest_line, sigma_lines
from hlmshell.returns import Returns

NOT_SET = "panel variable not set; use xtset varname ..."


# ------------------------------------------------------------------------------- xtset
def _numeric_var(session, name: str) -> str:
    from hlmshell.dataset.varlist import unabbreviate
    name = unabbreviate(name, session.data.names)
    if session.data.is_string(name):
        raise StataError(109, f"string variables not allowed in varlist;\n{name} is a string "
                              "variable")
    return name


@command("xtset", abbrev="xtset", syntax="[anything] [, CLEAR Delta(string)]",
         help="declare data to be panel data")
def xtset(session, args):
    """xtset panelvar [timevar] [, delta(#)]
        xtset alone shows the setting; xtset, clear forgets it
    """
    data = session.data
    words = args.anything.split()
    if args.options.get("clear"):
        if words:
            raise StataError(198, "invalid syntax")
        data.xtset = None
        return None
    if not words:
        if not data.xtset or not data.xtset.get("panelvar"):    # (tsset timevar: no panels)
            raise StataError(459, NOT_SET)
        setting = data.xtset
    else:
        if len(words) > 2:
            raise StataError(103, "too many variables specified")
        panel = _numeric_var(session, words[0])
        timevar = _numeric_var(session, words[1]) if len(words) == 2 else None
        delta = delta_option(args.options)
        if "delta" in args.options and timevar is None:
            raise StataError(198, "delta() requires a time variable")
        setting = {"panelvar": panel, "timevar": timevar, "delta": delta}
        describe_panel(session, setting)  # validates (repeated times) before storing
        data.xtset = setting
    report, r = describe_panel(session, setting)
    session.r = r
    return report


def delta_option(options) -> float:
    """delta(#): the time variable's step (1 by default), positive."""
    if "delta" not in options:
        return 1.0
    try:
        delta = float(options["delta"])
    except ValueError:
        raise StataError(198, "option delta() incorrectly specified") from None
    if delta <= 0:
        raise StataError(198, "option delta() incorrectly specified")
    return delta


def describe_panel(session, setting: dict):
    data = session.data
    p = np.asarray(data.column(setting["panelvar"]), dtype=float)
    ok = ~np.isnan(p)
    tv = setting.get("timevar")
    t = np.asarray(data.column(tv), dtype=float) if tv else None
    if t is not None:
        ok &= ~np.isnan(t)
        if not ok.any():    # nothing to describe (the fuzz campaign's empty dataset)
            raise StataError(2000, "no observations")
    codes = np.unique(p[ok], return_inverse=True)[1].ravel()
    G = int(codes.max()) + 1 if len(codes) else 0
    sizes = np.bincount(codes, minlength=G)
    r = Returns()
    r.macros["panelvar"] = setting["panelvar"]
    r.scalars["imin"] = float(p[ok].min()) if ok.any() else math.nan
    r.scalars["imax"] = float(p[ok].max()) if ok.any() else math.nan
    if t is None:
        balance = "balanced" if G and sizes.min() == sizes.max() else "unbalanced"
        r.macros["balanced"] = balance
        return XtsetReport(setting["panelvar"], balance), r
    delta = setting.get("delta", 1.0)
    tt = t[ok]
    pairs = np.unique(np.column_stack([codes, tt]), axis=0)
    if len(pairs) < len(tt):
        raise StataError(451, "repeated time values within panel")
    steps = np.round(tt / delta, 9)
    tmin, tmax = float(tt.min()), float(tt.max())
    per = [set(np.round(tt[codes == k], 9)) for k in range(G)] if G <= 20000 else None
    if G and sizes.min() == sizes.max():
        balance = "strongly balanced" if per is not None and all(s == per[0] for s in per) \
            else "weakly balanced"
    else:
        balance = "unbalanced"
    # gaps: some panel skips a delta step between its first and last time
    order = np.lexsort((tt, codes))
    same = codes[order][1:] == codes[order][:-1]
    d = np.diff(steps[order])[same]
    gaps = bool((np.abs(d - 1) > 1e-9).any()) if len(d) else False
    r.macros.update(timevar=tv, balanced=balance)
    r.scalars.update(tmin=tmin, tmax=tmax, tdelta=delta, gaps=float(gaps))
    dtext = f"{delta:g} unit" + ("s" if delta != 1 else "")
    return XtsetReport(setting["panelvar"], balance, tv, f"{tmin:g}", f"{tmax:g}", gaps,
                       dtext), r


def panel_setting(session) -> dict:
    s = session.data.xtset
    if not s or s["panelvar"] not in session.data.names:
        raise StataError(459, NOT_SET)
    return s


# ------------------------------------------------------------------------------- xtreg
TITLES = {"re": "Random-effects GLS regression", "fe": "Fixed-effects (within) regression",
          "be": "Between regression (regression on group means)"}
PREDICT = {"re": "xtrere_p", "fe": "xtrefe_p", "be": "xtrebe_p"}


@command("xtreg", abbrev="xtreg",
         syntax="[anything] [if] [in] [, RE FE BE MLE SA PA vce(string) Robust Level(real) "
                "CORr(string) NMP RGF TOLerance(string) OFFset(string) ITERate(integer) NOLOg "
                "LOg]",
         help="fixed-, between- and random-effects linear models")
def xtreg(session, args):
    """xtreg depvar [indepvars] [if] [in] [, re | fe | be | mle | pa  vce(robust|cluster var) level(#)]
        re (the default) is Swamy-Arora GLS; xtreg alone redisplays the last results
        pa: xtgee's Gaussian model; corr(exchangeable|independent|ar 1|unstructured) nmp rgf
            vce(conventional|robust) offset(varname) iterate(#) tolerance(#) nolog
    """
    from hlmshell.commands import xtgee as gee
    from hlmshell.commands.regress import _level
    opts = args.options
    level = _level(session, opts)
    models = [m for m in ("re", "fe", "be", "mle", "pa") if opts.get(m)]
    if len(models) > 1:
        raise StataError(198, "options " + " and ".join(models) + " may not be combined")
    if models == ["pa"]:
        return gee.run_pa(session, args, "xtreg")
    for o in ("offset", "iterate", "nolog", "log"):
        if opts.get(o) is not None and opts.get(o) is not False:
            raise StataError(198, f"option {o}{'()' if o in ('offset', 'iterate') else ''} "
                                  "not allowed")
    for o in gee.PA_ONLY:
        if opts.get(o):
            raise StataError(198, f"option {o}{'()' if o in ('corr', 'tolerance') else ''} "
                                  "not allowed")
    if not args.anything.strip():
        replayed = gee.replay_pa(session, args, "xtreg", level)
        if replayed is not None:
            return replayed
        result = session.estimates.require()
        if result.cmd != "xtreg":
            raise StataError(301, "last estimates not found")
        return output(result, level)
    setting = panel_setting(session)
    model = models[0] if models else "re"
    if model == "mle":
        from hlmshell.commands.xtreg_mle import estimate_mle
        result = estimate_mle(session, args, setting)
    else:
        result = estimate(session, args, setting, model)
    session.estimates.post(result)
    out = output(result, level)
    out.notes = list(result.model.notes)
    return out


@np.errstate(all="ignore")
def estimate(session, args, setting, model: str) -> EstimationResult:
    from hlmshell.models import ModelError
    from hlmshell.models.panel import fit_panel, omit_name, within_collinear
    opts = args.options
    panel = setting["panelvar"]
    depvar, terms = ec.parse_varlist(session, args.anything)
    vce, clustvar = ec.parse_vce(opts.get("vce"), session, ("ols", "robust", "cluster"))
    if opts.get("robust"):
        vce = "robust"
    if model == "be" and vce != "ols":
        raise StataError(198, "option vce() not allowed with be")
    if vce == "robust":      # xtreg's robust VCE is clustered on the panels
        vce, clustvar = "cluster", panel
    sample = args.touse(session) & ec.cluster_ok(session, panel)
    if clustvar:
        sample &= ec.cluster_ok(session, clustvar)
    design = ec.build(session, depvar, terms, True, sample, extra=[panel])
    rows = design.rows
    g = ec.cluster_codes(session, panel, rows)
    notes = ec.collinear_notes(design)
    if model == "fe":
        slopes = [j for j in design.keep if design.fixed_names[j] != "_cons"]
        contiguous = slopes == list(range(slopes[0], slopes[0] + len(slopes))) if slopes else True
        if len(rows) == session.data.nobs and contiguous and slopes:
            Xs = design.X_all[:, slopes[0]:slopes[0] + len(slopes)]   # a view, no copy
        else:
            Xs = design.X_all[np.ix_(rows, slopes)]
        drop = within_collinear(Xs, g)
        for i in drop:
            j = slopes[i]
            notes.append(f"note: {design.fixed_names[j]} omitted because of collinearity.")
            design.fixed_names[j] = omit_name(design.fixed_names[j])
            design.omitted[j] = True
        design.keep = np.flatnonzero(~design.omitted)
    X = design.X
    clusters = None
    if clustvar:
        clusters = ec.cluster_codes(session, clustvar, rows)
        if clustvar != panel and model in ("fe", "re"):
            # Stata requires panels nested within clusters
            pairs = np.unique(np.column_stack([g, clusters]), axis=0)
            if len(pairs) != int(g.max()) + 1:
                raise StataError(498, "panels are not nested within clusters")
    try:
        fit = fit_panel(design.y, X, g, model, vce="ols" if vce == "ols" else "cluster",
                        clusters=clusters)
    except ModelError as err:
        raise StataError(err.code, err.message) from None
    b, V = ec.full_b_V(design, fit.b, fit.V)
    result = post(args, depvar, panel, setting, model, fit, b, V, vce, clustvar)
    result.sample = design.sample.copy()
    result.model = PanelModel(design, fit, g, panel, notes)
    return result


class PanelModel:
    """For predict: the design, the panel codes of the sample rows and the fitted u_i."""

    def __init__(self, design, fit, g, panelvar, notes):
        self.design, self.fit, self.g, self.panelvar, self.notes = design, fit, g, panelvar, notes
        self.sample = design.sample


def post(args, depvar, panel, setting, model, fit, b, V, vce, clustvar) -> EstimationResult:
    from scipy import stats
    s: dict = {"N": int(fit.N), "N_g": int(fit.n_groups), "g_min": int(fit.g_min),
               "g_avg": float(fit.g_avg), "g_max": int(fit.g_max)}
    s["rank"] = int(np.count_nonzero(np.diag(V.values)))
    s["df_m"] = int(fit.df_m)
    if fit.df_r is not None:
        s["df_r"] = int(fit.df_r)
    if model == "re":
        s["chi2"] = fit.chi2
        s["p"] = float(stats.chi2.sf(fit.chi2, fit.df_m)) if fit.df_m else math.nan
    else:
        s["F"] = fit.F
        s["p"] = float(stats.f.sf(fit.F, fit.df_m, fit.df_r)) if fit.df_m and fit.df_r > 0 \
            else math.nan
    s["r2_w"], s["r2_b"], s["r2_o"] = fit.r2_w, fit.r2_b, fit.r2_o
    if model != "be":
        s["sigma"] = math.sqrt(fit.sigma_u ** 2 + fit.sigma_e ** 2)
        s["sigma_u"], s["sigma_e"], s["rho"] = fit.sigma_u, fit.sigma_e, fit.rho
    if model == "fe":
        s["corr"] = fit.corr
        s["F_f"] = fit.F_f
        s["df_a"] = int(fit.df_a)
        s["rss"] = fit.rss
        N = fit.N
        s["ll"] = -0.5 * N * (math.log(2 * math.pi) + math.log(fit.rss / N) + 1) \
            if fit.rss > 0 else math.nan
    if model == "re":
        from hlmshell.commands.summarize import percentile
        th = np.sort(np.asarray(fit.theta)[np.asarray(fit.theta) == fit.theta])
        # xtreg_re.ado: summarize, detail of theta (its percentile rule)
        q = [th[0], percentile(th, 5), percentile(th, 50), percentile(th, 95), th[-1]] \
            if len(th) else [math.nan] * 5
        for name, v in zip(("thta_min", "thta_5", "thta_50", "thta_95", "thta_max"), q):
            s[name] = float(v)
    if fit.n_clust is not None:
        s["N_clust"] = int(fit.n_clust)
    if "rmse" in fit.extra:
        s["rmse"] = fit.extra["rmse"]
    s["Tcon"] = int(fit.g_min == fit.g_max)
    m: dict = {"cmdline": f"xtreg {args.body.strip()}", "title": TITLES[model],
               "model": model, "ivar": panel}
    if setting.get("timevar"):
        m["tvar"] = setting["timevar"]
    m["vce"] = "conventional" if vce == "ols" else vce
    if vce != "ols":
        m["vcetype"] = "Robust"
        m["clustvar"] = clustvar
    m["chi2type" if model == "re" else "ftype"] = "Wald" if model == "re" else "F"
    m["depvar"] = depvar
    m["marginsok"] = "XB default"
    m["predict"] = PREDICT[model]
    m["properties"] = "b V"
    m["cmd"] = "xtreg"
    return EstimationResult(cmd="xtreg", scalars=s, macros=m, matrices={"b": b, "V": V})


@np.errstate(all="ignore")
def output(result, level: float) -> XtregOutput:
    from hlmshell.commands.regress import coef_rows
    s, m = result.scalars, result.macros
    model = m["model"]
    if model == "mle":
        from hlmshell.commands.xtreg_mle import output_mle
        return output_mle(result, level)
    t = model in ("fe", "be")
    df_r = s.get("df_r") if t else None
    if model == "re":
        test = (f"Wald chi2({s['df_m']})", s["chi2"], "Prob > chi2")
        note = "corr(u_i, X) = 0 (assumed)"
    elif model == "fe":
        test = (f"F({s['df_m']}, {s['df_r']})", s["F"], "Prob > F")
        note = f"corr(u_i, Xb) = {fmt(s['corr'], '%7.4f').strip()}"
    else:
        test = (f"F({s['df_m']}, {s['df_r']})", s["F"], "Prob > F")
        note = f"sd(u_i + avg(e_i.)) = {fmt(result.model.fit.extra['sd_ue'], '%9.0g').strip()}"
    header = XtregHeader(m["title"], s["N"], m["ivar"], s["N_g"], s["g_min"], s["g_avg"],
                         s["g_max"], s["r2_w"], s["r2_b"], s["r2_o"], test[0], test[1],
                         test[2], s["p"], note, s.get("N_clust"), m.get("clustvar", ""))
    rows = coef_rows(result, level, df_r)
    extra = sigma_lines(s["sigma_u"], s["sigma_e"], s["rho"]) if model != "be" else []
    table = CoefTable(m["depvar"], rows, level, "t" if t else "z", m.get("vcetype", ""),
                      extra=extra)
    footer = []
    if model == "fe" and m["vce"] == "conventional":
        from scipy import stats
        p = float(stats.f.sf(s["F_f"], s["df_a"], s["df_r"]))
        footer.append(ftest_line(s["df_a"], s["df_r"], s["F_f"], p))
    return XtregOutput(header=header, table=table, footer=footer)


ec.REPLAY["xtreg"] = lambda result: output(result, 95)


# ------------------------------------------------------------------------------- xtsum
@command("xtsum", abbrev="xtsum", syntax="[varlist] [if] [in]",
         help="summarize panel data: overall, between and within")
def xtsum(session, args):
    """xtsum [varlist] [if] [in]
        overall, between (panel means) and within (x_it - xbar_i + xbar) statistics
    """
    from hlmshell.render.xt import XtsumRow, XtsumTable
    setting = panel_setting(session)
    panel = np.asarray(session.data.column(setting["panelvar"]), dtype=float)
    touse = args.touse(session) & ~np.isnan(panel)
    rows = []
    for v in args.varlist:
        if session.data.is_string(v):
            continue   # string variables have no statistics: skipped
        x = np.asarray(session.data.column(v), dtype=float)
        ok = touse & ~np.isnan(x)
        xv = x[ok]
        if not len(xv):
            rows.append(XtsumRow(v, (np.nan,) * 4 + (0,), (np.nan,) * 3 + (0,),
                                 (np.nan,) * 3 + (np.nan,)))
            continue
        codes = np.unique(panel[ok], return_inverse=True)[1].ravel()
        G = int(codes.max()) + 1
        T = np.bincount(codes, minlength=G)
        means = np.bincount(codes, weights=xv, minlength=G) / T
        grand = float(xv.mean())
        within = xv - means[codes] + grand
        sd = lambda a: float(np.std(a, ddof=1)) if len(a) > 1 else np.nan
        rows.append(XtsumRow(v, (grand, sd(xv), float(xv.min()), float(xv.max()), len(xv)),
                             (sd(means), float(means.min()), float(means.max()), G),
                             (sd(within), float(within.min()), float(within.max()),
                              len(xv) / G), balanced=bool(T.min() == T.max())))
    return XtsumTable(rows) if rows else None


# ------------------------------------------------------------------------- xtdescribe
@command("xtdescribe", abbrev="xtdes", syntax="[if] [in] [, Patterns(integer)]",
         help="describe the pattern of panel data")
def xtdescribe(session, args):
    """xtdescribe [if] [in] [, patterns(#)]
        the panels and times, the distribution of T_i and the most frequent participation
        patterns (needs a time variable: xtset panelvar timevar)
    """
    from hlmshell.render.xt import XtDescribe
    setting = panel_setting(session)
    tv = setting.get("timevar")
    if not tv:
        raise StataError(459, "time variable not set, use xtset panelvar timevar ...")
    npat = int(args.options.get("patterns", 9))
    if npat < 0:
        raise StataError(198, "option patterns() incorrectly specified")
    p = np.asarray(session.data.column(setting["panelvar"]), dtype=float)
    t = np.asarray(session.data.column(tv), dtype=float)
    ok = args.touse(session) & ~np.isnan(p) & ~np.isnan(t)
    if not ok.any():
        raise StataError(2000, "no observations")
    pv, tt = p[ok], t[ok]
    panels, codes = np.unique(pv, return_inverse=True)
    codes = codes.ravel()
    delta = setting.get("delta", 1.0)
    times = np.unique(tt)
    steps = np.round((tt - times.min()) / delta).astype(np.int64)
    span = int(steps.max()) + 1
    G = len(panels)
    T = np.bincount(codes, minlength=G)
    present = np.zeros((G, span), dtype=bool)
    present[codes, steps] = True
    patterns = ["".join("1" if c else "." for c in row) for row in present]
    counts: dict[str, int] = {}
    for pat in patterns:
        counts[pat] = counts.get(pat, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    q = np.percentile(T, [0, 5, 25, 50, 75, 95, 100], method="inverted_cdf")
    session.r = Returns(scalars={"n": float(G), "N": float(ok.sum()), "min": float(T.min()),
                                 "max": float(T.max()), "pctile_50": float(q[3])})
    return XtDescribe(setting["panelvar"], tv, [f"{x:g}" for x in panels[:2]], f"{panels[-1]:g}",
                      [f"{x:g}" for x in times[:2]], f"{times[-1]:g}", G, len(times),
                      delta, span, [float(x) for x in q], ranked[:npat],
                      sum(c for _, c in ranked[npat:]), span)
