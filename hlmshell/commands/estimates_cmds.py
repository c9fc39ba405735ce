"""`estimates store | restore | replay | dir | drop | clear | table | stats`.

Abbreviations follow Stata's estimates.ado: `est sto`, `est res`, `est tab`, `est dir`,
`est stat`, `est r[eplay]`; `drop` and `clear` must be typed in full.
"""
from __future__ import annotations

import math
import re

import numpy as np

from hlmshell.commands import mixed as mixed_cmd
from hlmshell.commands.est_common import REPLAY
from hlmshell.commands.estat import ic_row, split_subcommand
from hlmshell.commands.registry import Registry, command
from hlmshell.errors import StataError
from hlmshell.matrix import StataMatrix
from hlmshell.render.estat import IcTable
from hlmshell.render.ereturn import ReturnListing
from hlmshell.render.formats import is_format
from hlmshell.render.estimates import (DirRow, EstimatesDir, EstimatesTable, Notice, Replay,
                                       ReplayBlock, TableRow)
from hlmshell.returns import Returns

EST = Registry("subcommand")
REPLAY.setdefault("mixed", mixed_cmd.replay_output)
sub = EST.command
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")


@command("estimates", abbrev="est", syntax="raw", help="store, restore, list and compare estimation results")
def estimates(session, args):
    """estimates subcommand [namelist] [, options]"""
    word, body = split_subcommand(args.body)
    if not word:  # bare `estimates` replays the active results
        return estimates_replay(session, EST.lookup("replay").spec.bind("", [], 0))
    try:
        cmd = EST.lookup(word)
    except StataError:
        raise StataError(198, f"subcommand estimates {word} is unrecognized") from None
    return cmd.handler(session, cmd.spec.bind(body, session.data.names, session.data.nobs))


def _names(session, text: str, default: str) -> list[str]:
    """A namelist: names, `.`, `_all`/`*` (every stored result), simple `*`/`?` patterns."""
    words = text.split() or [default]
    out: list[str] = []
    for w in words:
        if w in ("_all", "*"):
            out += list(session.estimates.stored)
        elif any(c in w for c in "*?"):
            pat = re.compile("^" + re.escape(w).replace(r"\*", ".*").replace(r"\?", ".") + "$")
            hits = [n for n in session.estimates.stored if pat.match(n)]
            if not hits:
                raise StataError(111, f"estimation result {w} not found")
            out += hits
        else:
            session.estimates.get(w)  # r(111) / r(301)
            out.append(w)
    return list(dict.fromkeys(out))


# -------------------------------------------------------------------------------- store
@sub("store", abbrev="sto", syntax="anything [, Title(string) noCOpy]",
     help="store the active results under a name")
def estimates_store(session, args):
    if session.estimates.active is None:
        raise StataError(301, "last estimation results not found, nothing to store")
    words = args.anything.split()
    if len(words) != 1:
        raise StataError(198, "single name expected")
    name = words[0]
    if not NAME_RE.match(name) or name == "_all":
        raise StataError(198, f"{name} invalid name")
    result = session.estimates.active
    if args.options.get("title"):
        _set_title(result, args.options["title"])
    session.estimates.store(name)
    return None


def _set_title(result, title: str) -> None:
    result.macros["estimates_title"] = title.strip('"')


# ------------------------------------------------------------------------------ restore
@sub("restore", abbrev="res", syntax="anything [, noHeader DROP]", help="make stored results active")
def estimates_restore(session, args):
    words = args.anything.split()
    if len(words) != 1:
        raise StataError(198, "too many names specified" if words else "name required")
    name = words[0]
    if name != ".":
        session.estimates.restore(name)
        if args.options.get("drop"):
            session.estimates.drop(name)
    if args.options.get("noheader"):
        return None
    return Notice(f"(results {name} are active now)")


# ------------------------------------------------------------------------------- replay
def replay_body(result):
    """The estimation command's own display rebuilt from stored results."""
    # a command's replay by e(cmd) (mixed, regress, xtreg), else the one its model carries
    # (logit/probit/poisson and the me* commands, which share e(cmd) meglm)
    replay = REPLAY.get(result.cmd) or getattr(result.model, "replay", None)
    if replay is not None:
        return replay(result)
    return ReturnListing("e", dict(result.scalars), dict(result.macros), dict(result.matrices),
                         result.functions)


