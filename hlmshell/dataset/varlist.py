"""Varlists against the variable names: abbreviations, wildcards (* ? ~), ranges (a-b), _all."""
from __future__ import annotations

import fnmatch
import re

from hlmshell.errors import StataError

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")


def unabbreviate(name: str, names: list[str]) -> str:
    """A variable name or its unique abbreviation → the full name (r(111) otherwise)."""
    if name in names:
        return name
    if not names:
        raise StataError(111, "no variables defined")
    hits = [n for n in names if n.startswith(name)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise StataError(111, f"variable {name} not found")
    raise StataError(111, f"{name} ambiguous abbreviation")


def _pattern(word: str, names: list[str]) -> list[str]:
    pattern = word.replace("~", "*")
    hits = [n for n in names if fnmatch.fnmatchcase(n, pattern)]
    if not hits:
        raise StataError(111, f"variable {word} not found")
    if "~" in word and len(hits) > 1:
        raise StataError(111, f"{word} ambiguous abbreviation")
    return hits


def tokens(text: str) -> list[str]:
    """Split a varlist into words, keeping `a-b` ranges (also written `a- b` or `a -b`) as one."""
    text = re.sub(r"\s*-\s*", "-", text.strip())
    return text.split()


def expand_varlist(text: str | list[str], names: list[str]) -> list[str]:
    """Expand a varlist in file order for ranges and wildcards; duplicates are kept once."""
    words = tokens(text) if isinstance(text, str) else list(text)
    out: list[str] = []
    for word in words:
        if word == "_all" or word == "*":
            found = list(names)
        elif "-" in word:
            first, _, last = word.partition("-")
            if not first or not last:
                raise StataError(198, "- invalid name")
            i, j = names.index(unabbreviate(first, names)), names.index(unabbreviate(last, names))
            if j < i:
                raise StataError(198, f"{word} invalid varlist")  # Stata: range must go forward
            found = names[i:j + 1]
        elif any(c in word for c in "*?~"):
            found = _pattern(word, names)
        else:
            if not NAME_RE.match(word):
                raise StataError(198, f"{word} invalid name")
            found = [unabbreviate(word, names)]
        out.extend(n for n in found if n not in out)
    return out


def check_new_name(name: str, existing: list[str]) -> str:
    if not NAME_RE.match(name) or name in RESERVED:
        raise StataError(198, f"{name} invalid name")
    if name in existing:
        raise StataError(110, f"variable {name} already defined")
    return name


RESERVED = {"_all", "_b", "_coef", "_cons", "_n", "_N", "_pi", "_pred", "_rc", "_se", "_skip",
            "byte", "double", "float", "if", "in", "int", "long", "using", "with"}
