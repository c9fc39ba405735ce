"""`matrix define | list | dir | drop` and `matrix A = expression`.

Matrix expressions: names, e(b) e(V) e(N_g) …, r(name), literals `(1,2\\3,4)`, numbers and
scalars, `+ - *`, `/ number`, unary minus, `'` (transpose), parentheses and the functions
J(r,c,v), I(n), inv(), invsym(), diag(), vecdiag().
"""
from __future__ import annotations

import re

import numpy as np

from hlmshell.commands.estat import split_subcommand
from hlmshell.commands.registry import Registry, command
from hlmshell.errors import StataError
from hlmshell.matrix import StataMatrix
from hlmshell.render.matrix import MatrixDir, MatrixListing
from hlmshell.render.formats import is_format

MAT = Registry("subcommand")
sub = MAT.command
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")
ASSIGN_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)(.*)$", re.S)


@command("matrix", abbrev="mat", syntax="raw", help="define, list, drop matrices")
def matrix(session, args):
    """matrix [define] A = matrix_expression | matrix list A | matrix dir | matrix drop names"""
    m = ASSIGN_RE.match(args.body)
    if m:  # `matrix A = ...` (define omitted)
        return define(session, m.group(1), m.group(2))
    word, body = split_subcommand(args.body)
    if not word:
        raise StataError(198, "invalid syntax")
    cmd = MAT.lookup(word)
    return cmd.handler(session, cmd.spec.bind(body, [], 0))


# ------------------------------------------------------------------------------ lookup
def lookup(session, name: str) -> StataMatrix:
    """A named matrix, or e(name) / r(name)."""
    m = re.match(r"^\s*([er])\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$", name)
    if m:
        kind, key = m.groups()
        if kind == "e":
            res = session.estimates.active
            mats = res.matrices if res is not None else {}
        else:
            mats = session.r.matrices
        if key not in mats:
            raise StataError(111, f"matrix {kind}({key}) not found")
        return _as_matrix(mats[key])
    name = name.strip()
    if name not in session.matrices:
        raise StataError(111, f"matrix {name} not found")
    return session.matrices[name]


def _as_matrix(m) -> StataMatrix:
    return m if isinstance(m, StataMatrix) else StataMatrix(np.asarray(m, dtype=float))


# ------------------------------------------------------------------------------ define
@sub("define", abbrev="def", syntax="raw", help="A = matrix expression")
def matrix_define(session, args):
    m = ASSIGN_RE.match(args.body)
    if not m:
        raise StataError(198, "invalid syntax")
    return define(session, m.group(1), m.group(2))


def define(session, name: str, text: str):
    if not NAME_RE.match(name):
        raise StataError(198, f"{name} invalid name")
    if not text.strip():
        raise StataError(198, "invalid syntax")
    value = MatrixExpr(session, text).parse()
    if not isinstance(value, StataMatrix):
        value = StataMatrix(np.array([[value]]), ["r1"], ["c1"])
    session.matrices[name] = value.copy()
    return None


# -------------------------------------------------------------------------------- list
@sub("list", abbrev="l", syntax="raw", help="display a matrix (or e(b), e(V), r(...))")
def matrix_list(session, args):
    from hlmshell.syntax.spec import parse_option_list, split_options
    main, opts = split_options(args.body)
    name = main.strip()
    if not name:
        raise StataError(198, "invalid syntax")
    spec, header = "%10.0g", True
    for word, arg in parse_option_list(opts or ""):
        if "format".startswith(word) and len(word) >= 3 and arg is not None:
            if not is_format(arg.strip()):
                raise StataError(120, "invalid %format")
            spec = arg.strip()
        elif "noheader".startswith(word) and len(word) >= 5:
            header = False
        else:
            raise StataError(198, f"option {word} not allowed")
    m = lookup(session, name)
    listing = MatrixListing(name, m, spec, int(session.settings.get("linesize", 79)))
    if not header:
        from hlmshell.render import to_text
        return "\n".join(line for k, line in enumerate(to_text(listing).split("\n")) if k != 1)
    return listing


# --------------------------------------------------------------------------------- dir
@sub("dir", abbrev="dir", syntax="", help="list the matrices defined")
def matrix_dir(session, args):
    return MatrixDir([(n, *m.values.shape) for n, m in reversed(list(session.matrices.items()))])


# -------------------------------------------------------------------------------- drop
@sub("drop", abbrev="drop", syntax="raw", help="drop matrices (or _all)")
def matrix_drop(session, args):
    names = args.body.split()
    if not names:
        raise StataError(198, "invalid syntax")
    if names == ["_all"]:
        session.matrices.clear()
        return None
    for n in names:
        if n not in session.matrices:
            raise StataError(111, f"matrix {n} not found")
    for n in names:
        del session.matrices[n]
    return None


