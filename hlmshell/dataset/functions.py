"""Stata functions as a table: name -> Function(impl, argument counts and kinds).

Every implementation is vectorised over observations: it takes numpy arrays (0-d for a
constant, 1-d over observations; float64 with NaN for missing, or object arrays of str)
and returns such an array.  Domain errors give missing (``ln(-1) = .``); results outside
the double range (inf) are missing too.

Argument kinds: "n" numeric, "s" string, "a" either, "m" a matrix (the evaluator passes
the StataMatrix it names).  The evaluator checks counts (r(198)) and kinds (r(109)).

Random-number functions (runiform(), rnormal(), ...: dataset/random_functions.py) are
marked ``random``: the evaluator passes them the session's generator and the number of
draws before the Stata arguments, so no generator lives in a global here.
"""
from __future__ import annotations

import fnmatch
import math
import re
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from hlmshell.errors import StataError


class _Deferred:
    """scipy.special's functions, imported at their first call rather than when the shell
    starts (the import costs ~0.15 s; most sessions call none of them before a fit)."""

    def __getattr__(self, name: str) -> Callable:
        def call(*args):
            from scipy import special
            return getattr(special, name)(*args)
        return call


special = _Deferred()

__all__ = ["Function", "FUNCTIONS", "lookup", "is_string_array"]


@dataclass(frozen=True)
class Function:
    name: str
    impl: Callable
    min_args: int
    max_args: Optional[int]      # None: any number
    kinds: str                   # kind of each argument; the last one repeats
    full: bool = False           # arguments are broadcast to all observations first
    random: bool = False         # impl(rng, n, *args): draws n values from the session's rng

    def kind(self, i: int) -> str:
        return self.kinds[min(i, len(self.kinds) - 1)]


FUNCTIONS: dict[str, Function] = {}


def lookup(name: str) -> Function:
    fn = FUNCTIONS.get(name)
    if fn is None:
        raise StataError(133, f"unknown function {name}()")
    return fn


def _register(names: str, min_args: int, max_args: Optional[int], kinds: str, full: bool = False,
              random: bool = False):
    def deco(impl):
        for name in names.split():
            FUNCTIONS[name] = Function(name, impl, min_args, max_args, kinds, full, random)
        return impl
    return deco


# ------------------------------------------------------------------ helpers
def is_string_array(a) -> bool:
    return np.asarray(a).dtype == object


def _num(x) -> np.ndarray:
    """float64 with every non-finite value (inf, nan) made missing."""
    x = np.asarray(x, dtype=float)
    return np.where(np.isfinite(x), x, np.nan)


def _ustr(a) -> np.ndarray:
    return np.asarray(a, dtype=object).astype(str)


def _obj(a) -> np.ndarray:
    return np.asarray(a).astype(object)


def _apply(fn, *arrays, to_float: bool = False):
    uf = np.frompyfunc(fn, len(arrays), 1)
    out = uf(*[np.asarray(a, dtype=object) for a in arrays])
    out = np.asarray(out, dtype=object)
    return _num(out.astype(float)) if to_float else out


def _unary(fn):
    def impl(x):
        with np.errstate(all="ignore"):
            return _num(fn(np.asarray(x, dtype=float)))
    return impl


# ------------------------------------------------------------------ math
for _names, _fn in [
    ("abs", np.abs), ("exp", np.exp), ("ln log", np.log), ("log10", np.log10),
    ("sqrt", np.sqrt), ("floor", np.floor), ("ceil", np.ceil), ("int trunc", np.trunc),
    ("sign", np.sign), ("lngamma", special.gammaln),
    ("invlogit", special.expit), ("logit", special.logit),
    ("float", lambda x: x.astype(np.float32).astype(float)),
    ("sin", np.sin), ("cos", np.cos), ("tan", np.tan), ("atan", np.arctan),
]:
    _register(_names, 1, 1, "n")(_unary(_fn))


@_register("lnfactorial", 1, 1, "n")
def _lnfactorial(x):
    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        return _num(np.where((x >= 0) & (x == np.floor(x)), special.gammaln(x + 1), np.nan))


