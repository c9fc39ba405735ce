"""Variables as a whole: rename (also groups and wildcards), order/move, clonevar, format,
compress, recast, mvdecode/mvencode ([D] rename group, order, clonevar, format, compress,
recast, mvencode)."""
from __future__ import annotations

import fnmatch
import re

import numpy as np

from hlmshell.commands.generate import _plural, to_storage
from hlmshell.commands.registry import command
from hlmshell.dataset.dataset import INT_LIMITS, coerce, default_format, is_string_type
from hlmshell.dataset.varlist import NAME_RE, RESERVED, check_new_name, expand_varlist, unabbreviate
from hlmshell.errors import StataError
from hlmshell.render.formats import comma_int

_BYTES = {"byte": 1, "int": 2, "long": 4, "float": 4, "double": 8}
_NUMERIC = ("byte", "int", "long", "float", "double")


# ------------------------------------------------------------------ rename
def _groups(text: str) -> tuple[list[str], list[str], str]:
    """`(a b) (c d)` or `a c` → old words, new words; and the options text."""
    main, _, opts = text.partition(",")
    parts = re.findall(r"\(([^()]*)\)|(\S+)", main)
    sides = [p[0].split() if p[0] or not p[1] else [p[1]] for p in parts]
    if len(sides) == 1 and opts.strip():
        return sides[0], [], opts
    if len(sides) != 2:
        raise StataError(198, "invalid syntax")
    return sides[0], sides[1], opts


def _wild_regex(pattern: str) -> re.Pattern:
    return re.compile("^" + "".join("(.*)" if c == "*" else "(.)" if c == "?" else re.escape(c)
                                    for c in pattern) + "$")


def _apply(pattern: str, pieces: tuple) -> str:
    it = iter(pieces)
    return "".join(next(it, "") if c in "*?" else c for c in pattern)


@command("rename", abbrev="ren", syntax="raw", help="rename variables: rename old new, "
         "rename (a b) (c d), rename x* y*, rename *, lower")
def rename(session, args):
    """rename old new | rename (old1 old2 ...) (new1 new2 ...) | rename pattern* newpattern* [, upper lower proper]"""
    from hlmshell.syntax.spec import clauses, split_options
    data = session.data
    _, found = clauses(split_options(args.anything)[0])
    for kw, message in (("using", "using not allowed"), ("in", "in range not allowed"),
                        ("if", "if not allowed")):
        if kw in found:
            raise StataError(101, message)
    old_words, new_words, opts = _groups(args.anything)
    case = opts.strip().lower()
    if case and case not in ("upper", "lower", "proper", "u", "l", "p"):
        raise StataError(198, f"option {case} not allowed")
    mapping: list[tuple[str, str]] = []
    if case:
        if new_words:
            raise StataError(198, "invalid syntax")
        for name in expand_varlist(" ".join(old_words), data.names):
            new = {"u": name.upper(), "l": name.lower(), "p": name.capitalize()}[case[0]]
            mapping.append((name, new))
    else:
        if len(old_words) != len(new_words):
            raise StataError(198, f"{len(new_words)} new name{'s' if len(new_words) != 1 else ''}"
                                  f" specified for {len(old_words)} old")
        for old, new in zip(old_words, new_words):
            if any(c in old for c in "*?"):
                rx = _wild_regex(old)
                hits = [n for n in data.names if fnmatch.fnmatchcase(n, old)]
                if not hits:
                    raise StataError(111, f"variable {old} not found")
                mapping += [(n, _apply(new, rx.match(n).groups())) for n in hits]
            else:
                mapping.append((unabbreviate(old, data.names), new))
    olds = [o for o, _ in mapping]
    if len(set(olds)) != len(olds):
        raise StataError(198, "a variable is renamed more than once")
    final = {n: n for n in data.names}
    for old, new in mapping:
        if not NAME_RE.match(new) or new in RESERVED:
            raise StataError(198, f"{new} invalid name")
        final[old] = new
    names = list(final.values())
    for new in set(names):
        if names.count(new) > 1:
            raise StataError(110, f"variable {new} already defined")
    data.rename_all(final)
    return None


# ------------------------------------------------------------------ order / move
@command("order", syntax="varlist [, FIRST LAST Before(string) After(string) ALPHAbetic SEQuential]",
         help="reorder variables")
