"""Expression AST (hlmshell.syntax.expr) -> numpy values, with Stata's missing-value rules.

``evaluate(node, ctx)`` returns a new float64 array over the observations (NaN is
missing) or an object array of str; ``evaluate(node, ctx, scalar=True)`` returns a Python
float or str (what ``display`` and ``scalar`` need: a variable then means its first
observation, ``_n`` is 1).

Rules implemented (Stata [U] 13):
- missing (.) is larger than every number: ``x > 5`` is true for missing x, ``x < .``
  means "x is not missing";  ``.a``..``.z`` are NaNs with a payload (dataset/missing.py):
  numbers < . < .a < ... < .z, and each equals only itself;
- arithmetic with missing gives missing; division by zero, domain errors and overflow
  give missing;
- relational and logical operators give 0/1; logical operators treat any nonzero value,
  missing included, as true; ``!x`` is 1 only when x is 0;
- ``+`` joins strings, ``*`` repeats a string; mixing strings and numbers elsewhere is
  r(109) "type mismatch";
- a name is a variable (exact name, then unique abbreviation) before it is a scalar, as in
  Stata; ``scalar(name)`` always means the scalar.

ctx (the Session, duck-typed) attributes used: ``data`` (``nobs``, ``names``,
``column(name)``, ``is_string(name)``; optional ``filename``, ``changed``), ``scalars``,
``matrices``, ``r`` (``scalars``, ``macros``, ``matrices``), ``estimates.active`` (None or
``scalars``, ``macros``, ``matrices``, ``sample``), ``rc``, optional ``settings``
(``level``, ``linesize``, ``varabbrev``), optional ``rng`` (the numpy Generator the
random-number functions draw from).
"""
from __future__ import annotations

import datetime as _dt
import math
import os
import re

import numpy as np

from hlmshell.errors import StataError
from hlmshell.syntax.command_line import STATA_VERSION
from hlmshell.syntax import expr as ast
from hlmshell.dataset.functions import lookup, is_string_array
from hlmshell.dataset.missing import order_keys, value as missing_value

MAX_STRLEN = 2_000_000_000  # Stata's longest string (a strL); "a" * 1e300 must not be tried

__all__ = ["evaluate", "resolve_variable", "c_value"]


def _mismatch() -> StataError:
    return StataError(109, "type mismatch")


