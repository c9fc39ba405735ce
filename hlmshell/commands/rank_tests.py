"""spearman and ktau ([R] spearman), ranksum ([R] ranksum), signrank and signtest
([R] signrank), kwallis ([R] kwallis). Numbers from models/rank_tests.py, layouts in
render/rank_tests.py. Samples, messages, codes and r() follow the public ado files
(spearman.ado 4.2.6, ktau.ado 4.2.4, ranksum.ado 2.5.1, signrank.ado 2.3.1, signtest.ado
2.3.14, kwallis.ado 2.4.2).
"""
from __future__ import annotations

import math

import numpy as np

from hlmshell.commands.anova1 import numeric
from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.matrix import StataMatrix
from hlmshell.returns import Returns


def _byable(session, args, run):
    from hlmshell.commands.by import repeat_by
    from hlmshell.render import to_text
    if args.prefix is not None:
        return repeat_by(session, args, lambda sample, rows: to_text(run(sample)))
    return run(args.touse(session))


# --------------------------------------------------------------------- spearman / ktau
CORR_OPTS = "stats(string) Bonferroni Print(real) SIDak STar(real) pw MATrix"
SPEARMAN_STATS = {"rho": "rho", "obs": "Number of obs", "p": "Sig. level"}
KTAU_STATS = {"taua": "tau_a", "taub": "tau_b", "score": "score", "se": "se of score",
              "obs": "Number of obs", "p": "Sig. level"}


def _rank_corr_setup(session, args, keys: dict):
    """The checks shared by spearman and ktau, in the ado files' order: string variables are
    dropped with a note, at least two variables, bonferroni/sidak, star(), print(),
    stats()."""
    data = session.data
    notes, names = [], []
    for name in args.varlist:
        if data.is_string(name):
            notes.append(f"({name} ignored because string variable)")
        else:
            names.append(name)
    if len(names) < 2:
        raise StataError(102, "too few variables specified")
    opts = args.options
    if opts.get("bonferroni") and opts.get("sidak"):
        raise StataError(198, "only one of bonferroni and sidak can be specified")
    for opt in ("star", "print"):
        v = opts.get(opt)
        if v is not None and not 0 < v < 1:
            raise StataError(198, f"{opt}() must be between 0 and 1")
    words = (opts.get("stats") or "").split()
    for w in words:
        if w not in keys:
            listed = ", ".join(list(keys)[:-1]) + f", and {list(keys)[-1]}"
            raise StataError(198, f"stats() must contain one or more of {listed}")
    shown = [k for k in keys if k in words] if words else [next(iter(keys))]
    return notes, names, shown, len(words)


def _pair_rows(session, args, names, sample):
    """Rows for the pairs: casewise over all variables unless pw (then per pair)."""
    cols = [session.data.column(n) for n in names]
    rows = sample.copy()
    if not args.options.get("pw"):
        for c in cols:
            rows &= ~np.isnan(c)
    return cols, rows


def _adjust(p: float, opts, m: float) -> float:
    """bonferroni multiplies before the cap at 1, sidak after (as the ado files)."""
    if math.isnan(p):
        return p
    if opts.get("bonferroni"):
        p = min(p * m, 1.0)
    else:
        p = min(p, 1.0)
    if opts.get("sidak"):
        p = min(1.0, 1 - (1 - p) ** m)
    return p


def _obs_line(args, cols, rows, names, shown) -> str | None:
    if "obs" in shown:
        return None
    if args.options.get("pw") and any(np.isnan(c[rows]).any() for c in cols):
        return "(obs=varies)"
    return f"(obs={int((rows & ~np.isnan(cols[0])).sum())})"


@command("spearman", abbrev="spearman",
         syntax=f"[varlist] [if] [in] [, {CORR_OPTS}]",
         help="Spearman's rank correlation coefficients", by_ok=True)
def spearman_cmd(session, args):
    """spearman [varlist] [if] [in] [, stats(rho obs p) print(#) star(#) bonferroni sidak pw
    matrix]: two variables give the test of independence, more (or matrix) a table."""
    notes, names, shown, nopt = _rank_corr_setup(session, args, SPEARMAN_STATS)
    return _with_notes(notes, _byable(session, args,
                                      lambda sample: _spearman(session, args, names, shown,
                                                               sample)))


def _with_notes(notes, out):
    if not notes or out is None:
        return out
    from hlmshell.render import to_text
    return "\n".join(notes) + "\n" + to_text(out)


