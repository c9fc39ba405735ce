"""More of Stata's functions ([FN]): regular expressions (regexm/regexr/regexs and the
ustrregex family), string helpers (strproper, subinword, strreverse, strtoname, abbrev,
char), recoding (irecode, recode, autocode), mi(), the cloglog pair, hyperbolic and inverse
trigonometric functions, and the binomial, Poisson, beta and gamma distributions.

regexs(n) returns group n of the last regexm() evaluated, observation by observation, as
Stata's does (`gen y = regexs(1) if regexm(s, "...")`); Python's re engine stands in for
Stata's (the same for the common classes, anchors, groups and quantifiers).
"""
from __future__ import annotations

import math
import re

import numpy as np
from hlmshell.dataset.functions import special   # deferred: scipy loads at first call

from hlmshell.dataset.functions import _apply, _dist, _num, _register, _unary
from hlmshell.errors import StataError

_LAST = {"matches": None}          # regexm's matches, one per observation, for regexs()


def _compile(pattern: str, flags: int = 0):
    try:
        return re.compile(pattern, flags)
    except re.error:
        raise StataError(198, f"regexp: invalid regular expression \"{pattern}\"") from None


def _regexm(s, pattern, flags=0):
    s = np.asarray(s, dtype=object)
    pats = np.broadcast_to(np.asarray(pattern, dtype=object), s.shape)
    cache: dict = {}
    matches = []
    for text, p in zip(s.reshape(-1), pats.reshape(-1)):
        rx = cache.get(p) or cache.setdefault(p, _compile(str(p), flags))
        matches.append(rx.search(str(text)))
    _LAST["matches"] = matches
    return np.array([1.0 if m else 0.0 for m in matches]).reshape(s.shape)


@_register("regexm", 2, 2, "ss")
def _regexm_fn(s, pattern):
    return _regexm(s, pattern)


@_register("ustrregexm", 2, 3, "ssn")
def _ustrregexm(s, pattern, noc=0.0):
    flags = re.IGNORECASE if float(np.asarray(noc).reshape(-1)[0] or 0) else 0
    return _regexm(s, pattern, flags)


def _group(n):
    matches = _LAST["matches"]
    k = np.asarray(n, dtype=float)
    if matches is None:
        return np.array("", dtype=object)
    ks = np.broadcast_to(k, (len(matches),))

    def one(m, j):
        if m is None or not math.isfinite(j) or not 0 <= j <= m.re.groups:
            return ""
        return m.group(int(j)) or ""
    return np.array([one(m, j) for m, j in zip(matches, ks)], dtype=object)


_register("regexs", 1, 1, "n")(_group)
_register("ustrregexs", 1, 1, "n")(_group)


@_register("regexr", 3, 3, "sss")
def _regexr(s, pattern, repl):
    return _apply(lambda t, p, r: _compile(str(p)).sub(str(r).replace("\\", "\\\\"),
                                                     str(t), count=1), s, pattern, repl)


@_register("ustrregexrf", 3, 4, "sssn")
def _ustrregexrf(s, pattern, repl, noc=0.0):
    return _apply(lambda t, p, r, c: _compile(str(p), re.I if float(c) else 0).sub(
        str(r).replace("\\", "\\\\"), str(t), count=1), s, pattern, repl, noc)


@_register("ustrregexra", 3, 4, "sssn")
def _ustrregexra(s, pattern, repl, noc=0.0):
    return _apply(lambda t, p, r, c: _compile(str(p), re.I if float(c) else 0).sub(
        str(r).replace("\\", "\\\\"), str(t)), s, pattern, repl, noc)


# ------------------------------------------------------------------------ strings
def _proper(text: str) -> str:
    """Capitalise each letter that follows a non-letter; lower-case the others."""
    out, prev_letter = [], False
    for ch in text:
        out.append(ch.lower() if prev_letter else ch.upper())
        prev_letter = ch.isalpha()
    return "".join(out)