# ------------------------------------------------------------------- rownames / colnames
def _set_names(session, body: str, which: str) -> None:
    m = ASSIGN_RE.match(body)
    if not m:
        raise StataError(198, "invalid syntax")
    mat = lookup(session, m.group(1)).copy()
    names = m.group(2).split()
    n = mat.values.shape[0 if which == "row" else 1]
    if len(names) != n:
        raise StataError(503, "conformability error")
    if which == "row":
        mat.rownames = names
    else:
        mat.colnames = names
    session.matrices[m.group(1)] = mat


@sub("rownames", abbrev="rown", syntax="raw", help="A = names")
def matrix_rownames(session, args):
    _set_names(session, args.body, "row")


@sub("colnames", abbrev="coln", syntax="raw", help="A = names")
def matrix_colnames(session, args):
    _set_names(session, args.body, "col")


# ---------------------------------------------------------------------- the expression
TOKEN_RE = re.compile(r"""\s*(?:
    (?P<range>\.\.)
  | (?P<num>(?:\d+(?:\.(?!\.)\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<ref>[er]\(\s*[A-Za-z_][A-Za-z0-9_]*\s*\))
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>[-+*/'(),\\\[\]])
)""", re.X)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, i = [], 0
    text = text.rstrip()
    while i < len(text):
        m = TOKEN_RE.match(text, i)
        if not m or m.end() == i:
            raise StataError(198, "invalid syntax")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        i = m.end()
    return out


class MatrixExpr:
    """Recursive descent: sum := prod (+|- prod)*; prod := unary (*|/ unary)*;
    unary := - unary | post; post := atom '*; atom := number | name | e()/r() | (…) | f(…)."""

    def __init__(self, session, text: str):
        self.session = session
        self.toks = _tokens(text)
        self.i = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self, value: str | None = None):
        tok = self.peek()
        if tok[0] is None or (value is not None and tok[1] != value):
            raise StataError(198, "invalid syntax")
        self.i += 1
        return tok

    def parse(self):
        value = self.join()
        if self.i != len(self.toks):
            raise StataError(198, "invalid syntax")
        return value

    def sum(self):
        left = self.prod()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            left = _add(left, self.prod(), op)
        return left

    def prod(self):
        left = self.unary()
        while self.peek()[1] in ("*", "/"):
            op = self.take()[1]
            right = self.unary()
            left = _mul(left, right) if op == "*" else _div(left, right)
        return left

    def unary(self):
        if self.peek()[1] == "-":
            self.take()
            return _neg(self.unary())
        if self.peek()[1] == "+":
            self.take()
            return self.unary()
        return self.post()

    def post(self):
        value = self.atom()
        while self.peek()[1] == "'":
            self.take()
            value = _transpose(value)
        return value

    def atom(self):
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if kind == "ref":
            return self.subscript(lookup(self.session, text).copy())
        if kind == "name":
            if self.peek()[1] == "(":
                return self.function(text)
            if text in self.session.matrices:
                return self.subscript(self.session.matrices[text].copy())
            value = self.session.scalars.get(text)
            if isinstance(value, (int, float)):
                return float(value)
            raise StataError(111, f"matrix {text} not found")
        if text == "(":
            value = self.join()
            self.take(")")
            return value
        raise StataError(198, "invalid syntax")

    def subscript(self, m: StataMatrix) -> StataMatrix:
        """`A[i,j]`, `A[i..k, j]`, `A[i, .]`... (1-based; `.`/empty = all)."""
        if self.peek()[1] != "[":
            return m
        self.take("[")
        rows = self._index(m.values.shape[0], ",")
        self.take(",")
        cols = self._index(m.values.shape[1], "]")
        self.take("]")
        return StataMatrix(m.values[np.ix_(rows, cols)], [m.rownames[i] for i in rows],
                           [m.colnames[j] for j in cols])

    def _index(self, n: int, stop: str) -> list[int]:
        if self.peek()[1] == stop:
            return list(range(n))
        first = int(_scalar(self.sum()))
        last = first
        if self.peek()[0] == "range":
            self.take()
            last = n if self.peek()[1] == stop else int(_scalar(self.sum()))
        if not 1 <= first <= last <= n:
            raise StataError(503, "conformability error")
        return list(range(first - 1, last))

    def join(self):
        """`A \\ B` stacks rows, `A, B` joins columns; `(1,2\\3,4)` is the same with numbers.
        Joined matrices keep their names; anything built from numbers gets r#/c# names."""
        rows = [self.row_join()]
        while self.peek()[1] == "\\":
            self.take()
            rows.append(self.row_join())
        if len(rows) == 1:
            return rows[0][0]
        parts = [_mat(r) for r, _ in rows]
        if len({p.values.shape[1] for p in parts}) != 1:
            raise StataError(503, "conformability error")
        named = all(n for _, n in rows)
        return StataMatrix(np.vstack([p.values for p in parts]),
                           [n for p in parts for n in p.rownames] if named else [],
                           list(parts[0].colnames) if named else [])

    def row_join(self) -> tuple:
        """(value, named): `named` is False when a number took part."""
        items = [self.sum()]
        while self.peek()[1] == ",":
            self.take()
            items.append(self.sum())
        named = all(isinstance(x, StataMatrix) for x in items)
        if len(items) == 1:
            return items[0], named
        parts = [_mat(x) for x in items]
        if len({p.values.shape[0] for p in parts}) != 1:
            raise StataError(503, "conformability error")
        return StataMatrix(np.hstack([p.values for p in parts]),
                           list(parts[0].rownames) if named else [],
                           [n for p in parts for n in p.colnames] if named else []), named

    def function(self, fname: str):
        self.take("(")
        args = [self.sum()]
        while self.peek()[1] == ",":
            self.take()
            args.append(self.sum())
        self.take(")")
        f = fname.lower()
        if f == "j" and len(args) == 3:
            r, c, v = (_scalar(a) for a in args)
            return StataMatrix(np.full((int(r), int(c)), v))
        if f == "i" and len(args) == 1:
            return StataMatrix(np.eye(int(_scalar(args[0]))))
        if f in ("inv", "invsym") and len(args) == 1:
            m = _mat(args[0])
            if m.values.shape[0] != m.values.shape[1]:
                raise StataError(503, "conformability error")
            try:
                vals = np.linalg.inv(m.values) if f == "inv" else np.linalg.pinv(m.values, hermitian=True)
            except np.linalg.LinAlgError:
                raise StataError(504, "matrix has missing values") from None
            return StataMatrix(vals, list(m.colnames), list(m.rownames), m.symmetric)
        if f == "vecdiag" and len(args) == 1:
            m = _mat(args[0])
            return StataMatrix(np.diag(m.values)[None, :], ["r1"], list(m.colnames))
        if f == "diag" and len(args) == 1:
            m = _mat(args[0])
            v = m.values.ravel()
            names = m.colnames if m.values.shape[0] == 1 else m.rownames
            return StataMatrix(np.diag(v), list(names), list(names), True)
        raise StataError(133, f"unknown function {fname}()")