def order(session, args):
    """order varlist [, first last before(varname) after(varname) alphabetic sequential]"""
    data = session.data
    names = list(args.varlist)
    opts = args.options
    if opts.get("alphabetic"):
        names = sorted(names, key=str.lower)
    elif opts.get("sequential"):
        names = sorted(names, key=lambda n: [int(t) if t.isdigit() else t.lower()
                                             for t in re.split(r"(\d+)", n)])
    places = [k for k in ("first", "last", "before", "after") if opts.get(k)]
    if len(places) > 1:
        raise StataError(198, "only one of first, last, before() and after() may be specified")
    rest = [n for n in data.names if n not in names]
    if opts.get("last"):
        new = rest + names
    elif opts.get("before") or opts.get("after"):
        anchor = unabbreviate(str(opts.get("before") or opts.get("after")).strip(), data.names)
        if anchor in names:
            raise StataError(198, f"{anchor} may not be among the variables moved")
        at = rest.index(anchor) + (1 if opts.get("after") else 0)
        new = rest[:at] + names + rest[at:]
    else:
        new = names + rest
    data.vars = {n: data.vars[n] for n in new}
    data.changed = True
    return None


@command("move", syntax="anything", help="move var1 var2: put var1 before var2")
def move(session, args):
    """move varname1 varname2"""
    words = args.anything.split()
    if len(words) != 2:
        raise StataError(198, "invalid syntax")
    data = session.data
    a, b = unabbreviate(words[0], data.names), unabbreviate(words[1], data.names)
    if a == b:
        return None
    rest = [n for n in data.names if n != a]
    at = rest.index(b)
    data.vars = {n: data.vars[n] for n in rest[:at] + [a] + rest[at:]}
    data.changed = True
    return None


# ------------------------------------------------------------------ clonevar
@command("clonevar", syntax="anything =exp [if] [in]", help="copy a variable with its properties")
def clonevar(session, args):
    """clonevar newvar = varname [if] [in]"""
    data = session.data
    new = args.anything.strip()
    check_new_name(new, data.names)
    src = args.exp_text.strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", src):
        raise StataError(198, "invalid syntax")
    src = unabbreviate(src, data.names)
    var = data.var(src)
    sample = args.touse(session)
    if var.is_string:
        values = np.where(sample, var.values, "").astype(object)
    else:
        values = np.where(sample, var.values, np.nan)
    added = data.add(new, values, var.stype, var.fmt, var.label)
    added.value_label = var.value_label
    if not var.is_string:
        extra = int(np.isnan(values).sum() - np.isnan(var.values).sum())
        if extra:
            return f"({_plural(extra, 'missing value', 'missing values')} generated)"
    return None


# ------------------------------------------------------------------ format
@command("format", syntax="anything", help="set display formats: format varlist %fmt")
def format_cmd(session, args):
    """format varlist %fmt  |  format %fmt varlist  |  format [varlist]"""
    from hlmshell.render.formats import parse_format
    data = session.data
    words = args.anything.split()
    fmts = [w for w in words if w.startswith("%")]
    names_text = " ".join(w for w in words if not w.startswith("%"))
    if not fmts:         # show the formats
        names = expand_varlist(names_text, data.names) if names_text else data.names
        width = max((len(n) for n in names), default=8)
        return "\n".join(f"  {n:<{width}}  {data.var(n).fmt}" for n in names)
    if len(fmts) > 1 or (words[0] != fmts[0] and words[-1] != fmts[0]):
        raise StataError(198, "invalid syntax")
    spec = parse_format(fmts[0])
    names = expand_varlist(names_text, data.names)
    if not names:
        raise StataError(100, "varlist required")
    for n in names:
        if (spec.kind == "s") != data.is_string(n):
            raise StataError(120, f"{fmts[0]} invalid format for {'string' if data.is_string(n) else 'numeric'} variable {n}")
    for n in names:
        data.var(n).fmt = fmts[0]
    data.changed = True
    return None


# ------------------------------------------------------------------ compress / recast
def _width(stype: str) -> int:
    return _BYTES.get(stype) or (int(stype[3:]) if stype[3:].isdigit() else 8)


def _fits(values: np.ndarray, stype: str) -> bool:
    """Would every value survive storage as `stype`?"""
    finite = values[~np.isnan(values)]
    if stype in INT_LIMITS:
        lo, hi = INT_LIMITS[stype]
        return bool(np.all(finite == np.trunc(finite)) and np.all((finite >= lo) & (finite <= hi)))
    if stype == "float":
        return bool(np.array_equal(coerce(finite, "float"), finite))
    return True


@command("compress", syntax="[varlist]", help="store variables in their smallest types")
def compress(session, args):
    """compress [varlist]"""
    data = session.data
    lines, saved = [], 0
    for name in args.varlist:
        var = data.var(name)
        if var.is_string:
            if var.stype == "strL":
                continue
            longest = max(max((len(v.encode()) for v in var.values), default=1), 1)
            new = f"str{longest}"
        else:
            order = _NUMERIC[:_NUMERIC.index(var.stype)]
            new = next((t for t in order if _fits(var.values, t)), var.stype)
        if new == var.stype:
            continue
        saved += data.nobs * (_width(var.stype) - _width(new))
        lines.append(f"  variable {name} was {var.stype} now {new}")
        fmt_default = var.fmt == default_format(var.stype)
        var.stype = new
        if fmt_default:
            var.fmt = default_format(new)
        data.changed = True
    lines.append(f"  ({comma_int(saved)} bytes saved)")
    return "\n".join(lines)


