"""Extended macro functions ([P] macro): `local x : word count ...`, `: list uniq x`, ...

Each function gets the text after its name and returns the macro's new text."""
from __future__ import annotations

import re

from hlmshell.errors import StataError


def tokens(text: str) -> list[str]:
    """Stata's words: blank-separated, a "..." or `"..."' string is one word (kept with
    its quotes)."""
    out, i, n = [], 0, len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            break
        start = i
        if text.startswith('`"', i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith('`"', i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("\"'", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif text[i] == '"':
            j = text.find('"', i + 1)
            i = n if j < 0 else j + 1
        else:
            while i < n and text[i] not in " \t":
                i += 1
        out.append(text[start:i])
    return out


def unquote(word: str) -> str:
    if word.startswith('`"') and word.endswith("\"'") and len(word) >= 4:
        return word[2:-2]
    if len(word) >= 2 and word[0] == word[-1] == '"':
        return word[1:-1]
    return word


def _split(body: str) -> tuple[str, str]:
    body = body.strip()
    m = re.match(r"([A-Za-z_]+)\s*", body)
    if not m:
        raise StataError(198, "invalid syntax")
    return m.group(1), body[m.end():]


def _matches(word: str, full: str, minimum: int) -> bool:
    return full.startswith(word) and len(word) >= minimum


def extended(session, body: str) -> str:
    name, rest = _split(body)
    for full, minimum, fn in _FUNCTIONS:
        if _matches(name, full, minimum):
            return fn(session, rest)
    raise StataError(198, f"{name} invalid extended macro function" if name else "invalid syntax")


# ---------------------------------------------------------------------------- functions
def _word(session, rest: str) -> str:
    m = re.fullmatch(r"count\s*(.*)", rest, re.S)
    if m:
        return str(len(tokens(m.group(1))))
    m = re.fullmatch(r"(\S+)\s+of\s*(.*)", rest, re.S)
    if not m:
        raise StataError(198, "invalid syntax")
    try:
        k = int(m.group(1))
    except ValueError:
        raise StataError(198, f"{m.group(1)} invalid") from None
    words = tokens(m.group(2))
    return unquote(words[k - 1]) if 1 <= k <= len(words) else ""


def _piece(session, rest: str) -> str:
    m = re.fullmatch(r"(\d+)\s+(\d+)\s+of\s*(.*)", rest, re.S)
    if not m:
        raise StataError(198, "invalid syntax")
    k, width, text = int(m.group(1)), int(m.group(2)), unquote(m.group(3).strip())
    pieces, cur = [], ""
    for w in text.split():
        if cur and len(cur) + 1 + len(w) > width:
            pieces.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}" if cur else w
    if cur:
        pieces.append(cur)
    return pieces[k - 1] if 1 <= k <= len(pieces) else ""


def _local_list(session, name: str) -> list[str]:
    return tokens(session.macros.local(name))


def _list(session, rest: str) -> str:
    words = rest.split()
    if not words:
        raise StataError(198, "invalid syntax")
    op = words[0]
    unary = {"uniq": lambda l: list(dict.fromkeys(l)),
             "dups": lambda l: [w for i, w in enumerate(l) if w in l[:i]],
             "sort": sorted,
             "retokenize": lambda l: l,
             "clean": lambda l: l}
    if op in unary and len(words) == 2:
        return " ".join(unary[op](_local_list(session, words[1])))
    if op == "sizeof" and len(words) == 2:
        return str(len(_local_list(session, words[1])))
    if op == "posof":
        m = re.fullmatch(r"posof\s+(.+?)\s+in\s+(\S+)\s*", rest, re.S)
        if not m:
            raise StataError(198, "invalid syntax")
        elt = unquote(m.group(1).strip())
        items = [unquote(w) for w in _local_list(session, m.group(2))]
        return str(items.index(elt) + 1) if elt in items else "0"
    if len(words) == 3:
        a, op, b = words
        la, lb = _local_list(session, a), _local_list(session, b)
        if op == "|":
            return " ".join(la + [w for w in lb if w not in la])
        if op == "&":
            return " ".join(w for w in la if w in lb)
        if op == "-":
            return " ".join(w for w in la if w not in lb)
        if op == "==":
            return str(int(sorted(la) == sorted(lb) and set(la) == set(lb)))
        if op == "===":
            return str(int(la == lb))
        if op == "in":
            return str(int(all(w in lb for w in la)))
    raise StataError(198, "invalid syntax")


def _var(session, rest: str, what: str) -> str:
    from hlmshell.dataset.varlist import unabbreviate
    name = rest.strip()
    if not name:
        raise StataError(100, "varname required")
    var = session.data.var(unabbreviate(name, session.data.names))
    if what == "label":
        return var.label or ""
    if what == "type":
        return var.stype
    if what == "format":
        return var.fmt
    return getattr(var, "value_label", None) or ""


def _variable(session, rest: str) -> str:
    sub, rest = _split(rest)
    if not _matches(sub, "label", 3):
        raise StataError(198, "invalid syntax")
    return _var(session, rest, "label")


def _value(session, rest: str) -> str:
    sub, rest = _split(rest)
    if not _matches(sub, "label", 3):
        raise StataError(198, "invalid syntax")
    return _var(session, rest, "value")


def _label(session, rest: str) -> str:
    """`: label lblname #` or `: label (varname) #`: the value's label (or the number)."""
    m = re.fullmatch(r"\s*(\(\s*\w+\s*\)|\w+)\s+(\S+)(?:\s+(\d+))?(?:\s*,\s*strict)?\s*", rest)
    if not m:
        raise StataError(198, "invalid syntax")
    name, value = m.group(1), m.group(2)
    if name.startswith("("):
        lbl = _var(session, name[1:-1], "value")
    else:
        lbl = name
    labels = getattr(session.data, "value_labels", {}) or {}
    try:
        key = float(value)
    except ValueError:
        raise StataError(198, f"{value} invalid") from None
    text = labels.get(lbl, {}).get(key)
    if text is None:
        text = "" if "strict" in rest else value
    if m.group(3):
        text = text[: int(m.group(3))]
    return text


def _typ(session, rest: str) -> str:
    return _var(session, rest, "type")


def _fmt(session, rest: str) -> str:
    return _var(session, rest, "format")


def _display(session, rest: str) -> str:
    from hlmshell.commands.display import render_display
    return render_display(rest, session).rstrip("\n")


def _strlen(session, rest: str) -> str:
    sub, name = _split(rest)
    source = _source(session, sub, name.strip())
    return str(len(source))


def _source(session, kind: str, name: str) -> str:
    if _matches(kind, "local", 3):
        return session.macros.local(name)
    if _matches(kind, "global", 3):
        return session.macros.globals.get(name, "")
    raise StataError(198, "invalid syntax")


def _subinstr(session, rest: str) -> str:
    """`: subinstr local name "from" "to" [, all word count(local c)]`"""
    kind, rest = _split(rest)
    m = re.match(r"(\w+)\s+", rest)
    if not m:
        raise StataError(198, "invalid syntax")
    source = _source(session, kind, m.group(1))
    rest = rest[m.end():]
    opts = ""
    words = tokens(rest)
    comma = next((i for i, w in enumerate(words) if w.startswith(",")), None)
    if comma is not None:
        opts = " ".join(words[comma:])[1:]
        words = words[:comma]
    if len(words) != 2:
        raise StataError(198, "invalid syntax")
    old, new = unquote(words[0]), unquote(words[1])
    all_, word, count_name = False, False, None
    for opt in re.findall(r"\w+(?:\([^)]*\))?", opts):
        if opt == "all":
            all_ = True
        elif opt == "word":
            word = True
        elif opt.startswith("count("):
            count_name = opt[6:-1].split()[-1]
        else:
            raise StataError(198, f"option {opt} not allowed")
    limit = None if all_ else 1
    if word:
        parts, count = tokens(source), 0
        for i, w in enumerate(parts):
            if w == old and (limit is None or count < limit):
                parts[i], count = new, count + 1
        result = " ".join(p for p in parts if p)
    else:
        count = source.count(old) if old else 0
        if limit is not None:
            count = min(count, limit)
        result = source.replace(old, new, -1 if all_ else 1) if old else source
    if count_name:
        session.macros.set_local(count_name, str(count))
    return result


def _copy(session, rest: str) -> str:
    kind, name = _split(rest)
    return _source(session, kind, name.strip())


def _names(session, rest: str, which: str) -> str:
    name = rest.strip()
    mat = _matrix(session, name)
    names = mat.rownames if which == "row" else mat.colnames
    return " ".join(n.partition(":")[2] if ":" in n else n for n in names)


def _matrix(session, name: str):
    from hlmshell.commands.matrix import lookup
    return lookup(session, name)


def _rownames(session, rest):
    return _names(session, rest, "row")


def _colnames(session, rest):
    return _names(session, rest, "col")


def _tempwhat(session, rest: str) -> str:
    return session.macros.temp_name()


# (full name, minimum abbreviation length, function)
_FUNCTIONS = [
    ("word", 4, _word), ("piece", 5, _piece), ("list", 4, _list),
    ("variable", 3, _variable), ("value", 3, _value), ("label", 3, _label),
    ("type", 1, _typ), ("format", 3, _fmt), ("display", 2, _display),
    ("strlen", 6, _strlen), ("ustrlen", 7, _strlen), ("subinstr", 8, _subinstr),
    ("copy", 4, _copy), ("rownames", 8, _rownames), ("colnames", 8, _colnames),
    ("rowfullnames", 12, lambda s, r: " ".join(_matrix(s, r.strip()).rownames)),
    ("colfullnames", 12, lambda s, r: " ".join(_matrix(s, r.strip()).colnames)),
]