@_register("comb", 2, 2, "n")
def _comb(n, k):
    n, k = np.asarray(n, dtype=float), np.asarray(k, dtype=float)
    ok = (n >= 0) & (k >= 0) & (k <= n) & (n == np.floor(n)) & (k == np.floor(k))
    with np.errstate(all="ignore"):
        return _num(np.where(ok, np.round(special.comb(n, k)), np.nan))


@_register("round", 1, 2, "n")
def _round(x, y=None):
    """x rounded in units of y (default 1), halves away from zero; y = 0 returns x."""
    x = np.asarray(x, dtype=float)
    if y is None:
        y = np.float64(1.0)
    y = np.asarray(y, dtype=float)
    with np.errstate(all="ignore"):
        q = x / y
        r = np.sign(q) * np.floor(np.abs(q) + 0.5) * y
        return _num(np.where(y == 0, x, r))


@_register("mod", 2, 2, "n")
def _mod(x, y):
    """x - y*floor(x/y); missing when y is 0."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    with np.errstate(all="ignore"):
        return _num(np.where(y == 0, np.nan, x - y * np.floor(x / y)))


@_register("min", 1, None, "n")
def _min(*xs):
    """Minimum of the non-missing arguments; missing if all are missing."""
    out = np.asarray(xs[0], dtype=float)
    for x in xs[1:]:
        out = np.fmin(out, np.asarray(x, dtype=float))
    return _num(out)


@_register("max", 1, None, "n")
def _max(*xs):
    out = np.asarray(xs[0], dtype=float)
    for x in xs[1:]:
        out = np.fmax(out, np.asarray(x, dtype=float))
    return _num(out)


@_register("sum", 1, 1, "n", full=True)
def _sum(x):
    """Running sum over observations, missing counted as 0."""
    x = np.asarray(x, dtype=float)
    return _num(np.cumsum(np.where(np.isnan(x), 0.0, x)))


@_register("clip", 3, 3, "n")
def _clip(x, a, b):
    """x limited to [a, b]; a or b missing means no bound; missing x stays missing."""
    x, a, b = (np.asarray(v, dtype=float) for v in (x, a, b))
    out = np.where(~np.isnan(a) & (x < a), a, x)
    out = np.where(~np.isnan(b) & ~np.isnan(x) & (out > b), b, out)
    return _num(out)


# ------------------------------------------------------------------ logic
def _is_missing(a) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype == object:
        return a == ""
    return np.isnan(a.astype(float))


def _same_type(*xs):
    kinds = {is_string_array(x) for x in xs}
    if len(kinds) > 1:
        raise StataError(109, "type mismatch")
    return kinds.pop()


@_register("cond", 3, 4, "naaa")
def _cond(x, a, b, c=None):
    """a if x is true (nonzero) and not missing, b if x is 0, c if x is missing (a when
    c is not given)."""
    _same_type(a, b, *([] if c is None else [c]))
    x = np.asarray(x, dtype=float)
    out = np.where(x != 0, a, b)
    if c is not None:
        out = np.where(np.isnan(x), c, out)
    return _obj(out) if is_string_array(a) else _num(out)


@_register("missing", 1, None, "a")
def _missing(*xs):
    out = np.zeros((), dtype=bool)
    for x in xs:
        out = out | _is_missing(x)
    return out.astype(float)


def _stata_eq(z, a):
    if is_string_array(z):
        return np.asarray(z == a, dtype=bool)
    z, a = np.asarray(z, dtype=float), np.asarray(a, dtype=float)
    return (z == a) | (np.isnan(z) & np.isnan(a))


@_register("inlist", 2, None, "a")
def _inlist(z, *choices):
    _same_type(z, *choices)
    out = np.zeros((), dtype=bool)
    for a in choices:
        out = out | _stata_eq(z, a)
    return out.astype(float)


@_register("inrange", 3, 3, "a")
def _inrange(z, a, b):
    """1 if it is known that a <= z <= b (Stata's rules: z missing -> 0; a missing means
    no lower bound, b missing no upper bound)."""
    if _same_type(z, a, b):
        return ((a <= z) & (z <= b)).astype(float)
    z, a, b = (np.asarray(v, dtype=float) for v in (z, a, b))
    lower = np.isnan(a) | (a <= z)
    upper = np.isnan(b) | (z <= b)
    return (~np.isnan(z) & lower & upper).astype(float)


# ------------------------------------------------------------------ distributions
def _dist(fn, *domain_checks):
    def impl(*args):
        args = [np.asarray(a, dtype=float) for a in args]
        with np.errstate(all="ignore"):
            out = fn(*args)
            for check in domain_checks:
                out = np.where(check(*args), out, np.nan)
            return _num(out)
    return impl


def _df_pos(df, *_):
    return df > 0


def _dfs_pos(d1, d2, *_):
    return (d1 > 0) & (d2 > 0)


def _p_in01(*a):
    return (a[-1] >= 0) & (a[-1] <= 1)


_register("normal", 1, 1, "n")(_dist(special.ndtr))
_register("invnormal", 1, 1, "n")(_dist(special.ndtri, lambda p: (p > 0) & (p < 1)))
_register("chi2", 2, 2, "n")(_dist(lambda k, x: special.chdtr(k, np.maximum(x, 0)), _df_pos))
_register("chi2tail", 2, 2, "n")(_dist(lambda k, x: special.chdtrc(k, np.maximum(x, 0)), _df_pos))
_register("invchi2", 2, 2, "n")(_dist(lambda k, p: special.chdtri(k, 1 - p), _df_pos, _p_in01))
_register("invchi2tail", 2, 2, "n")(_dist(special.chdtri, _df_pos, _p_in01))
_register("F", 3, 3, "n")(_dist(lambda a, b, f: special.fdtr(a, b, np.maximum(f, 0)), _dfs_pos))
_register("Ftail", 3, 3, "n")(_dist(lambda a, b, f: special.fdtrc(a, b, np.maximum(f, 0)), _dfs_pos))
_register("invF", 3, 3, "n")(_dist(special.fdtri, _dfs_pos, _p_in01))
_register("invFtail", 3, 3, "n")(_dist(lambda a, b, p: special.fdtri(a, b, 1 - p), _dfs_pos, _p_in01))
_register("t", 2, 2, "n")(_dist(special.stdtr, _df_pos))
_register("ttail", 2, 2, "n")(_dist(lambda df, t: special.stdtr(df, -t), _df_pos))
_register("invt", 2, 2, "n")(_dist(special.stdtrit, _df_pos, _p_in01))
_register("invttail", 2, 2, "n")(_dist(lambda df, p: special.stdtrit(df, 1 - p), _df_pos, _p_in01))


_register("lnnormal", 1, 1, "n")(_dist(special.log_ndtr))
_register("lnnormalden", 1, 1, "n")(_dist(lambda z: -0.5 * z * z - 0.5 * math.log(2 * math.pi)))
_register("chi2den", 2, 2, "n")(_dist(
    lambda k, x: np.exp((k / 2 - 1) * np.log(x) - x / 2 - (k / 2) * math.log(2) - special.gammaln(k / 2)),
    _df_pos, lambda k, x: x > 0))
_register("tden", 2, 2, "n")(_dist(
    lambda df, t: np.exp(special.gammaln((df + 1) / 2) - special.gammaln(df / 2)
                         - 0.5 * np.log(df * math.pi) - (df + 1) / 2 * np.log1p(t * t / df)),
    _df_pos))


@_register("normalden", 1, 3, "n")
def _normalden(x, a=None, b=None):
    """normalden(z), normalden(x, sd), normalden(x, mean, sd)."""
    x = np.asarray(x, dtype=float)
    if a is None:
        m, s = 0.0, np.float64(1.0)
    elif b is None:
        m, s = 0.0, np.asarray(a, dtype=float)
    else:
        m, s = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(all="ignore"):
        z = (x - m) / s
        out = np.exp(-0.5 * z * z) / (s * math.sqrt(2 * math.pi))
        return _num(np.where(s > 0, out, np.nan))


# ------------------------------------------------------------------ strings
@_register("string strofreal", 1, 2, "ns")
def _string(x, fmt=None):
    """number -> string with %9.0g (or the given %fmt), blanks trimmed; missing -> ".".
    The formatting rules are render.formats' (the same as display's)."""
    from hlmshell.render.formats import fmt as render_fmt
    return _apply(lambda v, f: render_fmt(float(v), str(f)).strip(), x, "%9.0g" if fmt is None else fmt)


_REAL = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")


def _real_one(s) -> float:
    s = str(s)
    if _REAL.match(s):
        return float(s)
    return math.nan


@_register("real", 1, 1, "s")
def _real(s):
    return _apply(_real_one, s, to_float=True)


def _substr_one(s, n1, n2):
    s, n1, n2 = str(s), float(n1), float(n2)
    if math.isnan(n1):
        return ""
    n1 = int(n1)
    if n1 < 0:
        n1 = len(s) + n1 + 1
    if n1 < 1 or n1 > len(s):
        return ""
    if math.isnan(n2):
        return s[n1 - 1:]
    n2 = int(n2)
    if n2 < 0:
        return ""
    return s[n1 - 1:n1 - 1 + n2]


@_register("substr usubstr", 3, 3, "snn")
def _substr(s, n1, n2):
    """substr(s, n1, n2): n2 characters from position n1 (n1 < 0 counts from the end;
    n2 = . means to the end)."""
    return _apply(_substr_one, s, n1, n2)


@_register("strlen length ustrlen", 1, 1, "s")
def _strlen(s):
    return np.char.str_len(_ustr(s)).astype(float)


for _names, _fn in [
    ("upper strupper ustrupper", np.char.upper),
    ("lower strlower ustrlower", np.char.lower),
    ("trim strtrim ustrtrim", lambda a: np.char.strip(a, " ")),
    ("ltrim strltrim ustrltrim", lambda a: np.char.lstrip(a, " ")),
    ("rtrim strrtrim ustrrtrim", lambda a: np.char.rstrip(a, " ")),
]:
    _register(_names, 1, 1, "s")((lambda f: lambda s: _obj(f(_ustr(s))))(_fn))


@_register("strpos", 2, 2, "s")
def _strpos(s1, s2):
    """Position (1-based) of s2 in s1, 0 if not found."""
    return (np.char.find(_ustr(s1), _ustr(s2)) + 1).astype(float)


def _word_one(s, n):
    n = float(n)
    words = str(s).split()
    if math.isnan(n) or n == 0:
        return ""
    n = int(n)
    k = n - 1 if n > 0 else len(words) + n
    return words[k] if 0 <= k < len(words) else ""


@_register("word", 2, 2, "sn")
def _word(s, n):
    return _apply(_word_one, s, n)


@_register("strmatch", 2, 2, "s")
def _strmatch(s, pattern):
    """1 if s matches pattern (* any characters, ? one character)."""
    return _apply(lambda v, p: float(fnmatch.fnmatchcase(str(v), str(p))), s, pattern, to_float=True)


@_register("wordcount", 1, 1, "s")
def _wordcount(s):
    return _apply(lambda v: float(len(str(v).split())), s, to_float=True)


def _subinstr_one(s, old, new, n):
    n = float(n)
    return str(s).replace(str(old), str(new), -1 if math.isnan(n) else int(n))


@_register("subinstr", 4, 4, "sssn")
def _subinstr(s, old, new, n):
    return _apply(_subinstr_one, s, old, new, n)


# ------------------------------------------------------------------ matrices
@_register("el", 3, 3, "mnn")
def _el(m, i, j):
    """M[floor(i), floor(j)]; missing if i or j is out of range."""
    vals = m.values
    i = np.floor(np.asarray(i, dtype=float))
    j = np.floor(np.asarray(j, dtype=float))
    r, c = vals.shape
    ok = (i >= 1) & (i <= r) & (j >= 1) & (j <= c)
    ii = np.where(ok, i, 1).astype(int) - 1
    jj = np.where(ok, j, 1).astype(int) - 1
    return _num(np.where(ok, vals[ii, jj], np.nan))


@_register("rowsof", 1, 1, "m")
def _rowsof(m):
    return np.float64(m.values.shape[0])


@_register("colsof", 1, 1, "m")
def _colsof(m):
    return np.float64(m.values.shape[1])


@_register("trace", 1, 1, "m")
def _trace(m):
    return np.float64(np.trace(m.values))


# ------------------------------------------------------------------ random numbers
# Registered by their own module (it needs _register and _num from here, so it comes last).
from hlmshell.dataset import random_functions  # noqa: E402,F401
from hlmshell.dataset import date_functions  # noqa: E402,F401  (date(), mdy(), year(), ...)
from hlmshell.dataset import more_functions  # noqa: E402,F401  (regex, strings, distributions)
