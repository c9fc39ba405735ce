"""Converting between string and numeric variables: encode/decode (through value labels,
Dataset.value_labels) and destring/tostring ([D] encode, [D] destring)."""
from __future__ import annotations

import re

import numpy as np

from hlmshell.commands.generate import _plural
from hlmshell.commands.registry import command
from hlmshell.dataset.dataset import INT_LIMITS, coerce, default_format
from hlmshell.dataset.varlist import NAME_RE, check_new_name, tokens
from hlmshell.errors import StataError


# ------------------------------------------------------------------ encode / decode
@command("encode", syntax="varname [if] [in] , GENerate(string) Label(string) NOEXTend",
         help="string variable -> numeric with value labels")
def encode(session, args):
    """encode varname [if] [in], generate(newvar) [label(name) noextend]"""
    data = session.data
    name = args.varlist[0]
    var = data.var(name)
    if not var.is_string:
        raise StataError(108, "not possible with numeric variable")
    new = args.options.get("generate")
    if not new:
        raise StataError(198, "option generate() required")
    check_new_name(new, data.names)
    lname = args.options.get("label") or new
    if not NAME_RE.match(lname):
        raise StataError(198, f"{lname} invalid name")
    sample = args.touse(session)
    values = var.values
    present = sample & (values != "")
    mapping = dict(data.value_labels.get(lname, {}))
    known = {text: code for code, text in mapping.items()}
    fresh = sorted(set(values[present].tolist()) - set(known))
    if fresh and args.options.get("noextend"):
        raise StataError(459, f"{len(fresh)} value{'s' if len(fresh) > 1 else ''} of {name} "
                              f"not in label {lname}")
    top = int(max(mapping, default=0))
    for k, text in enumerate(fresh, 1):        # new codes follow the label's, sorted order
        mapping[float(top + k)] = text
        known[text] = float(top + k)
    lookup = np.frompyfunc(lambda t: known.get(t, np.nan), 1, 1)
    codes = np.where(present, lookup(values).astype(float), np.nan)
    data.value_labels[lname] = mapping
    added = data.add(new, codes, "long", label=var.label)
    added.value_label = lname
    return None


@command("decode", syntax="varname [if] [in] , GENerate(string) MAXLength(integer)",
         help="numeric variable with value labels -> string")
def decode(session, args):
    """decode varname [if] [in], generate(newvar) [maxlength(#)]"""
    data = session.data
    name = args.varlist[0]
    var = data.var(name)
    if var.is_string:
        raise StataError(108, "not possible with string variable")
    new = args.options.get("generate")
    if not new:
        raise StataError(198, "option generate() required")
    check_new_name(new, data.names)
    if not var.value_label or var.value_label not in data.value_labels:
        raise StataError(182, f"{name} not labeled")
    mapping = data.value_labels[var.value_label]
    sample = args.touse(session)
    lookup = np.frompyfunc(lambda v: mapping.get(float(v), "") if v == v else "", 1, 1)
    texts = np.where(sample, lookup(var.values), "").astype(object)
    limit = args.options.get("maxlength")
    if limit is not None:
        texts = np.array([t[:limit] for t in texts], dtype=object)
    longest = max((len(t) for t in texts), default=1)
    data.add(new, texts, f"str{max(longest, 1)}", label=var.label)
    return None


# ------------------------------------------------------------------ destring / tostring
def _targets(args, varlist, what: str) -> list[str]:
    gen, replace = args.options.get("generate"), args.options.get("replace")
    if bool(gen) == bool(replace):
        raise StataError(198, "must specify either generate or replace option")
    if gen:
        names = tokens(gen)
        if len(names) != len(varlist):
            raise StataError(198, f"{what}: the number of new names in generate() must match "
                                  "the varlist")
        return names
    return list(varlist)


def _parse_numbers(texts: np.ndarray, percent: bool, dpcomma: bool) -> np.ndarray:
    """Numbers in the strings (vectorised through pandas); "" and "." are missing, anything
    that is not a plain decimal number is NaN too (the caller tells them apart)."""
    import pandas as pd
    t = pd.Series(np.asarray(texts, dtype=object)).astype(str).str.strip()
    if dpcomma:
        t = t.str.replace(",", ".", regex=False)
    scale = pd.Series(1.0, index=t.index)
    if percent:
        has = t.str.endswith("%")
        scale[has] = 0.01
        t = t.where(~has, t.str[:-1])
    ok = t.str.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
    nums = pd.to_numeric(t.where(ok, ""), errors="coerce") * scale
    out = nums.to_numpy(dtype=float)
    return np.where(np.isfinite(out), out, np.nan)


MISSING_TEXTS = ["", "."] + [f".{c}" for c in "abcdefghijklmnopqrstuvwxyz"]


def _compressed_type(values: np.ndarray, floating: str) -> str:
    """The type `compress` leaves a new double (float) variable in: byte/int/long when
    integral and in range, float when no digit is lost, else double."""
    finite = values[~np.isnan(values)]
    if finite.size == 0 or np.all(finite == np.trunc(finite)):
        lo, hi = (finite.min(), finite.max()) if finite.size else (0, 0)
        for stype, (tmin, tmax) in INT_LIMITS.items():
            if tmin <= lo and hi <= tmax:
                return stype
    if floating == "float" or np.array_equal(coerce(finite, "float"), finite):
        return "float"
    return "double"


@command("destring", syntax="[varlist] , Generate(string) replace Ignore(string) force "
         "float percent dpcomma", help="convert string variables to numeric")
