"""Expressions in coefficients: `ses + 1.sector#c.ses`, `[mathach]ses - 2`, `_b[ses]/_b[_cons]`.

`CoefExpr(text, ctx, result)` reads bare coefficient names as `_b[name]` (what test and
lincom accept), checks every coefficient it names against e(b) (Stata's messages: `xyz not
found` r(111), `equation [eq] not found` r(303)), and evaluates the expression for any
coefficient vector through the shell's expression evaluator. `linear()` extracts g and the
constant of a linear form (r(131) "not possible with test" otherwise).
"""
from __future__ import annotations

import math
import re
from dataclasses import replace
from types import SimpleNamespace

import numpy as np

from hlmshell.dataset.timeseries import OPERATED, canonical, parse_ops
from hlmshell.errors import StataError
from hlmshell.matrix import StataMatrix

# a coefficient name: factor-variable parts joined by `#` (`1.sector#c.ses`, `0b.x`, `ses`)
_PART = r"(?:\d+[bno]*\.|[cio]+\.|co\.|(?:[LlFfDdSs]\d*)+\.)?[A-Za-z_][A-Za-z0-9_]*"
_NAME = rf"{_PART}(?:#{_PART})*"
_TOKEN = re.compile(
    rf"(?P<coef>(?:\[\s*(?P<eq0>[^\]]*?)\s*\])?_(?:b|se)\s*\[[^\]]*\])"   # _b[..], [eq]_b[..]
    rf"|\[\s*(?P<eq>[A-Za-z_][A-Za-z0-9_]*)\s*\]\s*(?P<eqname>{_NAME})"  # [eq]name
    rf"|(?P<func>[A-Za-z_][A-Za-z0-9_]*\s*\()"                           # f( e( r( c(
    rf"|(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_.#]))"     # 2, 1.5, 1e-3
    rf"|(?P<name>{_NAME})"
    rf'|(?P<str>"[^"]*")'
)
_MARKS = re.compile(r"(?<![A-Za-z0-9_])(\d+)[bno]+\.")


def coef_key(name: str) -> str:
    """A name without base/omitted marks (0b.sector -> 0.sector, o.x -> x, co.x -> c.x);
    a continuous part of an interaction may be written with or without `c.`."""
    name = _MARKS.sub(r"\1.", name)
    name = re.sub(r"(?<![A-Za-z0-9_])co\.", "c.", name)
    name = re.sub(r"(?<![A-Za-z0-9_])o\.", "", name)
    return "#".join(p[2:] if p.startswith("c.") else _ts_key(p) for p in name.split("#"))


def _ts_key(part: str) -> str:
    """`L1.x`, `l.x` -> `L.x` (time-series operators as e(b) writes them)."""
    m = OPERATED.match(part[1:] if part.startswith("o") else part) or OPERATED.match(part)
    return f"{canonical(parse_ops(m.group(1)))}.{m.group(2)}" if m else part


class CoefIndex:
    """Find e(b) columns by name: `ses`, `mathach:ses`, `1.sector#ses`."""

    def __init__(self, names: list[str]):
        self.names = names
        self.eqs = [n.partition(":")[0] if ":" in n else "" for n in names]
        self.keys = [coef_key(n.partition(":")[2] if ":" in n else n) for n in names]

    def find(self, name: str, eq: str | None = None) -> int:
        name = name.strip()
        if eq is None and ":" in name:
            eq, _, name = name.partition(":")
        key = coef_key(name)
        if eq is not None:
            eq = eq.strip()
            if eq.startswith("#") and eq[1:].isdigit():
                order = list(dict.fromkeys(self.eqs))
                k = int(eq[1:]) - 1
                if not 0 <= k < len(order):
                    raise StataError(303, f"equation [{eq}] not found")
                eq = order[k]
            if eq not in self.eqs:
                raise StataError(303, f"equation [{eq}] not found")
            hits = [i for i, (e, k) in enumerate(zip(self.eqs, self.keys)) if e == eq and k == key]
        else:
            first = self.eqs[0] if self.eqs else ""
            hits = [i for i, (e, k) in enumerate(zip(self.eqs, self.keys)) if k == key]
            hits = [i for i in hits if self.eqs[i] == first] or hits
        if not hits:
            raise StataError(111, f"{name} not found")
        return hits[0]

    def label(self, j: int) -> str:
        """How test and lincom print a coefficient: `[mathach]ses`, or `ses`."""
        eq, _, name = self.names[j].rpartition(":")
        return f"[{eq}]{name}" if eq else name


