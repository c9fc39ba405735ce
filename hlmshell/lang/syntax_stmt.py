"""The `syntax` statement of programs ([P] syntax): parse `0' against a description and
set the locals Stata sets (varlist, if, in, using, exp, anything, one per option)."""
from __future__ import annotations

import re

from hlmshell.errors import StataError
from hlmshell.lang.macros import number_text

_ELEMENT = re.compile(r"(\[)?\s*(varlist|varname|newvarlist|newvarname|namelist|name|anything"
                      r"|if|in|using/?|=/?exp)(\([^)]*\))?\s*(\])?")


def _option_specs(text: str):
    """`Detail Level(real 95) GENerate(name) noLOG *` → (name, minimum, type, default)."""
    out, star = [], False
    for m in re.finditer(r"(\*)|([A-Za-z]+)(?:\(([^)]*)\))?", text):
        if m.group(1):
            star = True
            continue
        word, arg = m.group(2), m.group(3)
        on_off = word.startswith("no") and len(word) > 2 and word[2].isupper()
        base = word[2:] if on_off else word
        minimum = re.match(r"[A-Z]*", base).group().lower() or base.lower()
        kind, default = None, ""
        if arg is not None:
            parts = arg.split(None, 1)
            if not parts:           # `Name()`: no type
                raise StataError(197, "invalid syntax")
            kind = parts[0]
            default = parts[1].strip() if len(parts) > 1 else ""
        out.append((base.lower(), minimum, kind, default, on_off))
    return out, star


def run_syntax(session, description: str) -> None:
    from hlmshell.dataset.varlist import check_new_name, expand_varlist
    from hlmshell.syntax.spec import clauses, parse_option_list, split_options
    macros = session.macros
    zero = macros.local("0")
    desc_main, _, desc_opts = description.partition(",")
    desc_main = desc_main.rstrip().rstrip("[")
    elements = [(m.group(2), m.group(3) or "", not m.group(1)) for m in _ELEMENT.finditer(desc_main)]
    if not elements and desc_main.strip():
        raise StataError(197, "invalid syntax")
    specs, star = _option_specs(desc_opts)

    main, opts = split_options(zero)
    kinds = {e[0].rstrip("/") for e in elements}
    found = {}
    if kinds & {"if", "in", "using"}:
        main, found = clauses(main)
    results: dict[str, str] = {}
    for kw in ("if", "in", "using"):
        el = next((e for e in elements if e[0].rstrip("/") == kw), None)
        if kw in found:
            if el is None:
                raise StataError(101, {"if": "if not allowed", "in": "in range not allowed",
                                       "using": "using not allowed"}[kw])
            text = found[kw].strip()
            results[kw] = text if el[0].endswith("/") else f"{kw} {text}"
        elif el is not None and el[2]:
            raise StataError(100, f"{kw} required")
    main = main.strip()
    exp_el = next((e for e in elements if e[0].startswith("=")), None)
    if exp_el is not None:
        head, eq, text = main.partition("=")
        if eq:
            results["exp"] = text.strip() if "/" in exp_el[0] else f"= {text.strip()}"
            main = head.strip()
        elif exp_el[2]:
            raise StataError(198, "= exp required")
    for name, spec, required in elements:
        if name in ("if", "in", "using", "using/") or name.startswith("="):
            continue
        local = "varlist" if name in ("varlist", "varname", "newvarlist", "newvarname") else \
            "namelist" if name in ("namelist", "name") else "anything"
        if not main:
            if required:
                raise StataError(100, f"{'varlist' if local == 'varlist' else local} required")
            default = re.search(r"default\s*=\s*none", spec)
            if name in ("varlist",) and not default:
                results["varlist"] = " ".join(session.data.names)
            continue
        if name in ("varlist", "varname"):
            names = expand_varlist(main, session.data.names)
            if name == "varname" and len(names) > 1:
                raise StataError(103, "too many variables specified")
            _check_counts(spec, names)
            _check_types(session, spec, names)
            results["varlist"] = " ".join(names)
        elif name in ("newvarlist", "newvarname"):
            words = main.split()
            if name == "newvarname" and len(words) > 1:
                raise StataError(103, "too many variables specified")
            results["varlist"] = " ".join(check_new_name(w, session.data.names) for w in words)
        elif name in ("namelist", "name"):
            words = main.split()
            if name == "name" and len(words) > 1:
                raise StataError(198, "invalid syntax")
            for w in words:
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", w):
                    raise StataError(198, f"{w} invalid name")
            results["namelist"] = " ".join(words)
        else:
            m = re.search(r"name\s*=\s*(\w+)", spec)
            local = m.group(1) if m else "anything"
            results[local] = main
        main = ""
    if main:
        raise StataError(198, "invalid syntax")
    if opts is not None and opts.strip() and not specs and not star:
        raise StataError(198, f"option {opts.strip().split('(')[0].split()[0]} not allowed")
    values = {}
    for base, _minimum, kind, default, on_off in specs:
        if kind is not None and kind not in ("string", "passthru"):
            values[base] = default
    rest = []
    for word, arg in parse_option_list(opts or ""):
        hit = None
        for spec in specs:
            base, minimum, kind, default, on_off = spec
            if base.startswith(word) and len(word) >= len(minimum):
                hit = (spec, False)
                break
            if on_off and word.startswith("no") and base.startswith(word[2:]) and \
                    len(word) - 2 >= len(minimum):
                hit = (spec, True)
                break
        if hit is None:
            if star:
                rest.append(word if arg is None else f"{word}({arg})")
                continue
            raise StataError(198, f"option {word} not allowed")
        (base, minimum, kind, default, on_off), negated = hit
        if kind is None:
            if arg is not None:
                raise StataError(198, f"option {base}() not allowed")
            values[base] = ("no" + base) if negated else base
            continue
        if arg is None:
            raise StataError(198, f"option {base}() required")
        values[base] = _typed_option(session, base, kind, arg)
    for base, _minimum, kind, _default, _on_off in specs:
        macros.set_local(base, values.get(base, ""))
    if star:
        macros.set_local("options", " ".join(rest))
    declared = {_LOCAL_OF.get(e[0].rstrip("/").lstrip("=/"), e[0].rstrip("/").lstrip("=/"))
                for e in elements}
    for key in declared | set(results):
        macros.set_local(key, results.get(key, ""))