def _spearman(session, args, names, shown, sample):
    from hlmshell.models.rank_tests import spearman
    from hlmshell.render.rank_tests import RankMatrix, SpearmanPair
    cols, rows = _pair_rows(session, args, names, sample)
    opts = args.options
    if len(names) == 2 and not opts.get("matrix"):
        ok = rows & ~np.isnan(cols[0]) & ~np.isnan(cols[1])
        n = int(ok.sum())
        if n == 0:
            raise StataError(2000, "no observations")
        if n < 2:
            raise StataError(2001, "insufficient observations")
        res = spearman(cols[0][ok], cols[1][ok])
        session.r = Returns({"N": float(n), "rho": res.rho, "p": res.p})
        return SpearmanPair(names[0], names[1], n, res.rho, res.p)
    k = len(names)
    m = k * (k - 1) / 2
    N, R, P = (np.zeros((k, k)) for _ in range(3))
    for i in range(k):
        for j in range(i + 1):
            ok = rows & ~np.isnan(cols[i]) & ~np.isnan(cols[j])
            res = spearman(cols[i][ok], cols[j][ok])
            N[i, j] = N[j, i] = res.N
            R[i, j] = R[j, i] = res.rho
            P[i, j] = P[j, i] = _adjust(res.p, opts, m)
    session.r = Returns({"N": N[k - 1, k - 2], "rho": R[k - 1, k - 2], "p": P[k - 1, k - 2]},
                        matrices={key: StataMatrix(v, list(names), list(names), True)
                                  for key, v in (("Nobs", N), ("Rho", R), ("P", P))})
    return RankMatrix(list(names), shown, {"rho": R.tolist(), "obs": N.tolist()}, P.tolist(),
                      SPEARMAN_STATS, 9, {"obs": "%7.0g"}, _level(opts, "star"),
                      _level(opts, "print"), _obs_line(args, cols, rows, names, shown),
                      ("rho",), int(session.settings.get("linesize", 79)))


def _level(opts, name: str) -> float:
    v = opts.get(name)
    return -1.0 if v is None else float(v)


@command("ktau", abbrev="ktau", syntax=f"[varlist] [if] [in] [, {CORR_OPTS}]",
         help="Kendall's rank correlation coefficients", by_ok=True)
def ktau_cmd(session, args):
    """ktau [varlist] [if] [in] [, stats(taua taub score se obs p) print(#) star(#)
    bonferroni sidak pw matrix]. The score sums over all pairs: O(n^2) time."""
    notes, names, shown, nopt = _rank_corr_setup(session, args, KTAU_STATS)
    return _with_notes(notes, _byable(session, args,
                                      lambda sample: _ktau(session, args, names, shown,
                                                           sample)))


KTAU_R = ("N", "tau_a", "tau_b", "score", "se_score", "p")


def _ktau(session, args, names, shown, sample):
    from hlmshell.models.rank_tests import ktau
    from hlmshell.render.rank_tests import KtauPair, RankMatrix
    cols, rows = _pair_rows(session, args, names, sample)
    opts = args.options
    if len(names) == 2 and not opts.get("matrix"):
        ok = rows & ~np.isnan(cols[0]) & ~np.isnan(cols[1])
        n = int(ok.sum())
        if n < 3:
            raise StataError(2001, "insufficient observations")
        res = ktau(cols[0][ok], cols[1][ok])
        # the ado posts them in this order: p, se_score, score, tau_b, tau_a, N
        session.r = Returns({"p": res.p, "se_score": res.se_score, "score": res.score,
                             "tau_b": res.tau_b, "tau_a": res.tau_a, "N": float(n)})
        return KtauPair(names[0], names[1], n, res.tau_a, res.tau_b, res.score, res.se_score,
                        res.p, res.ties)
    k = len(names)
    m = k * (k - 1) / 2
    mats = {key: np.zeros((k, k)) for key in ("Nobs", "Tau_a", "Tau_b", "Score", "Se_Score",
                                              "P")}
    for i in range(k):
        for j in range(i + 1):
            ok = rows & ~np.isnan(cols[i]) & ~np.isnan(cols[j])
            n = int(ok.sum())
            if n < 3:       # the ado's `cap ktau2var`: an error leaves the cell missing
                vals = (n, math.nan, math.nan, math.nan, math.nan, math.nan)
            else:
                r = ktau(cols[i][ok], cols[j][ok])
                vals = (n, r.tau_a, r.tau_b, r.score, r.se_score, _adjust(r.p, opts, m))
            for key, v in zip(mats, vals):
                mats[key][i, j] = mats[key][j, i] = v
    last = {key: float(mats[mk][k - 1, k - 2]) for key, mk in
            zip(("N", "tau_a", "tau_b", "score", "se_score", "p"), mats)}
    session.r = Returns(last, matrices={key: StataMatrix(v, list(names), list(names), True)
                                        for key, v in mats.items()})
    values = {"taua": mats["Tau_a"].tolist(), "taub": mats["Tau_b"].tolist(),
              "score": mats["Score"].tolist(), "se": mats["Se_Score"].tolist(),
              "obs": mats["Nobs"].tolist()}
    return RankMatrix(list(names), shown, values, mats["P"].tolist(), KTAU_STATS, 11,
                      {"obs": "%9.0g"}, _level(opts, "star"), _level(opts, "print"),
                      _obs_line(args, cols, rows, names, shown), ("taua", "taub"),
                      int(session.settings.get("linesize", 79)))