def _scalar(x) -> float:
    if isinstance(x, StataMatrix):
        if x.values.shape != (1, 1):
            raise StataError(503, "conformability error")
        return float(x.values[0, 0])
    return float(x)


def _mat(x) -> StataMatrix:
    return x if isinstance(x, StataMatrix) else StataMatrix(np.array([[x]]))


def _add(a, b, op: str):
    sign = 1.0 if op == "+" else -1.0
    if not isinstance(a, StataMatrix) and not isinstance(b, StataMatrix):
        return a + sign * b
    if not (isinstance(a, StataMatrix) and isinstance(b, StataMatrix)) \
            or a.values.shape != b.values.shape:
        raise StataError(503, "conformability error")
    return StataMatrix(a.values + sign * b.values, list(a.rownames), list(a.colnames),
                       a.symmetric and b.symmetric)


def _mul(a, b):
    if not isinstance(a, StataMatrix) and not isinstance(b, StataMatrix):
        return a * b
    if not isinstance(a, StataMatrix):
        return StataMatrix(a * b.values, list(b.rownames), list(b.colnames), b.symmetric)
    if not isinstance(b, StataMatrix):
        return StataMatrix(a.values * b, list(a.rownames), list(a.colnames), a.symmetric)
    if a.values.shape[1] != b.values.shape[0]:
        if a.values.shape == (1, 1):
            return _mul(float(a.values[0, 0]), b)
        if b.values.shape == (1, 1):
            return _mul(a, float(b.values[0, 0]))
        raise StataError(503, "conformability error")
    return StataMatrix(a.values @ b.values, list(a.rownames), list(b.colnames))


def _div(a, b):
    if isinstance(b, StataMatrix):
        b = _scalar(b)
    if b == 0:
        raise StataError(504, "matrix has missing values")
    return a / b if not isinstance(a, StataMatrix) else _mul(a, 1.0 / b)


def _neg(a):
    return _mul(-1.0, a) if isinstance(a, StataMatrix) else -a


def _transpose(a):
    if not isinstance(a, StataMatrix):
        return a
    return StataMatrix(a.values.T.copy(), list(a.colnames), list(a.rownames), a.symmetric)