@sub("replay", abbrev="r", syntax="[anything] [, noHeader *]", help="redisplay stored results")
def estimates_replay(session, args):
    names = _names(session, args.anything, ".")
    out = Replay()
    for name in names:
        result = session.estimates.get(name)
        if name == "." and session.estimates.active_name:
            name = session.estimates.active_name
        header = "active results" if name == "." else f"Model {name}"
        title = result.macros.get("estimates_title", "")
        if title and name != ".":
            header += f" ({title})"
        out.blocks.append(ReplayBlock(header, replay_body(result),
                                      int(session.settings.get("linesize", 79))))
    if args.options.get("noheader"):
        return "\n".join(b.body if isinstance(b.body, str) else _text(b.body) for b in out.blocks)
    return out


def _text(obj) -> str:
    from hlmshell.render import to_text
    return to_text(obj)


# -------------------------------------------------------------------------------- query
@sub("query", abbrev="q", syntax="", help="say where the active results come from")
def estimates_query(session, args):
    res = session.estimates.active
    if res is None:
        return Notice("(no estimation results)")
    cmd = res.macros.get("cmd", res.cmd)
    name = session.estimates.active_name
    where = f"; also stored as {name}" if name else "; not yet stored"
    return Notice(f"(active results produced by {cmd}{where})")


# ---------------------------------------------------------------------------------- dir
def _depvar(result) -> str:
    return str(result.macros.get("depvar", ""))


def _npar(result) -> int:
    b = result.matrices.get("b")
    return b.values.shape[-1] if b is not None else 0


@sub("dir", abbrev="dir", syntax="[anything] [, Width(integer) *]", help="list stored results")
def estimates_dir(session, args):
    names = _names(session, args.anything, "_all")
    rows = []
    for name in names:
        res = session.estimates.get(name)
        rows.append(DirRow(name, str(res.macros.get("cmd", res.cmd)), _depvar(res),
                           _npar(res), str(res.macros.get("estimates_title", ""))))
    if not rows:
        return None
    session.r = Returns(macros={"names": " ".join(names)})
    return EstimatesDir(rows, session.settings.get("linesize", 79))


# --------------------------------------------------------------------------------- drop
@sub("drop", abbrev="drop", syntax="anything", help="drop stored results")
def estimates_drop(session, args):
    for name in _names(session, args.anything, "_all"):
        if name != ".":
            session.estimates.drop(name)
    return None


@sub("clear", abbrev="clear", syntax="", help="drop all stored results")
def estimates_clear(session, args):
    for name in list(session.estimates.stored):
        session.estimates.drop(name)
    return None


# -------------------------------------------------------------------------------- stats
@sub("stats", abbrev="stat", syntax="[anything] [, n(real) *]", help="AIC and BIC of stored results")
def estimates_stats(session, args):
    names = _names(session, args.anything, ".")
    rows = []
    for name in names:
        res = session.estimates.get(name)
        label = session.estimates.active_name if name == "." and session.estimates.active_name else name
        row = ic_row(label, res)
        if "n" in args.options:
            row.N = float(args.options["n"])
            row.bic = -2 * row.ll + math.log(row.N) * row.df
        rows.append(row)
    S = np.array([[r.N, r.ll0, r.ll, r.df, r.aic, r.bic] for r in rows])
    session.r = Returns(matrices={"S": StataMatrix(S, [r.name for r in rows],
                                                   ["N", "ll0", "ll", "df", "AIC", "BIC"])})
    return IcTable(rows, note="n" not in args.options)


# -------------------------------------------------------------------------------- table
def _split(name: str) -> tuple[str, str]:
    eq, _, nm = name.rpartition(":")
    return eq, nm


def _hidden(name: str) -> bool:
    """Base levels (`0b.sector`) and omitted terms (`o.` operators) are not listed."""
    return any(re.match(r"^\d+b\.|^\d*o\.|^o\.", part) for part in name.split("#"))


def _format_option(value, default: str) -> str:
    """`b` / `b(%9.3f)`: True for the bare option, else the format text."""
    if value is True or value is None:
        return default
    spec = str(value).strip()
    if not is_format(spec):
        raise StataError(120, "invalid %format")
    return spec


@sub("table", abbrev="tab", syntax="[anything] [, STATs(string) KEEP(string) DROP(string) *]",
     help="compare coefficients of stored results")
