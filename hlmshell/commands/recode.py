"""recode varlist (rule) [(rule) ...] [if] [in] [, generate(newvars) prefix(str) copyrest]

Rules ([D] recode): `(1 2 = 1)`, `(3/5 = 2)`, `(min/0 = 0)`, `(. = 9)`, `(nonmissing = 1)`,
`(missing = .)`, `(else = 0)` (also `*`); the first rule that matches a value wins, values
no rule matches keep their value. Vectorised: each rule is a mask over the column.
"""
from __future__ import annotations

import re

import numpy as np

from hlmshell.commands.generate import _promote, to_storage
from hlmshell.render.formats import comma_int
from hlmshell.commands.registry import command
from hlmshell.dataset.varlist import check_new_name, expand_varlist, tokens
from hlmshell.errors import StataError
from hlmshell.syntax.spec import Args, Spec, bind_if_in, clauses, split_options

OPTIONS = Spec(", Generate(string) INto(string) PREfix(string) COPYrest Test Label(string)")
_NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?"


def _value(word: str) -> float:
    if word == "." or re.fullmatch(r"\.[a-z]", word):
        return np.nan
    try:
        return float(word)
    except ValueError:
        raise StataError(198, f"{word} invalid rule") from None


def parse_rule(text: str):
    """`1 2 3/5 min/0 . = 7` → (list of matchers, new value). A matcher is (kind, lo, hi)."""
    left, eq, right = text.partition("=")
    if not eq:
        raise StataError(198, f"({text}) invalid rule: = expected")
    right = right.strip()
    if '"' in right:
        raise StataError(198, "value labels in recode rules not allowed")
    new = _value(right)
    matchers = []
    words = re.sub(r"\s*/\s*", "/", left.strip()).split()
    if not words:
        raise StataError(198, f"({text}) invalid rule")
    for w in words:
        lw = w.lower()
        if lw in ("else", "*"):
            if len(words) > 1:
                raise StataError(198, "else must be the only value in its rule")
            matchers.append(("else", None, None))
        elif lw in ("missing", "miss"):
            matchers.append(("missing", None, None))
        elif lw in ("nonmissing", "nonmiss"):
            matchers.append(("nonmissing", None, None))
        elif "/" in w:
            a, _, b = w.partition("/")
            lo = -np.inf if a.lower() == "min" else _value(a)
            hi = np.inf if b.lower() == "max" else _value(b)
            matchers.append(("range", lo, hi))
        else:
            matchers.append(("value", _value(w), None))
    return matchers, new


def _mask(matchers, x: np.ndarray, untouched: np.ndarray, single: bool) -> np.ndarray:
    """Rows a rule matches; for float (and smaller) variables the rule's numbers are taken
    at float precision, as recode.ado compares float(x) with float(#)."""
    hit = np.zeros(len(x), dtype=bool)
    if single:
        x = x.astype(np.float32).astype(float)
    missing = np.isnan(x)
    for kind, lo, hi in matchers:
        if kind == "else":
            hit |= untouched
        elif kind == "missing":
            hit |= missing
        elif kind == "nonmissing":
            hit |= ~missing
        elif kind == "range":
            if single:
                lo, hi = (float(np.float32(v)) if np.isfinite(v) else v for v in (lo, hi))
            if np.isnan(lo) or np.isnan(hi):       # a range ending at . takes missing too
                hit |= (x >= (lo if not np.isnan(lo) else np.inf)) | missing
            else:
                hit |= (x >= lo) & (x <= hi)
        else:
            hit |= missing if np.isnan(lo) else (x == (float(np.float32(lo)) if single else lo))
    return hit


def split_rules(main: str) -> tuple[str, list[str]]:
    """The varlist before the first `(`, and each parenthesised rule."""
    first = main.find("(")
    if first < 0:
        raise StataError(198, "rules expected")
    rules, depth, start = [], 0, None
    for i, c in enumerate(main[first:], first):
        if c == "(":
            depth += 1
            if depth == 1:
                start = i + 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                rules.append(main[start:i])
        elif depth == 0 and not c.isspace():
            raise StataError(198, "invalid syntax")
    if depth:
        raise StataError(198, "unmatched parenthesis")
    return main[:first], rules


