"""Between matrices and variables ([P] matrix mkmat): `svmat` stores a matrix's columns as
variables, `mkmat` makes a matrix of variables."""
from __future__ import annotations

import numpy as np

from hlmshell.commands.matrix import NAME_RE, lookup
from hlmshell.commands.registry import command
from hlmshell.dataset.varlist import check_new_name
from hlmshell.errors import StataError
from hlmshell.matrix import StataMatrix


@command("svmat", syntax="anything [, Names(string)]", help="store a matrix as variables")
def svmat(session, args):
    """svmat [type] A [, names(col | eqcol | matcol | stub*)]"""
    words = args.anything.split()
    stype = "float"
    if len(words) == 2 and words[0] in ("float", "double"):
        stype, words = words[0], words[1:]
    if len(words) != 1:
        raise StataError(198, "invalid syntax")
    A = lookup(session, words[0])
    names = _names(words[0], A, (args.options.get("names") or "").strip())
    data = session.data
    for k, n in enumerate(names):
        check_new_name(n, data.names + names[:k])
    rows, cols = A.values.shape
    new = data.copy()
    if rows > new.nobs:                       # svmat adds the observations it needs
        for var in new.vars.values():
            pad = np.array([""] * (rows - new.nobs), dtype=object) if var.is_string else \
                np.full(rows - new.nobs, np.nan)
            var.values = np.concatenate([var.values, pad])
        new.nobs = rows
    for j, name in enumerate(names):
        col = np.full(new.nobs, np.nan)
        col[:rows] = A.values[:, j]
        new.add(name, col, stype)
    new.changed = True
    session.data = new


def _names(matname: str, A: StataMatrix, how: str) -> list[str]:
    cols = list(A.colnames)
    base = matname.strip()
    if base.startswith(("e(", "r(")):
        base = base[2:-1]
    if not how:
        return [f"{base}{j}" for j in range(1, len(cols) + 1)]
    if how == "col":
        return [c.rpartition(":")[2].replace(".", "_") for c in cols]
    if how == "eqcol":
        return [c.replace(":", "_").replace(".", "_") for c in cols]
    if how == "matcol":
        return [f"{base}{c.rpartition(':')[2]}".replace(".", "_") for c in cols]
    if how.endswith("*") and NAME_RE.match(how[:-1]):
        return [f"{how[:-1]}{j}" for j in range(1, len(cols) + 1)]
    words = how.split()
    if len(words) == len(cols):
        return words
    raise StataError(198, "names() invalid")


@command("mkmat", syntax="varlist [if] [in] [, Matrix(name) NOMissing ROWnames(varname)]",
         help="make a matrix from variables")
def mkmat(session, args):
    """mkmat varlist [if] [in] [, matrix(name) nomissing rownames(varname)]
        without matrix(), one column vector per variable, named after it"""
    data = session.data
    for v in args.varlist:
        if data.is_string(v):
            raise StataError(109, "type mismatch")
    use = args.touse(session)
    X = np.column_stack([np.asarray(data.column(v), float) for v in args.varlist])
    if args.options.get("nomissing"):
        use = use & ~np.isnan(X).any(axis=1)
    X = X[use]
    if not len(X):
        raise StataError(2000, "no observations")
    rn = args.options.get("rownames")
    if rn:
        col = data.column(rn)[use]
        rows = [str(v) if isinstance(v, str) else f"{v:g}" for v in col]
    else:
        rows = [f"r{k}" for k in range(1, len(X) + 1)]
    name = args.options.get("matrix")
    if name:
        session.matrices[name] = StataMatrix(X, rows, list(args.varlist))
        return
    for j, v in enumerate(args.varlist):
        session.matrices[v] = StataMatrix(X[:, [j]], rows, [v])