class BareName(Exception):
    """A bare coefficient name where only `_b[name]` is allowed (nlcom)."""


def to_b_text(text: str, index: CoefIndex, bare: bool = True) -> tuple[str, list[int]]:
    """The expression with every coefficient written `_b[eq:name]`, and the columns used.
    bare=False: a bare name (`ses`, `[eq]ses`) raises BareName, as nlcom wants `_b[ses]`."""
    out, used, pos = [], [], 0
    text = text.strip()
    while pos < len(text):
        if text[pos].isspace():
            out.append(text[pos])
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if m is None:
            out.append(text[pos])
            pos += 1
            continue
        tok = m.group(0)
        if m.group("coef"):
            inner = tok[tok.rindex("[", 0, tok.rindex("]")) + 1: -1]
            eq = m.group("eq0")
            j = index.find(inner, eq if eq else None)
            kind = "_se" if re.search(r"_se\s*\[", tok) else "_b"
            out.append(f"{kind}[{index.names[j]}]")
            used.append(j)
        elif m.group("eqname") or (m.group("name") and not _is_reserved(tok)):
            if not bare:
                raise BareName()
            j = index.find(m.group("eqname"), m.group("eq")) if m.group("eqname") \
                else index.find(tok)
            out.append(f"_b[{index.names[j]}]")
            used.append(j)
        else:
            out.append(tok)
        pos = m.end()
    return "".join(out), sorted(set(used))


def _is_reserved(word: str) -> bool:
    return word.startswith("_") and word != "_cons" or word in ("c", "e", "r")


class CoefExpr:
    """An expression in e(b) that can be evaluated at any coefficient vector."""

    def __init__(self, text: str, ctx, result, index: CoefIndex | None = None,
                 bare: bool = True):
        from hlmshell.syntax.expr import parse_expression
        if not text.strip():
            raise StataError(198, "invalid syntax")
        self.text = text.strip()
        self.ctx, self.result = ctx, result
        self.index = index or CoefIndex(list(result.matrices["b"].colnames))
        try:
            b_text, self.used = to_b_text(self.text, self.index, bare)
        except BareName:
            raise StataError(198, f"expression ({self.text}) contains reference to X rather "
                                  "than _b[X]") from None
        try:
            self.node = parse_expression(b_text)
        except StataError as e:
            raise StataError(198, "invalid syntax") from e
        self._b = result.matrices["b"]

    def __call__(self, bvec: np.ndarray) -> float:
        from hlmshell.dataset.evaluate import evaluate
        mats = dict(self.result.matrices)
        mats["b"] = StataMatrix(np.asarray(bvec, dtype=float).reshape(1, -1),
                                list(self._b.rownames), list(self._b.colnames))
        proxy = SimpleNamespace(
            data=self.ctx.data, scalars=self.ctx.scalars, matrices=self.ctx.matrices,
            r=self.ctx.r, rc=getattr(self.ctx, "rc", 0), settings=self.ctx.settings,
            estimates=SimpleNamespace(active=replace(self.result, matrices=mats)))
        value = evaluate(self.node, proxy, scalar=True)
        if isinstance(value, str):
            raise StataError(109, "type mismatch")
        return float(value)

    def linear(self) -> tuple[np.ndarray, float]:
        """g and c with f(b) = g'b + c, or r(131) when f is not linear in b."""
        k = len(self._b.colnames)
        zero = np.zeros(k)
        c = self(zero)
        g = np.zeros(k)
        for j in self.used:
            e = zero.copy()
            e[j] = 1.0
            g[j] = self(e) - c
        probe = zero.copy()
        probe[self.used] = np.linspace(1.3, 2.9, len(self.used)) if self.used else []
        want = c + g @ probe
        got = self(probe)
        if not (math.isfinite(c) and np.all(np.isfinite(g)) and math.isfinite(got)) \
                or abs(got - want) > 1e-8 * max(1.0, abs(want)):
            raise StataError(131, "not possible with test")
        return g, c
