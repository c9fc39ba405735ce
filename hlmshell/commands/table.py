"""table: Stata 17's table of frequencies and summary statistics ([R] table).

The handler parses (commands/table_parse.py), computes every cell with one grouped pass per
totals pattern (dataset/groupstats.py) and returns `render.collect_table.TableOutput`: the
row stubs, the column header spans and the numbers with their formats.

Layout rules (Stata 17's default table style):
- rows: a row variable prints its label (or name), then its levels indented by 2; a nested
  variable or the statistics go under each level, indented 2 more; `Total` closes each
  block. The `var` and `result` dimensions print no header of their own.
- columns: a column variable gives two header rows, its label centred over its columns and
  its levels; `Total` is the last column.
- statistics: without column variables they are the columns (`Frequency`, `Mean`, ...);
  with column variables they stack in the rows under each row level, and a single statistic
  is not labelled at all. Several variables in statistic() add a `var` dimension beside
  the statistics (statistics outer, unconfirmed), hidden while there is only one.
Stata 17 keeps its results in a collection, not in r(): table leaves r() as it was.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.commands.table_parse import TableCall, parse_call, stat_label
from hlmshell.dataset.groupstats import group_stats
from hlmshell.errors import StataError
from hlmshell.render.collect_table import Cell, HeaderSpan, TableGrid, TableOutput
from hlmshell.syntax.spec import bind_if_in, clauses, split_options, split_weight

TOTAL = -1                 # the key of a Total level
MAX_LEVELS = 12000         # levels of one variable (tabulate's one-way limit, r(134))
MAX_CELLS = 1_000_000      # rows x columns of one table, r(134) (unconfirmed for table)
DEFAULT_NFORMAT = {"frequency": "%9.0fc", "percent": "%9.2f"}   # else %9.0g


@dataclass
class Dim:
    kind: str              # "data", "result", "var"
    name: str
    title: str
    keys: list             # level keys: level indices (data), statistics, variable names
    labels: list[str]
    total: bool = False
    shown: bool = True


class Grid:
    """The numbers of one table call: per totals pattern, the groups and their stats."""

    def __init__(self, codes: dict[str, np.ndarray], nlev: dict[str, int], stats, values,
                 weights):
        self.codes, self.nlev, self.stats = codes, nlev, stats
        self.values, self.weights = values, weights
        self.cache: dict[tuple, tuple[dict, dict]] = {}
        self.var_caches: dict[str, dict] = {}

    def pattern(self, dims: tuple[str, ...]):
        """(level tuple → group index, (stat, var) → array over groups) for grouping by dims."""
        if dims not in self.cache:
            n = len(next(iter(self.values.values()))) if self.values else self._n()
            if dims:
                combined = np.zeros(n, dtype=np.int64)
                for d in dims:
                    combined = combined * self.nlev[d] + self.codes[d]
                uniq, inv = _compact(combined, int(np.prod([self.nlev[d] for d in dims],
                                                          dtype=float)))
                keys = []
                rest = uniq.copy()
                for d in reversed(dims):
                    keys.append(rest % self.nlev[d])
                    rest //= self.nlev[d]
                keys = list(zip(*[k.tolist() for k in reversed(keys)]))
            else:
                inv, keys = np.zeros(n, dtype=np.int64), [()]
            G = len(keys)
            index = {k: i for i, k in enumerate(keys)}
            out = {}
            w = self.weights
            caches: dict = {}
            for stat, var in self.stats:
                if stat in ("frequency", "percent"):
                    f = np.bincount(inv, weights=w, minlength=G).astype(float)
                    out[(stat, var)] = f
                else:
                    s = "sum" if stat == "total" else stat
                    out[(stat, var)] = group_stats(s, self.values[var], inv, G, w,
                                                   caches.setdefault(var, {}),
                                                   self.var_caches.setdefault(var, {}))
            self.cache[dims] = (index, out)
        return self.cache[dims]

    def _n(self) -> int:
        return len(next(iter(self.codes.values())))


def _compact(combined: np.ndarray, span: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct codes in order and each row's index among them: a bincount when the
    code range is small (no sort), else np.unique."""
    if span <= 4 * len(combined) + 1024:
        present = np.bincount(combined, minlength=span) > 0
        uniq = np.flatnonzero(present)
        remap = np.cumsum(present) - 1
        return uniq, remap[combined]
    uniq, inv = np.unique(combined, return_inverse=True)
    return uniq, inv.ravel()


