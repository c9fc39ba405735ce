"""Value labels and the data label: label define/values/list/dir/drop/copy/data.

The `label` command and its `label variable` sub-command live in data_cmds.py (LABEL); this
module adds the other sub-commands to the same registry. Value labels are stored in
`Dataset.value_labels` (name → {value: text}) and a variable names one in
`Variable.value_label`; the name may be undefined (Stata allows attaching a label that is
defined later), in which case values show as numbers.
"""
from __future__ import annotations

import math
import re

from hlmshell.commands.data_cmds import LABEL
from hlmshell.dataset.missing import key_code, label_key
from hlmshell.dataset.varlist import expand_varlist
from hlmshell.errors import StataError
from hlmshell.render.labels import LabelDir, LabelList
from hlmshell.returns import Returns
from hlmshell.syntax.spec import parse_option_list, split_options, unquote

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}$")
MISSING_CODES = {"." + chr(c): None for c in range(ord("a"), ord("z") + 1)}
# a quoted string (simple or compound) or a bare word
_TOKEN = re.compile(r'`"(?:.*?)"\'|"[^"]*"|\S+', re.S)


def _options(text: str | None, allowed: tuple[str, ...]) -> set[str]:
    out = set()
    for word, arg in parse_option_list(text or ""):
        full = word if word in allowed else None
        if full is None or arg is not None:
            raise StataError(198, f"option {word}{'()' if arg is not None else ''} not allowed")
        out.add(full)
    return out


def _label_name(word: str) -> str:
    if not NAME_RE.match(word):
        raise StataError(198, f"{word} invalid name")
    return word


def _value(word: str) -> float:
    """A label's value: an integer or .a-.z (Stata refuses others)."""
    if len(word) == 2 and word[0] == "." and word[1].isalpha():
        return label_key(ord(word[1].lower()) - 96)
    try:
        v = float(word)
    except ValueError:
        raise StataError(198, "invalid syntax") from None
    if not math.isfinite(v) or v != int(v):
        raise StataError(198, f"may not label {word}")
    if abs(v) > 2_147_483_647:
        raise StataError(198, f"may not label {word}")
    return float(int(v))


def _known(session, name: str) -> dict:
    labels = session.data.value_labels
    if name not in labels:
        raise StataError(111, f"value label {name} not found")
    return labels[name]


@LABEL.command("define", abbrev="de", syntax="raw", help="define a value label")
def label_define(session, text: str):
    """label define lblname # "label" [# "label" ...] [, add modify replace nofix]"""
    main, opts = split_options(text)
    options = _options(opts, ("add", "modify", "replace", "nofix"))
    words = _TOKEN.findall(main)
    if not words:
        raise StataError(198, "invalid syntax")
    name = _label_name(words[0])
    pairs = words[1:]
    if len(pairs) % 2:
        raise StataError(198, "invalid syntax")
    new = [(_value(pairs[i]), unquote(pairs[i + 1])) for i in range(0, len(pairs), 2)]
    labels = session.data.value_labels
    exists = name in labels
    if exists and not options & {"add", "modify", "replace"}:
        raise StataError(110, f"label {name} already defined")
    mapping = {} if not exists or "replace" in options else dict(labels[name])
    for value, label in new:
        if value in mapping and "modify" not in options and "replace" not in options:
            raise StataError(180, "invalid attempt to modify label")
        if label == "" and "modify" in options:
            mapping.pop(value, None)   # modify with "" deletes the entry, as Stata
        else:
            mapping[value] = label[:32000]
    labels[name] = dict(sorted(mapping.items()))
    session.data.changed = True
    return None


@LABEL.command("values", abbrev="val", syntax="raw", help="attach a value label to variables")
def label_values(session, text: str):
    """label values varlist [lblname | .] [, nofix]"""
    main, opts = split_options(text)
    _options(opts, ("nofix",))
    words = main.split()
    if not words:
        raise StataError(100, "varlist required")
    data = session.data
    # the last word is the label name unless it is a variable (label values x → detach)
    name = None
    if len(words) > 1:
        name = words[-1]
        words = words[:-1]
    elif len(words) == 1 and words[0] == ".":
        raise StataError(100, "varlist required")
    if name == ".":
        name = None
    elif name is not None:
        _label_name(name)
    names = expand_varlist(" ".join(words), data.names)
    if not names:
        raise StataError(100, "varlist required")
    for n in names:
        if data.var(n).is_string:
            raise StataError(181, "may not label strings")
    for n in names:
        data.var(n).value_label = name
    data.changed = True
    return None


@LABEL.command("list", abbrev="l", syntax="raw", help="list value labels")
def label_list(session, text: str):
    """label list [lblname [lblname ...]]"""
    main, opts = split_options(text)
    _options(opts, ())
    labels = session.data.value_labels
    names = main.split() or list(labels)
    for n in names:
        _known(session, n)
    if len(names) == 1:
        mapping = labels[names[0]]
        values = [v for v in mapping if key_code(v) < 0]
        session.r = Returns({"k": float(len(mapping)),
                             "min": float(min(values)) if values else math.nan,
                             "max": float(max(values)) if values else math.nan,
                             "hasemiss": float(len(values) < len(mapping))})
    else:
        session.r = Returns()
    return LabelList([(n, list(labels[n].items())) for n in names])


@LABEL.command("dir", syntax="raw", help="list the names of the value labels")
def label_dir(session, text: str):
    """label dir"""
    if text.strip():
        raise StataError(198, "invalid syntax")
    names = list(session.data.value_labels)
    session.r = Returns(macros={"names": " ".join(names)})
    return LabelDir(names)


@LABEL.command("drop", syntax="raw", help="drop value labels")
def label_drop(session, text: str):
    """label drop {lblname [lblname ...] | _all}"""
    words = text.split()
    if not words:
        raise StataError(198, "invalid syntax")
    labels = session.data.value_labels
    if words == ["_all"]:
        labels.clear()
    else:
        for w in words:
            _known(session, w)
        for w in words:
            del labels[w]
    session.data.changed = True
    return None


@LABEL.command("copy", syntax="raw", help="copy a value label")
def label_copy(session, text: str):
    """label copy lblname lblname [, replace]"""
    main, opts = split_options(text)
    options = _options(opts, ("replace",))
    words = main.split()
    if len(words) != 2:
        raise StataError(198, "invalid syntax")
    source = _known(session, words[0])
    target = _label_name(words[1])
    if target in session.data.value_labels and "replace" not in options:
        raise StataError(110, f"label {target} already defined")
    session.data.value_labels[target] = dict(source)
    session.data.changed = True
    return None


@LABEL.command("data", abbrev="da", syntax="raw", help="label the dataset")
def label_data(session, text: str):
    """label data ["label"]"""
    session.data.label = unquote(text.strip())[:80]
    session.data.changed = True
    return None