@command("recast", syntax="anything [, FORCE]", help="change the storage type of variables")
def recast(session, args):
    """recast type varlist [, force]"""
    data = session.data
    words = args.anything.split()
    if len(words) < 2:
        raise StataError(198, "invalid syntax")
    stype, names = words[0], expand_varlist(" ".join(words[1:]), data.names)
    if not (stype in _NUMERIC or re.fullmatch(r"str([1-9]\d*|L)", stype)):
        raise StataError(198, f"{stype} invalid type")
    lines = []
    for name in names:
        var = data.var(name)
        if is_string_type(stype) != var.is_string:
            raise StataError(109, "type mismatch")
        if var.is_string:
            width = 2_000_000_000 if stype == "strL" else int(stype[3:])
            new = np.array([v[:width] for v in var.values], dtype=object)
            changed = int(np.sum(new != var.values))
        else:
            new = to_storage(var.values, stype)
            changed = int(np.sum(~((new == var.values) | (np.isnan(new) & np.isnan(var.values)))))
        if changed and not args.options.get("force"):
            raise StataError(681, f"{name}:  {_plural(changed, 'value', 'values')} would be "
                                  "changed; not changed")
        if changed:
            lines.append(f"{name}:  {_plural(changed, 'value', 'values')} changed")
        data.set_values(name, new, stype)
    return "\n".join(lines) or None


# ------------------------------------------------------------------ mvdecode / mvencode
def _mv_numbers(text) -> list[float]:
    from hlmshell.dataset.egen_more import numlist
    if text is None or text is True:
        raise StataError(198, "option mv() required")
    if "=" in str(text):
        raise StataError(198, "extended missing values (.a-.z) not allowed")
    return numlist(text, "mv")


def _mv_line(name: str, text: str) -> str:
    """mvencode.ado's layout: the name right-aligned in 12 columns, then `: text`."""
    from hlmshell.render.formats import abbrev
    return f"{abbrev(name, 12):>12}: {text}"


@command("mvdecode", syntax="varlist [if] [in] , MV(string)", help="change numbers to missing")
def mvdecode(session, args):
    """mvdecode varlist [if] [in], mv(numlist)"""
    data = session.data
    values = _mv_numbers(args.options.get("mv"))
    sample = args.touse(session)
    lines = []
    for name in args.varlist:
        var = data.var(name)
        if var.is_string:
            lines.append(_mv_line(name, "string variable ignored"))
            continue
        hit = sample & np.isin(var.values, values)
        n = int(hit.sum())
        if n:
            data.set_values(name, np.where(hit, np.nan, var.values))
            lines.append(_mv_line(name, f"{n} missing value{'s' if n > 1 else ''} generated"))
    return "\n".join(lines) or None


@command("mvencode", syntax="varlist [if] [in] , MV(string) OVERride",
         help="change missing values to a number")
def mvencode(session, args):
    """mvencode varlist [if] [in], mv(#) [override]"""
    data = session.data
    values = _mv_numbers(args.options.get("mv"))
    if len(values) != 1:
        raise StataError(198, "mv() must be one number")
    code = values[0]
    sample = args.touse(session)
    if not sample.any():
        return None
    lines, bad = [], False
    if not args.options.get("override"):
        for name in args.varlist:
            var = data.var(name)
            if var.is_string:
                lines.append(_mv_line(name, "string variable ignored"))
                continue
            n = int(np.sum(sample & (var.values == code)))
            if n:
                lines.append(_mv_line(name, f"already {code:g} in {n:4d} "
                                            f"observation{'s' if n > 1 else ''}"))
                bad = True
        if bad:
            raise StataError(9, "\n".join(lines + ["no action taken"]))
    for name in args.varlist:
        var = data.var(name)
        if var.is_string:
            continue
        hit = sample & np.isnan(var.values)
        n = int(hit.sum())
        if n:
            stype = var.stype if _fits(np.array([code]), var.stype) else \
                ("float" if var.stype in INT_LIMITS and _fits(np.array([code]), "float") else "double")
            data.set_values(name, to_storage(np.where(hit, code, var.values), stype), stype)
            lines.append(_mv_line(name, f"{n} missing value{'s' if n > 1 else ''} recoded"))
            if stype != var.stype:
                lines.append(f"{'':14}(recast to {stype})")
    return "\n".join(lines) or None