def estimates_table(session, args):
    names = _names(session, args.anything, ".")
    results = [session.estimates.get(n) for n in names]
    opts = args.options
    for word in opts:
        if word not in ("b", "se", "stats", "keep", "drop", "t", "p", "star", "eform"):
            raise StataError(198, f"option {word} not allowed")
    for word in ("t", "p", "eform"):
        if word in opts and opts[word] is not True:
            raise StataError(198, f"option {word}() not allowed")
    star = _star_levels(opts.get("star")) if "star" in opts else None
    if star and any(w in opts for w in ("se", "t", "p")):
        raise StataError(198, "option star not allowed with se, t, or p")
    eform = bool(opts.get("eform"))
    # single-equation results (regress, xtreg) line up with the first equation of
    # multi-equation ones (mixed's `depvar:`), as Stata matches first equations
    first_eq = next((_split(r.matrices["b"].colnames[0])[0] for r in results
                     if r.matrices["b"].colnames and ":" in r.matrices["b"].colnames[0]), "")
    order: list[tuple[str, str]] = []
    coefs: list[dict] = []
    for res in results:
        b = res.matrices["b"]
        V = res.matrices.get("V")
        df_r = res.scalars.get("df_r")
        d = {}
        for j, full in enumerate(b.colnames):
            key = _split(full)
            if not key[0] and first_eq:
                key = (first_eq, key[1])
            se = math.sqrt(V.values[j, j]) if V is not None and V.values[j, j] >= 0 else math.nan
            d[key] = _cell_stats(float(b.values[0, j]), se, df_r, eform, star)
            if key not in order and not _hidden(key[1]):
                order.append(key)
        coefs.append(d)
    # within an equation `_cons` comes last
    eqs = list(dict.fromkeys(eq for eq, _ in order))
    order = [k for eq in eqs for k in sorted((k for k in order if k[0] == eq),
                                              key=lambda k: k[1] == "_cons")]
    keep = args.options.get("keep", "").split()
    drop = args.options.get("drop", "").split()

    def selected(key) -> bool:
        full = f"{key[0]}:{key[1]}" if key[0] else key[1]
        if keep and key[1] not in keep and full not in keep:
            return False
        return not (key[1] in drop or full in drop)

    none = (None, None, None, None, "")
    rows = [TableRow(eq, nm, *([c.get((eq, nm), none)[i] for c in coefs] for i in range(5)))
            for eq, nm in order if selected((eq, nm))]
    stats = []
    for st in args.options.get("stats", "").replace(",", " ").split():
        values = []
        for res in results:
            if st in ("aic", "bic"):
                try:
                    r = ic_row(".", res)
                except StataError:      # no likelihood (xtreg, re): shown as "."
                    values.append(math.nan)
                    continue
                values.append({"aic": r.aic, "bic": r.bic}[st])
            else:
                v = res.scalars.get(st)
                values.append(None if v is None or isinstance(v, str) else float(v))
        stats.append((st, values))
    titles = ["Active" if n == "." else n for n in names]
    bfmt = _format_option(opts.get("b"), "%10.0g")
    sefmt = _format_option(opts.get("se"), bfmt)
    if "b" in opts or "se" in opts:
        # est_table.ado: 7 wide (9 with omitted terms) or the width of the formats given
        cw = max([7] + [int(re.match(r"%-?0?(\d+)", f).group(1))
                        for f, given in ((bfmt, "b" in opts and opts["b"] is not True),
                                         (sefmt, "se" in opts and opts["se"] is not True))
                        if given])
        if opts.get("b") is True or "b" not in opts:
            cw = max(cw, 10)
    else:
        cw = 10
    return EstimatesTable(titles, rows, show_se="se" in opts, stats=stats, cw=cw, bfmt=bfmt,
                          sefmt=sefmt, show_t="t" in opts, show_p="p" in opts, star=star)


def _star_levels(value) -> tuple[float, float, float]:
    """`star` alone: .05 .01 .001; `star(# # #)` three decreasing levels."""
    if value is True:
        return (.05, .01, .001)
    try:
        levels = tuple(float(x) for x in str(value).split())
    except ValueError:
        raise StataError(198, "option star() incorrectly specified") from None
    if len(levels) != 3 or not all(0 < x < 1 for x in levels) or \
            not levels[0] > levels[1] > levels[2]:
        raise StataError(198, "option star() incorrectly specified")
    return levels


def _cell_stats(b: float, se: float, df_r, eform: bool, star):
    """(b, se, t, p, stars) of one coefficient: t with e(df_r), else z; `eform` shows
    exp(b) with the delta-method se exp(b)*se (t and p stay those of b)."""
    from scipy import stats
    t = b / se if se > 0 else math.nan
    if math.isnan(t):
        p = math.nan
    elif df_r:
        p = float(2 * stats.t.sf(abs(t), df_r))
    else:
        p = float(2 * stats.norm.sf(abs(t)))
    if eform:
        b, se = math.exp(b), math.exp(b) * se
    stars = ""
    if star and not math.isnan(p):
        stars = "*" * sum(p < lv for lv in star)
    return b, se, t, p, stars