def _levels(data, name: str, rows: np.ndarray):
    """Each selected row's level code (0..L-1, sorted order) and the level texts."""
    from hlmshell.commands.tabulate import _levels as tab_levels, _value_texts
    var = data.var(name)
    if not var.is_string:
        x = np.asarray(var.values, dtype=float)[rows]
        if len(x) and np.isfinite(x).all():
            lo, hi = x.min(), x.max()
            if hi - lo < 1e6 and (x == np.floor(x)).all():
                # small integer codes (the usual categorical variable): no sort
                k = (x - lo).astype(np.int64)
                uniq, codes = _compact(k, int(hi - lo) + 1)
                return codes, _value_texts(data, var, uniq + lo)
    ids, labels = tab_levels(data, name, rows.copy())
    # level codes 0..L-1 in the labels' (sorted) order, whatever base group_ids used
    return np.unique(np.asarray(ids), return_inverse=True)[1].ravel().astype(np.int64), labels


def _valid(path: dict, observed) -> bool:
    """A path naming a statistic and a variable names one that statistic() asked for."""
    if "result" in path and "var" in path:
        return (path["result"], path["var"]) in observed["combos"]
    return True


def _sample(session, args, call: TableCall, data_vars: list[str]):
    rows = args.touse(session)
    weights = None
    if args.weight is not None:
        from hlmshell.commands.est_common import check_weights, weights as eval_weights
        kind, w, _ = eval_weights(session, args, allowed=("fweight",), default="fweight")
        check_weights(kind, w)
        rows &= ~np.isnan(w) & (w > 0)
        weights = w
    if not call.missing:
        for v in data_vars:
            col = session.data.column(v)
            rows &= (col != "") if col.dtype == object else ~np.isnan(col)
    return rows, weights


def _stat_dims(call: TableCall, data, explicit: set[str]) -> tuple[Dim, Dim]:
    stats = list(dict.fromkeys(s for s, _ in call.stats))
    vars_ = list(dict.fromkeys(v for _, v in call.stats))
    result = Dim("result", "result", "", stats, [stat_label(s) for s in stats])
    var_labels = [(data.var(v).label or v) if v else "" for v in vars_]
    var = Dim("var", "var", "", vars_, var_labels)
    real_vars = [v for v in vars_ if v is not None]
    var.shown = "var" in explicit or len(real_vars) > 1
    return result, var


def _place(call: TableCall, data) -> tuple[list[list[Dim]], list[str]]:
    """The three axes as Dim lists (data dims get their levels later)."""
    explicit = {w for axis in call.axes for w in axis if w in ("var", "result")}
    result, var = _stat_dims(call, data, explicit)
    axes: list[list[Dim]] = []
    data_vars = []
    for axis in call.axes:
        dims = []
        for name in axis:
            if name == "result":
                dims.append(result)
            elif name == "var":
                dims.append(var)
            else:
                v = data.var(name)      # a string variable's levels are its texts
                dims.append(Dim("data", name, v.label or name, [], []))
                data_vars.append(name)
        axes.append(dims)
    rows, cols = axes[0], axes[1]
    has_cols = any(d.kind == "data" for d in cols)
    if "result" not in explicit:
        if not has_cols:
            cols.append(result)        # Frequency / Mean ... as the columns
        else:
            result.shown = len(result.keys) > 1
            rows.append(result)
    if "var" not in explicit:
        (cols if result in cols else rows).insert(
            (cols if result in cols else rows).index(result), var)
    # rows with nothing to show would be no table: show the statistics there
    if not any(d.shown for d in rows) and result in rows:
        result.shown = True
    return axes, data_vars


def _walk(dims: list[Dim], observed, zerocounts: bool, prefix=(), depth=0, indent=0):
    """Row stubs: (indent, label, path or None); a path maps dim name → key."""
    if depth == len(dims):
        return [(indent, "", dict(prefix))]
    out = []
    d = dims[depth]
    last = all(not x.shown for x in dims[depth + 1:])
    if not d.shown:        # a hidden dimension (one level) adds nothing to the path
        return _walk(dims, observed, zerocounts, prefix, depth + 1, indent)
    if d.kind != "data":
        for key, label in zip(d.keys, d.labels):
            p = prefix + ((d.name, key),)
            if not _valid(dict(p), observed):
                continue
            if last:
                out.append((indent, label, dict(p)))
            else:
                out.append((indent, label, None))
                out += _walk(dims, observed, zerocounts, p, depth + 1, indent + 2)
        return out
    out.append((indent, d.title, None))
    data_prefix = tuple(k for n, k in prefix if k is not None and n in observed["names"])
    for key, label in enumerate(d.labels):
        if not zerocounts and (data_prefix + (key,)) not in observed[len(data_prefix) + 1]:
            continue
        p = prefix + ((d.name, key),)
        out += _sub(dims, observed, zerocounts, p, depth, indent, label, last)
    if d.total:
        p = prefix + tuple((x.name, TOTAL) for x in dims[depth:] if x.kind == "data")
        rest = [x for x in dims[depth + 1:] if x.kind != "data"]
        if rest and any(x.shown for x in rest):
            out.append((indent + 2, "Total", None))
            out += _walk(rest, observed, zerocounts, p, 0, indent + 4)
        else:
            out.append((indent + 2, "Total", dict(p)))
    return out