# ------------------------------------------------------------------------------ ranksum
def _group_var(session, opts) -> str:
    from hlmshell.dataset.varlist import unabbreviate
    words = (opts.get("by") or "").split()
    if not words:
        raise StataError(198, "option by() required")
    if len(words) > 1:
        raise StataError(103, "too many variables specified")
    return unabbreviate(words[0], session.data.names)


def _groups(data, gname, rows):
    """Codes 0..k-1 of the group variable on `rows` (missing dropped: the returned mask),
    the sorted levels and their display texts (value labels; strings as encode orders
    them)."""
    from hlmshell.commands.tabulate import _value_texts
    g = data.column(gname)
    present = (g != "") if data.is_string(gname) else ~np.isnan(g)
    rows = rows & present
    levels, codes = np.unique(g[rows], return_inverse=True)
    return rows, levels, codes, _value_texts(data, data.var(gname), levels)


@command("ranksum", abbrev="ranksum",
         syntax="varname [if] [in] [, BY(string) PORDER NOEXACT EXACT]",
         help="Wilcoxon rank-sum (Mann-Whitney) test", by_ok=True)
def ranksum_cmd(session, args):
    """ranksum varname [if] [in], by(groupvar) [porder exact noexact]
    The exact p-value is computed by default for n <= 200 (noexact: not), on request
    (exact) up to n = 1,000, as ranksum.ado 2.5.1 (Stata 16)."""
    opts = args.options
    if opts.get("exact") and opts.get("noexact"):
        raise StataError(198, "only one of exact or noexact is allowed")
    gname = _group_var(session, opts)
    name = args.varlist[0]
    x = numeric(session.data, name)
    return _byable(session, args, lambda sample: _ranksum(session, args, name, x, gname,
                                                          sample))


def _ranksum(session, args, name, x, gname, sample):
    from hlmshell.models.rank_tests import ranksum
    from hlmshell.render.rank_tests import RanksumOutput
    data = session.data
    rows, levels, codes, texts = _groups(data, gname, sample & ~np.isnan(x))
    if not rows.any():
        raise StataError(2000, "no observations")
    if len(levels) == 1:
        raise StataError(499, "1 group found, 2 required")
    if len(levels) > 2:
        raise StataError(499, "more than 2 groups found, only 2 allowed")
    res = ranksum(x[rows], codes == 0)
    exact, note = _exact_choice(args.options, res.n1 + res.n2, 1000, "for exact option")
    ex = None
    if exact:
        from hlmshell.models.rank_tests import exact_ranksum
        try:
            ex = exact_ranksum(x[rows], codes == 0)
        except MemoryError:
            raise StataError(459, "exact p-value needs too large a table for these group "
                                  "sizes; specify noexact") from None
    # a string group variable is encoded first: its first group is then 1
    group1 = 1.0 if data.is_string(gname) else float(levels[0])
    r = {} if ex is None else {"p_exact": ex.p, "p_l_exact": ex.p_l, "p_u_exact": ex.p_u}
    r |= {"N": float(res.n1 + res.n2), "N_1": float(res.n1), "N_2": float(res.n2),
         "group1": group1, "sum_obs": res.sum_obs, "sum_exp": res.sum_exp,
         "Var_a": res.var, "z": res.z, "p": res.p, "p_l": res.p_l, "p_u": res.p_u}
    porder = args.options.get("porder")
    if porder:
        r["porder"] = res.porder
    session.r = Returns(r)
    return RanksumOutput(gname, name, (texts[0], texts[1]), res.n1, res.n2, res.sum_obs,
                         res.unv, res.var, res.z, res.p, res.porder if porder else None,
                         None if ex is None else ex.p, note)


NEXACT = 200      # exact by default up to this many observations (Stata 16's ado files)


def _exact_choice(opts, n: int, maxex: int, wording: str) -> tuple[bool, bool]:
    """(compute the exact p, show the note that it was not computed by default)."""
    exact = bool(opts.get("exact")) or (n <= NEXACT and not opts.get("noexact"))
    if exact and n > maxex:
        raise StataError(459, f"number of observations must be <= {maxex:,} {wording}")
    note = not exact and not opts.get("noexact") and NEXACT < n <= maxex
    return exact, note