def destring(session, args):
    """destring [varlist], {generate(newvarlist) | replace} [ignore("chars") force float percent dpcomma]"""
    data = session.data
    opts = args.options
    if opts.get("generate") and opts.get("replace"):
        raise StataError(198, "options generate and replace are mutually exclusive")
    targets = _targets(args, args.varlist, "destring")
    if opts.get("generate"):
        for t in targets:
            if t in data.names:
                raise StataError(110, "generate() contains existing variable(s) and/or illegal "
                                      "variable name(s)")
            if not NAME_RE.match(t):
                raise StataError(198, "generate() contains existing variable(s) and/or illegal "
                                      "variable name(s)")
    ignore = opts.get("ignore") or ""
    ignore = ignore[1:-1] if len(ignore) >= 2 and ignore[0] == ignore[-1] == '"' else ignore
    if opts.get("percent") and "%" not in ignore:
        ignore += "%"
    genrep = "replace" if opts.get("replace") else "generate"
    lines = []
    for name, target in zip(args.varlist, targets):
        var = data.var(name)
        if not var.is_string:
            lines.append(f"{name} already numeric; no {genrep}")
            continue
        texts = var.values
        removed = [c for c in dict.fromkeys(ignore) if any(c in t for t in texts)]
        pct = opts.get("percent") and any("%" in t for t in texts)
        if ignore:
            import pandas as pd
            texts = pd.Series(texts, dtype=object).str.replace(
                "[" + re.escape(ignore) + "]", "", regex=True).to_numpy(dtype=object)
        stripped = np.char.strip(np.asarray(texts, dtype=str)) if len(texts) else np.zeros(0, str)
        was_missing = np.isin(stripped, MISSING_TEXTS)
        nums = _parse_numbers(texts, False, bool(opts.get("dpcomma")))
        if pct:
            nums = nums / 100
        flag = bool((np.isnan(nums) & ~was_missing).any())
        what = "characters not specified in ignore()" if ignore else "nonnumeric characters"
        if flag and not opts.get("force"):
            lines.append(f"{name}: contains {what}; no {genrep}")
            continue
        stype = _compressed_type(nums, "float" if opts.get("float") else "double")
        done = (f"{target} generated" if genrep == "generate" else "replaced") + f" as {stype}"
        if flag:
            lines.append(f"{name}: contains {what}" + ("" if removed else f"; {done}"))
        if removed:
            shown = " ".join("space" if c == " " else c for c in removed)
            noun = "character" if len(removed) == 1 else "characters"
            lines.append(f"{name}: {noun} {shown} removed; {done}")
        elif not flag:
            lines.append(f"{name}: all characters numeric; {done}")
        newmiss = int(np.isnan(nums).sum())
        if newmiss:
            lines.append(f"({_plural(newmiss, 'missing value', 'missing values')} generated)")
        pos = data.names.index(name)
        if genrep == "replace":
            label = var.label
            data.drop_vars([name])
            data.add(name, nums, stype, label=label)
            names = data.names
            data.order(names[:pos] + [name] + [n for n in names[pos:] if n != name])
        else:                             # the new variable follows its source
            data.add(target, nums, stype, label=var.label)
            names = [n for n in data.names if n != target]
            data.order(names[:pos + 1] + [target] + names[pos + 1:])
    return "\n".join(lines)


@command("tostring", syntax="varlist , GENerate(string) REPLACE FORCE Format(string) "
         "USEDisplayformat", help="convert numeric variables to string")
def tostring(session, args):
    """tostring varlist, {generate(newvarlist) | replace} [force format(%fmt) usedisplayformat]"""
    from hlmshell.render.formats import fmt, parse_format
    data = session.data
    if args.options.get("generate") and args.options.get("replace"):
        raise StataError(198, "options generate and replace are mutually exclusive")
    targets = _targets(args, args.varlist, "tostring")
    if args.options.get("generate"):
        for t in targets:
            if t in data.names or not NAME_RE.match(t):
                raise StataError(110 if t in data.names else 198, "generate(newvarlist) invalid")
    spec = args.options.get("format")
    if spec and args.options.get("usedisplayformat"):
        raise StataError(198, "must choose between usedisplayformat and format() options")
    if spec:
        if "s" in spec:
            raise StataError(198, "use numeric format in format() option")
        try:
            parse_format(spec)
        except StataError:
            raise StataError(198, "format() option invalid") from None
    verb = "replace" if args.options.get("replace") else "generate"
    lines = []
    for name, target in zip(args.varlist, targets):
        var = data.var(name)
        if var.is_string:
            lines.append(f"{name} already string; no {verb}")
            continue
        if verb == "replace" and var.value_label and not args.options.get("force"):
            lines.append(f"{name} has value label; no replace")
            continue
        form = spec or (var.fmt if args.options.get("usedisplayformat") else "%12.0g")
        texts = np.array(["." if np.isnan(v) else fmt(float(v), form).strip() for v in var.values],
                         dtype=object)
        back = _parse_numbers(texts, False, False)
        lossy = ~((back == var.values) | (np.isnan(back) & np.isnan(var.values)))
        if lossy.any() and not args.options.get("force"):
            lines.append(f"{name} cannot be converted reversibly; no {verb}")
            continue
        stype = f"str{max(max((len(t) for t in texts), default=1), 1)}"
        shown = name if verb == "replace" else target
        if verb == "replace":
            lines.append(f"{name} was {var.stype} now {stype}")
            var.values, var.stype, var.fmt = coerce(texts, stype), stype, default_format(stype)
            var.value_label = None
            data.changed = True
            if name in data.sortedby:
                data.sortedby = []
        else:
            lines.append(f"{target} generated as {stype}")
            data.add(target, texts, stype, label=var.label)
            names = [n for n in data.names if n != target]     # right after its source
            at = names.index(name) + 1
            data.order(names[:at] + [target] + names[at:])
        if lossy.any():
            lines.append(f"{shown} was forced to string; some loss of information")
    return "\n".join(lines)