def _sub(dims, observed, zerocounts, p, depth, indent, label, last):
    if last:
        return [(indent + 2, label, dict(p))]
    return [(indent + 2, label, None)] + _walk(dims, observed, zerocounts, p, depth + 1,
                                               indent + 4)


def _columns(dims: list[Dim], observed, zerocounts: bool):
    """Leaf column paths and the header rows as spans."""
    header: list[list[HeaderSpan]] = []

    def expand(paths, d: Dim):
        out = []
        for path in paths:
            if d.kind != "data":
                if not d.shown:
                    out.append((path, ""))
                    continue
                out += [({**path, d.name: k}, lab) for k, lab in zip(d.keys, d.labels)
                        if _valid({**path, d.name: k}, observed)]
                continue
            if any(v == TOTAL for n, v in path.items() if n in observed["names"]):
                out.append(({**path, d.name: TOTAL}, ""))
                continue
            prefix = tuple(v for n, v in path.items() if n in observed["names"])
            for key, lab in enumerate(d.labels):
                if zerocounts or (prefix + (key,)) in observed[len(prefix) + 1]:
                    out.append(({**path, d.name: key}, lab))
            if d.total:
                out.append(({**path, d.name: TOTAL}, "Total"))
        return out

    levels = []          # per dim: list of (path, label) after expanding it
    paths = [{}]
    for d in dims:
        pairs = expand(paths, d)
        levels.append(pairs)
        paths = [p for p, _ in pairs]
    leaves = paths
    ncols = len(leaves)

    # first and last leaf under every path prefix (leaves share their dims' order, and the
    # leaves under one prefix are contiguous): one pass, not a search per header
    spans: dict[tuple, list[int]] = {}
    for i, leaf in enumerate(leaves):
        items = tuple(leaf.items())
        for m in range(len(items) + 1):
            spans.setdefault(items[:m], [i, i])[1] = i

    def span(path_prefix: dict) -> tuple[int, int]:
        first, last = spans[tuple(path_prefix.items())]
        return first, last

    for d, pairs in zip(dims, levels):
        if not d.shown:
            continue
        if d.kind == "data":
            parents: dict[tuple, dict] = {}
            for path, _ in pairs:
                parent = {n: v for n, v in path.items() if n != d.name}
                if not any(v == TOTAL for n, v in parent.items() if n in observed["names"]):
                    parents.setdefault(tuple(parent.items()), parent)
            header.append([HeaderSpan(*span(p), d.title) for p in parents.values()])
        header.append([HeaderSpan(*span(path), lab) for path, lab in pairs if lab])
    return leaves, header, ncols


def _format_for(call: TableCall, stat: str, var: str | None) -> tuple[str, str | None]:
    nfmt = DEFAULT_NFORMAT.get(stat, "%9.0g")
    sfmt = None
    for spec, stats, vars_ in call.nformats:
        if (stats is None or stat in stats) and (vars_ is None or var in vars_):
            nfmt = spec
    for spec, stats, vars_ in call.sformats:
        if (stats is None or stat in stats) and (vars_ is None or var in vars_):
            sfmt = spec
    return nfmt, sfmt