_LOCAL_OF = {"varname": "varlist", "newvarlist": "varlist", "newvarname": "varlist",
             "name": "namelist"}


def _typed_option(session, base: str, kind: str, arg: str) -> str:
    if kind in ("real", "integer"):
        try:
            value = float(arg)
        except ValueError:
            raise StataError(198, f"option {base}() incorrectly specified") from None
        if kind == "integer" and value != int(value):
            raise StataError(198, f"option {base}() incorrectly specified")
        return number_text(value)
    if kind == "passthru":
        return f"{base}({arg})"
    if kind in ("varlist", "varname"):
        from hlmshell.dataset.varlist import expand_varlist
        names = expand_varlist(arg, session.data.names)
        if kind == "varname" and len(names) != 1:
            raise StataError(103, "too many variables specified")
        return " ".join(names)
    if kind == "numlist":
        from hlmshell.syntax.numlist import parse_numlist
        return " ".join(number_text(v) for v in parse_numlist(arg))
    if kind == "name":
        if not re.fullmatch(r"\s*[A-Za-z_][A-Za-z0-9_]{0,31}\s*", arg):
            raise StataError(198, f"option {base}() invalid")
        return arg.strip()
    if kind == "string":
        return arg.strip()
    raise StataError(198, f"{kind} invalid option type in syntax")


def _check_counts(spec: str, names: list[str]) -> None:
    lo = re.search(r"min\s*=\s*(\d+)", spec)
    hi = re.search(r"max\s*=\s*(\d+)", spec)
    if lo and len(names) < int(lo.group(1)):
        raise StataError(102, "too few variables specified")
    if hi and len(names) > int(hi.group(1)):
        raise StataError(103, "too many variables specified")


def _check_types(session, spec: str, names: list[str]) -> None:
    for v in names:
        string = session.data.is_string(v)
        if re.search(r"\bnumeric\b", spec) and string:
            raise StataError(109, "string variables not allowed in varlist;\n"
                                  f"{v} is a string variable")
        if re.search(r"\bstring\b", spec) and not string:
            raise StataError(109, "numeric variables not allowed in varlist;\n"
                                  f"{v} is not a string variable")