_register("proper strproper ustrtitle", 1, 1, "s")(lambda s: _apply(lambda t: _proper(str(t)), s))
_register("reverse strreverse ustrreverse", 1, 1, "s")(
    lambda s: _apply(lambda t: str(t)[::-1], s))


@_register("subinword", 4, 4, "sssn")
def _subinword(s, old, new, n):
    def one(t, o, w, k):
        k = float(k)
        count = 0 if math.isnan(k) else int(k)
        return re.sub(rf"(?<!\S){re.escape(str(o))}(?!\S)", str(w).replace("\\", "\\\\"),
                      str(t), count=count)
    return _apply(one, s, old, new, n)


@_register("strtoname", 1, 2, "sn")
def _strtoname(s, p=1.0):
    def one(t, prefix):
        name = re.sub(r"[^A-Za-z0-9_]", "_", str(t))[:32]
        if float(prefix) and (not name or name[0].isdigit()):
            name = ("_" + name)[:32]
        return name
    return _apply(one, s, p)


@_register("abbrev", 2, 2, "sn")
def _abbrev(s, n):
    from hlmshell.render.formats import abbrev
    return _apply(lambda t, k: abbrev(str(t), int(float(k))) if math.isfinite(float(k))
                  else str(t), s, n)


@_register("char uchar", 1, 1, "n")
def _char(n):
    def one(k):
        k = float(k)
        return chr(int(k)) if math.isfinite(k) and 0 < k < 0x110000 else ""
    return _apply(one, n)


# ------------------------------------------------------------------------ recoding
@_register("mi", 1, None, "a")
def _mi(*xs):
    from hlmshell.dataset.functions import FUNCTIONS
    return FUNCTIONS["missing"].impl(*xs)


@_register("irecode", 2, None, "n")
def _irecode(x, *cuts):
    """0 if x <= c1, 1 if c1 < x <= c2, ..., n if x > cn; cuts must ascend."""
    c = [np.asarray(v, dtype=float) for v in cuts]
    x = np.asarray(x, dtype=float)
    out = np.zeros(np.broadcast(x, *c).shape)
    for v in c:
        out = out + (x > v)
    return np.where(np.isnan(x), np.nan, out)


@_register("recode", 2, None, "n")
def _recode(x, *cuts):
    """c1 if x <= c1, c2 if x <= c2, ..., cn otherwise."""
    x = np.asarray(x, dtype=float)
    out = np.full(np.broadcast(x, *cuts).shape, np.nan)
    done = np.zeros(out.shape, dtype=bool)
    for v in cuts[:-1]:
        hit = ~done & (x <= v)
        out = np.where(hit, v, out)
        done |= hit
    out = np.where(done, out, cuts[-1])
    return np.where(np.isnan(x), np.nan, out)


@_register("autocode", 4, 4, "n")
def _autocode(x, n, lo, hi):
    """The upper end of the one of n equal intervals of [lo, hi] that holds x."""
    x, n, lo, hi = (np.asarray(v, dtype=float) for v in (x, n, lo, hi))
    with np.errstate(all="ignore"):
        k = np.clip(np.ceil((x - lo) / (hi - lo) * n), 1, n)
        return _num(np.where(np.isnan(x), np.nan, lo + k * (hi - lo) / n))


# ------------------------------------------------------------------------ math
for _names, _fn in [("asin", np.arcsin), ("acos", np.arccos), ("sinh", np.sinh),
                    ("cosh", np.cosh), ("tanh", np.tanh), ("asinh", np.arcsinh),
                    ("acosh", np.arccosh), ("atanh", np.arctanh),
                    ("cloglog", lambda p: np.log(-np.log1p(-p))),
                    ("invcloglog", lambda z: -np.expm1(-np.exp(z)))]:
    _register(_names, 1, 1, "n")(_unary(_fn))