def _num(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return np.where(np.isfinite(x), x, np.nan)


def _const(value) -> np.ndarray:
    """A Python float/int/str as a 0-d array (float64 or object)."""
    if isinstance(value, str):
        return np.array(value, dtype=object)
    if value is None:
        return np.float64(np.nan)
    return _num(float(value))


def _settings(ctx) -> dict:
    s = getattr(ctx, "settings", None)
    return s if isinstance(s, dict) else {}


def resolve_variable(name: str, names, *, abbrev: bool = True) -> str | None:
    """The variable ``name`` refers to: the exact name, else the unique variable it
    abbreviates; None when there is none; r(111) when the abbreviation is ambiguous."""
    if name in names:
        return name
    if not abbrev:
        return None
    hits = [v for v in names if v.startswith(name)]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise StataError(111, f"{name} ambiguous abbreviation")
    return None


def _coef_key(name: str) -> str:
    """A coefficient name without base/omitted markers: 0b.sector -> 0.sector,
    o.x -> x, so _b[0.sector] finds the column Stata names 0b.sector."""
    name = re.sub(r"(?<![A-Za-z0-9_])(\d+)[bno]+\.", r"\1.", name)
    name = re.sub(r"(?<![A-Za-z0-9_])co\.", "c.", name)
    return re.sub(r"(?<![A-Za-z0-9_])o\.", "", name)


_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _seed(ctx) -> str:
    rng = getattr(ctx, "rng", None)
    if rng is None:
        return ""
    from hlmshell.dataset.rng_state import encode
    return encode(rng)


def c_value(name: str, ctx):
    """The value of c(name): a float or a str; missing for names not known here."""
    data = getattr(ctx, "data", None)
    settings = _settings(ctx)
    now = _dt.datetime.now()
    table = {
        "N": lambda: float(data.nobs) if data is not None else 0.0,
        "k": lambda: float(len(data.names)) if data is not None else 0.0,
        "pi": lambda: math.pi,
        "level": lambda: float(settings.get("level", 95)),
        "linesize": lambda: float(settings.get("linesize", 80)),
        "rc": lambda: float(getattr(ctx, "rc", 0)),
        "maxdouble": lambda: 8.9884656743115795e307,
        "mindouble": lambda: -1.7976931348623157e308,
        "epsdouble": lambda: 2.220446049250313e-16,
        "epsfloat": lambda: 1.1920928955078125e-07,
        "current_date": lambda: f"{now.day:2d} {_MONTHS[now.month - 1]} {now.year}",
        "current_time": lambda: now.strftime("%H:%M:%S"),
        "filename": lambda: str(getattr(data, "filename", "") or ""),
        "changed": lambda: float(bool(getattr(data, "changed", False))),
        "pwd": os.getcwd,
        "os": lambda: "Unix",
        "varabbrev": lambda: "on" if settings.get("varabbrev", True) else "off",
        "seed": lambda: _seed(ctx),
        "maxvar": lambda: float(settings.get("maxvar", 5000)),   # not enforced here
        "matsize": lambda: float(settings.get("matsize", 400)),  # nor this
        "type": lambda: str(settings.get("type", "float")),
        "version": lambda: float(settings.get("version", STATA_VERSION)),   # `version #`
        "stata_version": lambda: STATA_VERSION,     # the Stata whose behaviour we follow
        "more": lambda: str(settings.get("more", "off")),
        "dirsep": lambda: "/",
        "max_N_theory": lambda: 2147483647.0,
        "maxstrvarlen": lambda: 2045.0,
        "alpha": lambda: "a b c d e f g h i j k l m n o p q r s t u v w x y z",
        "Mons": lambda: " ".join(_MONTHS),
    }
    fn = table.get(name)
    return fn() if fn is not None else math.nan


def group_bounds(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For by-groups that are runs of equal ids (the data sorted by them): each row's
    group start (0-based row) and group size."""
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    new = np.r_[True, groups[1:] != groups[:-1]]
    starts = np.flatnonzero(new)
    sizes = np.diff(np.r_[starts, n])
    run = np.cumsum(new) - 1
    return starts[run], sizes[run]


class _Evaluator:
    def __init__(self, ctx, scalar: bool, groups: np.ndarray | None = None):
        self.ctx = ctx
        self.scalar = scalar
        self.data = getattr(ctx, "data", None)
        self.nobs = int(self.data.nobs) if self.data is not None else 0
        self.n = 1 if scalar else self.nobs
        # by-groups: _n, _N and x[exp] count within each row's group
        self._groups = None if scalar else groups
        self._bounds = None

    @property
    def start(self):
        return self.bounds()[0]

    @property
    def size(self):
        return self.bounds()[1]

    def bounds(self):
        """Each row's by-group start and size (None, None without groups); computed on
        first use, since only _n, _N and subscripts need them."""
        if self._groups is None:
            return None, None
        if self._bounds is None:
            self._bounds = group_bounds(np.asarray(self._groups))
        return self._bounds

    # ---------------------------------------------------------------- dispatch
    def eval(self, node) -> np.ndarray:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise StataError(198, "invalid syntax")
        return method(node)

    def numeric(self, node) -> np.ndarray:
        v = self.eval(node)
        if is_string_array(v):
            raise _mismatch()
        return v

    # ---------------------------------------------------------------- leaves
    def _Number(self, node):
        return np.float64(node.value)

    def _Missing(self, node):
        return np.float64(missing_value(node.kind))

    def _String(self, node):
        return np.array(node.value, dtype=object)

    def _SystemRef(self, node):
        if node.name == "_n":
            if self.start is not None:
                return (np.arange(self.n) - self.start + 1).astype(float)
            return np.arange(1, self.n + 1, dtype=float)
        if node.name == "_N":
            if self.size is not None:
                return self.size.astype(float)
            return np.float64(self.nobs)
        if node.name == "_pi":
            return np.float64(math.pi)
        return np.float64(getattr(self.ctx, "rc", 0))

    def _names(self):
        return list(self.data.names) if self.data is not None else []

    def _column(self, var: str) -> np.ndarray:
        col = np.asarray(self.data.column(var))
        if self.data.is_string(var):
            col = col.astype(object)
            if self.scalar:
                return np.array(col[0] if len(col) else "", dtype=object)
            return col
        col = np.asarray(col, dtype=float)
        if self.scalar:
            return np.float64(col[0] if len(col) else np.nan)
        return col

    def _Name(self, node):
        name = node.name
        scalars = getattr(self.ctx, "scalars", {}) or {}
        abbrev = bool(_settings(self.ctx).get("varabbrev", True))
        try:
            var = resolve_variable(name, self._names(), abbrev=abbrev)
        except StataError:
            if name in scalars:
                return _const(scalars[name])
            raise
        if var is not None:
            return self._column(var)
        if name in scalars:
            return _const(scalars[name])
        raise StataError(111, f"variable {name} not found")

    def _TsName(self, node):
        from hlmshell.dataset.timeseries import apply, parse_ops
        var = resolve_variable(node.name, self._names(),
                               abbrev=bool(_settings(self.ctx).get("varabbrev", True)))
        if var is None:
            raise StataError(111, f"variable {node.name} not found")
        if self.data.is_string(var):
            raise _mismatch()
        out = apply(self.data, parse_ops(node.ops), self.data.column(var))
        return out[:1] if self.scalar else out

    # ---------------------------------------------------------------- stored results
    def _result_set(self, kind: str):
        if kind == "r":
            return getattr(self.ctx, "r", None)
        est = getattr(self.ctx, "estimates", None)
        return getattr(est, "active", None) if est is not None else None

    def _Returns(self, node):
        if node.kind == "c":
            return _const(c_value(node.name, self.ctx))
        res = self._result_set(node.kind)
        if node.kind == "e" and node.name == "sample":
            sample = None
            if res is not None and getattr(res, "sample", None) is not None \
                    and self.data is not None:
                from hlmshell.estimates.esample import esample
                sample = esample(res, self.data)      # follows the rows through sorts
            full = np.zeros(self.nobs) if sample is None else sample.astype(float)
            if self.scalar:
                return np.float64(full[0] if len(full) else 0.0)
            return full
        if res is None:
            return np.float64(np.nan)
        if node.name in (getattr(res, "scalars", None) or {}):
            return _const(res.scalars[node.name])
        if node.name in (getattr(res, "macros", None) or {}):
            return np.array(str(res.macros[node.name]), dtype=object)
        if node.name in (getattr(res, "matrices", None) or {}):
            raise StataError(509, "matrix operators that return matrices not allowed in this context")
        return np.float64(np.nan)

    def matrix(self, node):
        """The StataMatrix a node names: M, e(b), r(table), or "M"."""
        if isinstance(node, ast.Name) or isinstance(node, ast.String):
            name = node.name if isinstance(node, ast.Name) else node.value
            mats = getattr(self.ctx, "matrices", {}) or {}
            if name not in mats:
                raise StataError(111, f"matrix {name} not found")
            return mats[name]
        if isinstance(node, ast.Returns) and node.kind in ("r", "e"):
            res = self._result_set(node.kind)
            mats = (getattr(res, "matrices", None) or {}) if res is not None else {}
            if node.name not in mats:
                raise StataError(111, f"matrix {node.kind}({node.name}) not found")
            return mats[node.name]
        raise StataError(198, "invalid syntax")

    def _Coef(self, node):
        """_b[name] / _se[name] from the active e(b) / e(V)."""
        res = self._result_set("e")
        mats = (getattr(res, "matrices", None) or {}) if res is not None else {}
        if "b" not in mats:
            raise StataError(301, "last estimates not found")
        b = mats["b"]
        cols = [_coef_key(c) for c in b.colnames]
        want = _coef_key(node.name)
        if want.startswith("/") and ":" not in want:   # `/var(_cons[id])`: equation "/"
            want = "/:" + want[1:]
        if ":" in want.split("(")[0]:
            hits = [i for i, c in enumerate(cols) if c == want]
        else:
            hits = [i for i, c in enumerate(cols) if c.split(":")[-1] == want]
        if not hits:
            raise StataError(111, f"[{_coef_key(node.name)}] not found")
        j = hits[0]
        if node.kind == "b":
            return _num(b.values[0, j])
        if "V" not in mats:
            raise StataError(301, "last estimates not found")
        return _num(math.sqrt(mats["V"].values[j, j]))

    # ---------------------------------------------------------------- subscripts
    def _Index(self, node):
        if node.col is None:
            return self._explicit_subscript(node)
        m = self.matrix(node.target)
        r = self._subscript(node.row, m.rownames, axis=0, size=m.values.shape[0])
        c = self._subscript(node.col, m.colnames, axis=1, size=m.values.shape[1])
        return _num(m.values[r, c])

    def _subscript(self, node, names, axis, size):
        v = self.eval(node)
        if is_string_array(v):
            v = np.asarray(v, dtype=object)
            want = v.reshape(-1)[0] if v.size else ""
            for i, nm in enumerate(names):
                if nm == want or nm.split(":")[-1] == want:
                    return i
            raise StataError(111, f"{want} not found")
        v = np.trunc(np.asarray(v, dtype=float))
        if np.any(np.isnan(v)) or np.any(v < 1) or np.any(v > size):
            raise StataError(503, "conformability error")
        return v.astype(int) - 1

    def _explicit_subscript(self, node):
        """x[exp]: the value of x in observation exp (1-based); missing out of range."""
        if not isinstance(node.target, ast.Name):
            raise StataError(198, "invalid syntax")
        abbrev = bool(_settings(self.ctx).get("varabbrev", True))
        var = resolve_variable(node.target.name, self._names(), abbrev=abbrev)
        if var is None:
            raise StataError(111, f"variable {node.target.name} not found")
        col = np.asarray(self.data.column(var))
        is_str = self.data.is_string(var)
        idx = np.trunc(self.numeric(node.row))
        if self.start is not None:   # within the row's by-group
            ok = ~np.isnan(idx) & (idx >= 1) & (idx <= self.size)
            pos = np.where(ok, idx + self.start, 1).astype(np.int64) - 1
        else:
            ok = ~np.isnan(idx) & (idx >= 1) & (idx <= self.nobs)
            pos = np.where(ok, idx, 1).astype(np.int64) - 1
        if self.nobs == 0:
            return np.where(ok, "", "").astype(object) if is_str else np.where(ok, np.nan, np.nan)
        if is_str:
            return np.where(ok, col.astype(object)[pos], "").astype(object)
        return np.where(ok, np.asarray(col, dtype=float)[pos], np.nan)

    # ---------------------------------------------------------------- calls
    def _Call(self, node):
        if node.name == "scalar":
            return self._scalar_fn(node)
        fn = lookup(node.name)
        nargs = len(node.args)
        if nargs < fn.min_args or (fn.max_args is not None and nargs > fn.max_args):
            raise StataError(198, "invalid syntax")
        args = []
        for i, arg in enumerate(node.args):
            kind = fn.kind(i)
            if kind == "m":
                args.append(self.matrix(arg))
                continue
            v = self.eval(arg)
            s = is_string_array(v)
            if (kind == "n" and s) or (kind == "s" and not s):
                raise _mismatch()
            if fn.full:
                v = np.broadcast_to(v, (self.n,))
            args.append(v)
        if fn.random:  # one draw per observation evaluated (one for display/scalar)
            return fn.impl(self.rng(), self.n, *args)
        return fn.impl(*args)

    def rng(self) -> np.random.Generator:
        """The session's generator (`set seed`); a context without one (a bare test
        context) gets an unseeded generator of its own, never a shared global."""
        rng = getattr(self.ctx, "rng", None)
        return rng if isinstance(rng, np.random.Generator) else np.random.default_rng()

    def _scalar_fn(self, node):
        if len(node.args) != 1 or not isinstance(node.args[0], ast.Name):
            raise StataError(198, "invalid syntax")
        name = node.args[0].name
        scalars = getattr(self.ctx, "scalars", {}) or {}
        if name not in scalars:
            raise StataError(111, f"scalar {name} not found")
        return _const(scalars[name])

    # ---------------------------------------------------------------- operators
    def _Unary(self, node):
        v = self.numeric(node.operand)
        if node.op == "-":
            return _num(-v)
        if node.op == "+":
            return v
        return (v == 0).astype(float)

    def _Binary(self, node):
        op = node.op
        a = self.eval(node.left)
        b = self.eval(node.right)
        sa, sb = is_string_array(a), is_string_array(b)
        if op in ("&", "|"):
            if sa or sb:
                raise _mismatch()
            ta, tb = (a != 0), (b != 0)          # NaN != 0: missing is true
            return (ta & tb if op == "&" else ta | tb).astype(float)
        if op in _RELATIONAL:
            if sa != sb:
                raise _mismatch()
            if not sa:   # numbers < . < .a < ... < .z: compare (kind, number) pairs
                return _ordered(op, a, b)
            return np.asarray(_RELATIONAL[op](a, b), dtype=bool).astype(float)
        if op == "+" and (sa or sb):
            if not (sa and sb):
                raise _mismatch()
            return np.asarray(np.add(a, b), dtype=object)
        if op == "*" and (sa or sb):
            if sa and sb:
                raise _mismatch()
            s, k = (a, b) if sa else (b, a)
            counts = np.where(np.isnan(k) | (k < 1), 0, np.minimum(k, MAX_STRLEN + 1))
            lengths = np.asarray(np.frompyfunc(len, 1, 1)(np.asarray(s, dtype=object)), dtype=float)
            if np.sum(lengths * counts) > MAX_STRLEN:
                raise StataError(1000, "system limit exceeded: string too long")
            rep = np.frompyfunc(lambda x, n: x * int(n), 2, 1)
            return np.asarray(rep(s, counts), dtype=object)  # capped: "" * 1e300 is ""
        if sa or sb:
            raise _mismatch()
        with np.errstate(all="ignore"):
            if op == "+":
                return _num(a + b)
            if op == "-":
                return _num(a - b)
            if op == "*":
                return _num(a * b)
            if op == "/":
                return _num(a / b)
            if op == "^":
                return _num(np.where(np.isnan(a) | np.isnan(b), np.nan, np.power(a, b)))
        raise StataError(198, "invalid syntax")


_RELATIONAL = {
    "==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
    ">": np.greater, ">=": np.greater_equal,
}


def _ordered(op: str, a, b) -> np.ndarray:
    (ka, va), (kb, vb) = order_keys(a), order_keys(b)
    if op in ("==", "!="):
        same = (ka == kb) & (va == vb)
        return np.asarray(same if op == "==" else ~same, dtype=bool).astype(float)
    less = (ka < kb) | ((ka == kb) & (va < vb))
    equal = (ka == kb) & (va == vb)
    result = {"<": less, "<=": less | equal, ">": ~(less | equal), ">=": ~less}[op]
    return np.asarray(result, dtype=bool).astype(float)


def evaluate(node, ctx, *, scalar: bool = False, groups: np.ndarray | None = None):
    """Evaluate an expression AST.

    groups: by-group id per row, the groups being runs of rows (data sorted by them):
    `_n`, `_N` and explicit subscripts then count within each row's group.

    scalar=False: a new array over ctx.data's observations (float64 with NaN for
    missing, or object array of str).  scalar=True: a Python float (NaN for missing)
    or str, with variables meaning their first observation.
    """
    ev = _Evaluator(ctx, scalar, groups)
    out = np.asarray(ev.eval(node))
    string = out.dtype == object
    if scalar:
        flat = out.reshape(-1)
        if string:
            return str(flat[0]) if flat.size else ""
        return float(flat[0]) if flat.size else math.nan
    dtype = object if string else np.float64
    return np.array(np.broadcast_to(out.astype(dtype), (ev.n,)), dtype=dtype)
