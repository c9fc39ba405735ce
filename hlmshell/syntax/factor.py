"""Factor-variable terms: `ses i.sector ib1.sector c.ses##i.sector a#b` → Term/Factor.

Stata's rules, as far as `mixed` needs them:
- a plain name is continuous; inside an interaction (`a#b`) an unprefixed name is categorical;
- `i.x` categorical with the lowest level as base, `ib#.x` / `ib(#).x` / `b#.x` with base #,
  `ib(first).x` = `i.x`; `c.x` continuous;
- `a#b` is the interaction alone; `a##b` the full factorial: a, b, a#b (three parts:
  a, b, a#b, c, a#c, b#c, a#b#c — Stata's order);
- within an interaction the categorical factors come first (`c.ses#i.sector` is the
  term `sector#c.ses`, as Stata names and prints it).

Abbreviated variable names are resolved by the caller's `resolve(name) -> full name`
(e.g. `lambda n: unabbreviate(n, data.names)`), which raises r(111) itself.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable, Sequence

from hlmshell.dataset.timeseries import OPS, canonical, parse_ops
from hlmshell.errors import StataError
from hlmshell.models.spec import Factor, Term

Resolver = Callable[[str], str]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_ELEMENT = re.compile(rf"^(?:(?P<op>[A-Za-z0-9()]+)\.)?(?P<name>{_NAME})$")
_BASE_OP = re.compile(r"^i?b(?:(?P<n>\d+)|\((?P<p>[^)]*)\))$")


def _identity(name: str) -> str:
    return name


def _parse_element(text: str, in_interaction: bool, resolve: Resolver) -> Factor:
    m = _ELEMENT.match(text)
    if not m:
        raise StataError(198, f"{text} invalid name" if text else "invalid syntax")
    op, name = m.group("op"), m.group("name")
    if name == "_cons":
        raise StataError(198, "_cons invalid name")
    var = resolve(name)
    if op is None:
        return Factor(var, categorical=in_interaction)
    op_l = op.lower()
    if op_l == "c":
        return Factor(var, categorical=False)
    if op_l == "i":
        return Factor(var, categorical=True)
    if OPS.fullmatch(op):                     # L.x, D2.x, LD.x: a continuous covariate
        if in_interaction:
            raise StataError(198, f"{text}: time-series operators are not allowed in "
                                  "interactions")
        return Factor(f"{canonical(parse_ops(op))}.{var}", categorical=False)
    bm = _BASE_OP.match(op_l)
    if bm:
        if bm.group("n") is not None:
            return Factor(var, categorical=True, base=float(bm.group("n")))
        inner = bm.group("p").strip()
        if inner == "first":
            return Factor(var, categorical=True)
        if re.fullmatch(r"\d+", inner):
            return Factor(var, categorical=True, base=float(inner))
        if inner in ("last", "freq"):
            raise StataError(198, f"{op}.: base ({inner}) is not supported; use ib#.")
        raise StataError(198, f"{op}: operator invalid")
    raise StataError(198, f"{op}: operator invalid")


def _ordered(factors: Iterable[Factor]) -> tuple[Factor, ...]:
    """Categorical factors first, each group in typed order (Stata's naming order)."""
    factors = list(factors)
    return tuple([f for f in factors if f.categorical] + [f for f in factors if not f.categorical])


def _check_interaction(factors: tuple[Factor, ...], text: str) -> None:
    seen = set()
    for f in factors:
        if f.categorical and f.var in seen:
            # Stata: i.a#i.a is an error; c.x#c.x (a square) is fine
            raise StataError(198, f"{text}: factor variable {f.var} repeated in interaction")
        if f.categorical:
            seen.add(f.var)


def parse_word(word: str, resolve: Resolver | None = None) -> list[Term]:
    """One factor-variable word (no spaces) → its terms, in Stata's order."""
    resolve = resolve or _identity
    if not word:
        raise StataError(198, "invalid syntax")
    if "(" in word and not re.search(r"b\(", word, re.I):
        raise StataError(198, f"{word}: parenthesised factor-variable lists are not supported")
    if word.startswith("#") or word.endswith("#") or "###" in word:
        raise StataError(198, f"{word} invalid name" if word.strip("#") else "invalid syntax")
    parts = word.split("##")
    interaction = len(parts) > 1 or "#" in word
    groups: list[list[Factor]] = []
    for part in parts:
        elements = part.split("#")
        if any(e == "" for e in elements):
            raise StataError(198, "invalid syntax")
        groups.append([_parse_element(e, interaction, resolve) for e in elements])
    terms: list[Term] = []
    # Stata's full-factorial order: subsets by increasing binary index (a, b, a#b, c, a#c, ...)
    for mask in range(1, 1 << len(groups)):
        factors: list[Factor] = []
        for k, group in enumerate(groups):
            if mask >> k & 1:
                factors.extend(group)
        ordered = _ordered(factors)
        _check_interaction(ordered, word)
        terms.append(Term(ordered))
    return terms


def split_words(text: str) -> list[str]:
    """Whitespace-separated words; `a # b` joins to `a#b` and `a - b` to the range `a-b`."""
    text = re.sub(r"\s*(##?|-)\s*", r"\1", text.strip())
    return text.split()


def parse_terms(text: str | Sequence[str], resolve: Resolver | None = None) -> list[Term]:
    """A fixed-effects varlist with factor-variable notation → terms in typed order.

    Plain words that are wildcards or ranges (`x*`, `a-b`) are expanded by
    `expand(word) -> list[str]` if the resolver object provides it (see `resolver_for`).
    """
    words = split_words(text) if isinstance(text, str) else list(text)
    words = [w for word in words for w in _ts_numlist(word)]
    expand = getattr(resolve, "expand", None)
    terms: list[Term] = []
    for word in words:
        if expand is not None and ("." not in word and "#" not in word) and \
                (any(c in word for c in "*?~-") or word == "_all"):
            terms.extend(Term((Factor(v),)) for v in expand(word))
            continue
        terms.extend(parse_word(word, resolve))
    return terms


_TS_LIST = re.compile(r"^([LlFfDdSs])\(([^()]*)\)\.([A-Za-z_]\w*)$")


def _ts_numlist(word: str) -> list[str]:
    """`L(1/3).x` -> `L.x L2.x L3.x`; `L(0/1).x` -> `x L.x` (other words as they are)."""
    m = _TS_LIST.match(word)
    if not m:
        return [word]
    from hlmshell.syntax.numlist import parse_numlist
    op, var = m.group(1).upper(), m.group(3)
    out = []
    for k in parse_numlist(m.group(2)):
        if k != int(k) or k < 0:
            raise StataError(198, f"{word}: invalid time-series operator")
        out.append(var if k == 0 else f"{op}{int(k) if k > 1 else ''}.{var}")
    return out


class resolver_for:
    """A resolver against the dataset's variable names: abbreviations, wildcards, ranges."""

    def __init__(self, names: list[str]):
        self.names = list(names)

    def __call__(self, name: str) -> str:
        from hlmshell.dataset.varlist import unabbreviate
        return unabbreviate(name, self.names)

    def expand(self, word: str) -> list[str]:
        from hlmshell.dataset.varlist import expand_varlist
        return expand_varlist([word], self.names)


# --- names ------------------------------------------------------------------------------
def factor_text(f: Factor, in_interaction: bool) -> str:
    """How a factor is written in a term name: `ses`, `c.ses` (in an interaction), `sector`."""
    if f.categorical:
        return f.var
    return f"c.{f.var}" if in_interaction else f.var


def term_name(term: Term) -> str:
    """The term's display name: `ses`, `sector`, `sector#c.ses`, `c.ses#c.ses`."""
    inter = len(term.factors) > 1
    return "#".join(factor_text(f, inter) for f in term.factors)


def term_variables(terms: Iterable[Term]) -> list[str]:
    """Variables used by the terms, first appearance order, each once."""
    out: list[str] = []
    for t in terms:
        for f in t.factors:
            if f.var not in out:
                out.append(f.var)
    return out


def _level_text(level: float) -> str:
    return str(int(level)) if float(level).is_integer() else repr(level)


def column_names(term: Term, levels: dict[str, Sequence[float]]) -> list[str]:
    """Stata's e(b) column names for one term, base columns included.

    `levels[var]` lists the observed levels of each categorical variable (sorted).
    `i.sector` → `0b.sector 1.sector`; `c.ses#i.sector` → `0b.sector#co.ses 1.sector#c.ses`;
    `ib1.sector` → `0.sector 1b.sector`; `ses` → `ses`; `c.x#c.z` → `c.x#c.z`.
    """
    inter = len(term.factors) > 1
    cells: list[list[tuple[Factor, float | None, bool]]] = [[]]
    for f in term.factors:
        if not f.categorical:
            cells = [c + [(f, None, False)] for c in cells]
            continue
        lv = [float(v) for v in levels[f.var]]
        base = f.base if f.base is not None else (lv[0] if lv else None)
        cells = [c + [(f, v, v == base)] for c in cells for v in lv]
    names = []
    for cell in cells:
        any_base = any(is_base for _, _, is_base in cell)
        parts = []
        for f, v, is_base in cell:
            if v is None:
                parts.append(("co." if any_base else "c.") + f.var if inter else
                             ("o." + f.var if any_base else f.var))
            else:
                mark = "b" if is_base else ("o" if any_base else "")
                parts.append(f"{_level_text(v)}{mark}.{f.var}")
        names.append("#".join(parts))
    return names