_register("atan2", 2, 2, "n")(_dist(np.arctan2))


# -------------------------------------------------------------------- distributions
def _bdtr(k, n, p):
    """P(X <= k) for X ~ Binomial(n, p): the regularized incomplete beta, which takes any
    real k and n (scipy's bdtr wants integers)."""
    k = np.floor(k)
    return np.where(k < 0, 0.0, np.where(k >= n, 1.0,
                                         special.betainc(n - np.maximum(k, 0), k + 1, 1 - p)))


_register("binomial", 3, 3, "n")(_dist(
    lambda n, k, p: _bdtr(k, n, p), lambda n, k, p: (n >= 0) & (p >= 0) & (p <= 1)))
_register("binomialtail", 3, 3, "n")(_dist(
    lambda n, k, p: 1 - _bdtr(np.ceil(k) - 1, n, p),
    lambda n, k, p: (n >= 0) & (p >= 0) & (p <= 1)))
_register("invbinomial", 3, 3, "n")(_dist(
    lambda n, k, q: 1 - special.betaincinv(n - np.floor(k), np.floor(k) + 1, q),
    lambda n, k, q: (k >= 0) & (k < n) & (q > 0) & (q < 1)))
_register("invbinomialtail", 3, 3, "n")(_dist(
    lambda n, k, q: special.betaincinv(np.ceil(k), n - np.ceil(k) + 1, q),
    lambda n, k, q: (k >= 1) & (k <= n) & (q > 0) & (q < 1)))
_register("poisson", 2, 2, "n")(_dist(
    lambda m, k: np.where(k < 0, 0.0, special.pdtr(np.floor(k), m)), lambda m, k: m > 0))
_register("poissontail", 2, 2, "n")(_dist(
    lambda m, k: np.where(np.ceil(k) <= 0, 1.0, special.pdtrc(np.ceil(k) - 1, m)),
    lambda m, k: m > 0))
_register("invpoisson", 2, 2, "n")(_dist(
    lambda k, p: special.pdtri(np.floor(k), p), lambda k, p: (k >= 0) & (p > 0) & (p < 1)))
_register("invpoissontail", 2, 2, "n")(_dist(
    lambda k, q: special.gammaincinv(np.ceil(k), q), lambda k, q: (k >= 1) & (q > 0) & (q < 1)))
_register("ibeta", 3, 3, "n")(_dist(
    lambda a, b, x: special.betainc(a, b, np.clip(x, 0, 1)), lambda a, b, x: (a > 0) & (b > 0)))
_register("invibeta", 3, 3, "n")(_dist(
    special.betaincinv, lambda a, b, p: (a > 0) & (b > 0) & (p >= 0) & (p <= 1)))
_register("betaden", 3, 3, "n")(_dist(
    lambda a, b, x: np.exp((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - special.betaln(a, b)),
    lambda a, b, x: (a > 0) & (b > 0) & (x > 0) & (x < 1)))
_register("gammap", 2, 2, "n")(_dist(
    lambda a, x: special.gammainc(a, np.maximum(x, 0)), lambda a, x: a > 0))
_register("gammaptail", 2, 2, "n")(_dist(
    lambda a, x: special.gammaincc(a, np.maximum(x, 0)), lambda a, x: a > 0))
_register("invgammap", 2, 2, "n")(_dist(
    special.gammaincinv, lambda a, p: (a > 0) & (p >= 0) & (p <= 1)))
_register("invgammaptail", 2, 2, "n")(_dist(
    special.gammainccinv, lambda a, p: (a > 0) & (p >= 0) & (p <= 1)))
_register("gammaden", 4, 4, "n")(_dist(
    lambda a, b, g, x: np.exp((a - 1) * np.log(x - g) - (x - g) / b - special.gammaln(a)
                              - a * np.log(b)),
    lambda a, b, g, x: (a > 0) & (b > 0) & (x > g)))