@command("recode", syntax="raw", help="recode the values of numeric variables")
def recode(session, raw):
    """recode varlist (rule) [(rule) ...] [if] [in] [, generate(newvars) prefix(str) copyrest]
        rule: (# [#...] = #), (#/# = #), min max missing nonmissing else
    """
    data = session.data
    main, opt_text = split_options(raw.anything)
    opts = OPTIONS.bind_options(opt_text) if opt_text is not None else {}
    for unsupported in ("label", "test"):
        if unsupported in opts:
            raise StataError(198, f"option {unsupported}() not allowed" if unsupported == "label"
                             else f"option {unsupported} not allowed")
    main, found = clauses(main)
    if "using" in found:
        raise StataError(101, "using not allowed")
    args = Args(body=raw.anything)
    bind_if_in(args, found, data.nobs)
    vartext, rule_texts = split_rules(main)
    varlist = expand_varlist(vartext, data.names)
    if not varlist:
        raise StataError(100, "varlist required")
    rules = [parse_rule(t) for t in rule_texts]
    kinds = [m[0][0] for m, _ in rules]
    keyword = [k in ("else", "missing", "nonmissing") for k in kinds]
    if any(keyword[i] and not keyword[i + 1] for i in range(len(keyword) - 1)):
        bad = next(t for t, k in zip(rule_texts, keyword) if not k and any(keyword[:rule_texts.index(t)]))
        raise StataError(198, f"unknown keyword {bad.split('=')[0].split()[0]}")
    if "else" in kinds and ("missing" in kinds or "nonmissing" in kinds):
        raise StataError(198, "keywords else/* and missing/nonmissing may not be combined")
    for name in varlist:
        if data.is_string(name):
            raise StataError(108, "recode only allows numeric variables")
    gen, prefix = opts.get("generate"), opts.get("prefix")
    if gen is not None and opts.get("into") is not None:
        raise StataError(198, "options generate() and into() are synonyms")
    gen = gen if gen is not None else opts.get("into")
    if gen is not None and prefix is not None:
        raise StataError(198, "option prefix() may not be combined with generate() or into()")
    targets = None
    if gen is not None:
        targets = tokens(gen)
        if len(targets) != len(varlist):
            raise StataError(198, "the number of new and transformed varnames should be the same")
    elif prefix is not None:
        targets = [prefix + n for n in varlist]
    elif opts.get("copyrest"):
        raise StataError(198, "option copyrest requires generate() or prefix()")
    if targets is not None:
        for t in targets:
            if prefix is not None and t in data.names:
                raise StataError(110, f"variable {t} already exists")
            check_new_name(t, data.names)
        if len(set(targets)) != len(targets):
            raise StataError(198, "generate(): new variable names must differ")
    sample = args.touse(session)
    lines = []
    for k, name in enumerate(varlist):
        var = data.var(name)
        x = var.values
        new = x.copy()                      # a new array: the column itself is never changed
        untouched = sample.copy()
        single = var.stype not in ("double", "long")
        for matchers, value in rules:
            hit = _mask(matchers, x, untouched, single) & untouched
            new[hit] = value
            untouched &= ~hit
        if targets is None:
            stype = _promote(var.stype, np.where(sample, new, np.nan))
            stored = to_storage(new, stype)
            changed = int(np.sum(~((stored == x) | (np.isnan(stored) & np.isnan(x))) & sample))
            data.set_values(name, stored, stype)
            # recode.ado's note is plural whatever the count
            lines.append(f"({name}: {comma_int(changed)} changes made)")
        else:
            if not opts.get("copyrest"):
                new = np.where(sample, new, np.nan)
            stype = _promote(var.stype, new)
            stored = to_storage(new, stype)
            data.add(targets[k], stored, stype, var.fmt, f"RECODE of {name}"
                     + (f" ({var.label})" if var.label else ""))
            same = (stored == x) | (np.isnan(stored) & np.isnan(x))
            diff = int(np.sum(~same & sample))          # recode.ado counts within if/in
            lines.append(f"({comma_int(diff)} differences between {name} and {targets[k]})")
    return "\n".join(lines)