@command("table", syntax="raw", help="table of frequencies and summary statistics (Stata 17)")
def table(session, args):
    """table [(rowvars) [(colvars) [(tabvars)]]] [if] [in] [fweight] [, statistic(stat
        [varlist]) ... totals(varlist) nototals nformat(%fmt [stats] [varlist])
        sformat("fmt" [stats]) missing zerocounts]"""
    data = session.data
    main, options = split_options(args.anything)
    main, args.weight = split_weight(main, default="fweight")
    main, found = clauses(main)
    if "using" in found:
        raise StataError(101, "using not allowed")
    bind_if_in(args, found, data.nobs)
    call = parse_call(main, options, data.names)
    for stat, var in call.stats:
        if var is not None and data.var(var).is_string:
            raise StataError(109, f"string variables not allowed in statistic();\n"
                                  f"{var} is a string variable")
    axes, data_vars = _place(call, data)
    rows, weights = _sample(session, args, call, data_vars)
    if not rows.any():
        raise StataError(2000, "no observations")
    codes, nlev = {}, {}
    for axis in axes:
        for d in axis:
            if d.kind != "data":
                continue
            ids, labels = _levels(data, d.name, rows)
            if len(labels) > MAX_LEVELS:
                raise StataError(134, f"too many values of {d.name}")
            codes[d.name], nlev[d.name] = ids, len(labels)
            d.keys, d.labels = list(range(len(labels))), labels
            d.total = call.totals is None or d.name in call.totals
    values = {v: np.asarray(data.column(v), dtype=float)[rows]
              for _, v in call.stats if v is not None}
    w = weights[rows] if weights is not None else None
    grid = Grid(codes, nlev, call.stats, values, w)
    if not codes and not values:
        grid.codes = {"_n": np.zeros(int(rows.sum()), dtype=np.int64)}
        grid.nlev = {"_n": 1}
    total_n = float(w.sum()) if w is not None else float(rows.sum())
    row_data = [d.name for d in axes[0] if d.kind == "data"]
    col_data = [d.name for d in axes[1] if d.kind == "data"]

    def observed_sets(dnames):
        obs = {"names": set(dnames), "combos": set(call.stats)}
        for k in range(1, len(dnames) + 1):
            obs[k] = set(grid.pattern(tuple(dnames[:k]))[0])
        return obs

    tab_dims = [d for d in axes[2] if d.kind == "data"]
    if tab_dims:
        tab_keys = sorted(grid.pattern(tuple(d.name for d in tab_dims))[0])
    else:
        tab_keys = [()]
    grids = []
    for tkey in tab_keys:
        fixed = dict(zip([d.name for d in tab_dims], tkey))
        title = None
        if tab_dims:
            title = ", ".join(f"{d.title} = {d.labels[k]}" for d, k in zip(tab_dims, tkey))
        grids.append(_one_table(call, axes, grid, fixed, title, row_data, col_data,
                                total_n, observed_sets))
    return TableOutput(grids)


def _one_table(call, axes, grid, fixed, title, row_data, col_data, total_n, observed_sets):
    tnames = tuple(fixed)
    row_obs = observed_sets(list(tnames) + row_data) if tnames else observed_sets(row_data)
    col_obs = observed_sets(list(tnames) + col_data) if tnames else observed_sets(col_data)
    prefix = tuple(fixed.items())
    stubs = _walk(axes[0], row_obs, call.zerocounts, prefix=prefix)
    stubs = [(i, lab, p) for i, lab, p in stubs]
    leaves, header, ncols = _columns_with(axes[1], col_obs, call.zerocounts, fixed)
    if len(stubs) * max(ncols, 1) > MAX_CELLS:
        raise StataError(134, "too many cells; the table has more than 1,000,000")
    all_data = [d.name for axis in axes for d in axis if d.kind == "data"]
    body = []
    for indent, label, path in stubs:
        if path is None:
            body.append((indent, label, None))
            continue
        cells = []
        for leaf in leaves:
            full = {**path, **leaf}
            cells.append(_cell(call, grid, full, all_data, total_n))
        body.append((indent, label, cells))
    return TableGrid(title=title, header=header, rows=body, ncols=ncols)


def _columns_with(dims, observed, zerocounts, fixed):
    if not dims or not any(d.shown for d in dims):
        # one column (or a hidden dim's single level)
        return [{}], [], 1
    if fixed:
        observed = dict(observed)
        k0 = tuple(fixed.values())
        names = observed["names"] - set(fixed)
        sub = {"names": names, "combos": observed["combos"]}
        for k, keys in observed.items():
            if isinstance(k, int) and k > len(k0):
                sub[k - len(k0)] = {t[len(k0):] for t in keys if t[:len(k0)] == k0}
        observed = sub
    leaves, header, ncols = _columns(dims, observed, zerocounts)
    return leaves, header, ncols


def _cell(call, grid, full: dict, all_data: list[str], total_n: float):
    pairs = call.stats
    if "result" in full:
        pairs = [p for p in pairs if p[0] == full["result"]]
    if "var" in full:
        pairs = [p for p in pairs if p[1] == full["var"]]
    if not pairs:
        return None         # a statistic not asked of this variable: an empty cell
    stat, var = pairs[0]
    dims = tuple(n for n in all_data if full.get(n, TOTAL) != TOTAL)
    index, out = grid.pattern(dims) if dims else grid.pattern(())
    key = tuple(full[n] for n in dims)
    g = index.get(key)
    if g is None:
        return None
    value = float(out[(stat, var)][g])
    if stat == "percent":
        value = 100.0 * value / total_n if total_n else float("nan")
    nfmt, sfmt = _format_for(call, stat, var)
    return Cell(value, nfmt, sfmt)


__all__ = ["table"]