# ---------------------------------------------------------------- signrank / signtest
def _differences(session, args, sample):
    from hlmshell.dataset.evaluate import evaluate
    name = args.varlist[0]
    x = numeric(session.data, name)
    other = evaluate(args.exp, session)
    if other.dtype == object:
        raise StataError(109, "type mismatch")
    d = x - other
    return d[sample & ~np.isnan(d)]


@command("signrank", abbrev="signrank",
         syntax="varname =exp [if] [in] [, NOEXACT EXACT]",
         help="Wilcoxon matched-pairs signed-rank test", by_ok=True)
def signrank_cmd(session, args):
    """signrank varname = exp [if] [in] [, exact noexact]
    The exact p-value is computed by default for n <= 200 (noexact: not), on request
    (exact) up to n = 2,000, as signrank.ado 2.3.1 (Stata 16)."""
    opts = args.options
    if opts.get("exact") and opts.get("noexact"):
        raise StataError(198, "only one of exact or noexact is allowed")
    numeric(session.data, args.varlist[0])
    return _byable(session, args, lambda sample: _signrank(session, args, sample))


def _signrank(session, args, sample):
    from hlmshell.models.rank_tests import signrank
    from hlmshell.render.rank_tests import SignrankOutput
    d = _differences(session, args, sample)
    if len(d) == 0:
        raise StataError(2000, "no observations")
    res = signrank(d)
    exact, note = _exact_choice(args.options, len(d), 2000, "for option exact")
    ex = None
    if exact:
        from hlmshell.models.rank_tests import exact_signrank
        ex = exact_signrank(d)
    r = {} if ex is None else {"p_exact": ex.p, "p_l_exact": ex.p_l, "p_u_exact": ex.p_u}
    session.r = Returns(r | {"N": float(len(d)), "N_pos": float(res.n_pos),
                         "N_neg": float(res.n_neg), "N_tie": float(res.n_zero),
                         "sum_pos": res.sum_pos, "sum_neg": res.sum_neg, "Var_a": res.var,
                         "z": res.z, "p": res.p, "p_l": res.p_l, "p_u": res.p_u})
    return SignrankOutput(f"{args.varlist[0]} = {args.exp_text}", res.n_pos, res.n_neg,
                          res.n_zero, res.sum_pos, res.sum_neg, res.unv, res.adj_zero,
                          res.var, res.z, res.p, None if ex is None else ex.p, note)


@command("signtest", abbrev="signtest", syntax="varname =exp [if] [in]",
         help="equality-of-medians sign test", by_ok=True)
def signtest_cmd(session, args):
    """signtest varname = exp [if] [in]"""
    numeric(session.data, args.varlist[0])
    return _byable(session, args, lambda sample: _signtest(session, args, sample))


def _signtest(session, args, sample):
    from hlmshell.models.rank_tests import signtest
    from hlmshell.render.rank_tests import SigntestOutput
    d = _differences(session, args, sample)
    res = signtest(d)
    session.r = Returns({"N": float(len(d)), "N_pos": float(res.n_pos),
                         "N_neg": float(res.n_neg), "N_tie": float(res.n_zero),
                         "p": res.p, "p_l": res.p_neg, "p_u": res.p_pos})
    return SigntestOutput(args.varlist[0], args.exp_text, res.n_pos, res.n_neg, res.n_zero,
                          res.p_pos, res.p_neg, res.p)


# ------------------------------------------------------------------------------ kwallis
@command("kwallis", abbrev="kwallis", syntax="varname [if] [in] [, BY(string)]",
         help="Kruskal-Wallis equality-of-populations rank test")
def kwallis_cmd(session, args):
    """kwallis varname [if] [in], by(groupvar)"""
    from hlmshell.models.rank_tests import kwallis
    from hlmshell.render.rank_tests import KwallisOutput
    gname = _group_var(session, args.options)
    name = args.varlist[0]
    x = numeric(session.data, name)
    rows, levels, codes, texts = _groups(session.data, gname,
                                         args.touse(session) & ~np.isnan(x))
    if not rows.any():
        raise StataError(2000, "no observations")
    if len(levels) < 2:
        raise StataError(498, "at least two populations are required")
    res = kwallis(x[rows], codes, len(levels))
    session.r = Returns({"df": float(res.df), "chi2": res.chi2, "p": res.p,
                         "chi2_adj": res.chi2_adj, "p_adj": res.p_adj})
    return KwallisOutput(gname, texts, res.obs, res.rank_sums, res.chi2, res.chi2_adj,
                         res.df, res.p, res.p_adj)
