"""Loading and saving data: use, save, clear, import delimited, export delimited.

File names are parsed here (not by the generic syntax binder) because a file name is not a
varlist: it may contain dots, be quoted with spaces, and `use varlist ... using FILE` names
variables of the file, not of the data in memory.
"""
from __future__ import annotations

import os
import re

from hlmshell.commands.registry import Registry, command
from hlmshell.dataset.dataset import Dataset
from hlmshell.dataset.io import read_delimited, read_dta, write_delimited, write_dta
from hlmshell.dataset.varlist import expand_varlist
from hlmshell.errors import StataError
from hlmshell.paths import find_file, with_extension
from hlmshell.syntax.spec import Args, Spec, clauses, parse_in_range, split_options, unquote

CHANGED = "no; dataset in memory has changed since last saved"


# ---------------------------------------------------------------------------- parsing helpers
def find_using(text: str) -> tuple[int, int] | None:
    """Span of the top-level word `using` (outside quotes), or None."""
    for m in re.finditer(r"(?<![A-Za-z0-9_.])using(?![A-Za-z0-9_])", text):
        if text[:m.start()].count('"') % 2 == 0:
            return m.start(), m.end()
    return None


def file_token(text: str, rest_ok: bool = False):
    """Exactly one file name: `name`, `"name with spaces"` or empty; r(198) otherwise.

    With `rest_ok`, (name, the text after it)."""
    text = text.strip()
    if not text:
        return ("", "") if rest_ok else ""
    if text.startswith('"') or text.startswith('`"'):
        close = text.find('"', 1) if text.startswith('"') else text.find("\"'", 2)
        if close < 0:
            raise StataError(198, "invalid file specification")
        end = close + (1 if text.startswith('"') else 2)
        name, rest = unquote(text[:end]), text[end:]
    else:
        name, _, rest = text.partition(" ")
    if not name:
        raise StataError(198, "invalid file specification")
    if rest_ok:
        return name, rest
    if rest.strip():
        raise StataError(198, f"invalid '{rest.split()[0]}'")
    return name


def options(spec: Spec, text: str | None) -> dict:
    return spec.bind_options(text) if text is not None else {}


def refuse_if_changed(session, opts: dict) -> None:
    if session.data.changed and not opts.get("clear"):
        raise StataError(4, CHANGED)


def select_rows(session, data: Dataset, if_text: str, in_text: str | None) -> Dataset:
    """Keep the observations of `data` selected by `if`/`in` (evaluated against `data`)."""
    args = Args()
    if in_text is not None:
        args.in_range = parse_in_range(in_text, data.nobs)
    if if_text.strip():
        from hlmshell.syntax.expr import parse_expression
        args.if_exp = parse_expression(if_text.strip())
    if args.in_range is None and args.if_exp is None:
        return data
    previous = session.data
    session.data = data  # the expression names the loaded variables
    try:
        mask = args.touse(session)
    finally:
        session.data = previous
    data.take(mask, sortedby=list(data.sortedby))
    return data


# ---------------------------------------------------------------------------- use
USE_OPTIONS = Spec(", CLEAR NOLabel")


@command("use", syntax="raw", help="load a Stata dataset: use FILE [, clear] or "
                                   "use varlist [if] [in] using FILE [, clear]")
def use_cmd(session, args):
    """use filename [, clear]
    use varlist [if] [in] using filename [, clear]
    """
    main, opt_text = split_options(args.body)
    opts = options(USE_OPTIONS, opt_text)
    span = find_using(main)
    if span is None:
        name, var_text, found = file_token(main), "", {}
    else:
        name, after = file_token(main[span[1]:], rest_ok=True)
        var_text, found = clauses(main[:span[0]])
        tail, more = clauses(after)  # `use x using f if ...` works too
        if tail.strip():
            raise StataError(198, f"invalid '{tail.split()[0]}'")
        for key, value in more.items():
            if key in found or key == "using":
                raise StataError(198, "invalid syntax")
            found[key] = value
    if not name:
        raise StataError(198, "invalid file specification")
    refuse_if_changed(session, opts)
    shown = with_extension(name, ".dta")
    path = find_file(session, name, ".dta")
    data = read_dta(path, shown)
    keep = expand_varlist(var_text, data.names) if var_text.strip() else None
    # `if` may name variables that are not loaded: select the rows first
    data = select_rows(session, data, found.get("if", ""), found.get("in"))
    if keep is not None:
        cut = next((i for i, n in enumerate(data.sortedby) if n not in keep), None)
        sortedby = data.sortedby[:cut]
        data.drop_vars([n for n in data.names if n not in keep])  # file order is kept
        data.sortedby = sortedby
    data.changed = False
    session.data = data
    return f"({data.label})" if data.label else None


# ---------------------------------------------------------------------------- save
SAVE_OPTIONS = Spec(", REPLACE")


def target_path(name: str, ext: str) -> tuple[str, str]:
    """(path to write, name as shown in messages) for a file name typed by the user."""
    shown = with_extension(name, ext)
    return os.path.abspath(os.path.expanduser(shown)), shown


def write_messages(path: str, shown: str, replace: bool) -> list[str]:
    """Stata's checks before writing a file: r(602) without replace; the not-found note."""
    exists = os.path.exists(path)
    if exists and not replace:
        raise StataError(602, f"file {shown} already exists")
    if exists and os.path.isdir(path):
        raise StataError(603, f"file {shown} could not be opened")
    return [] if exists else ([f"(file {shown} not found)"] if replace else [])


@command("save", abbrev="sa", syntax="raw", help="save the data: save [FILE] [, replace]")
def save_cmd(session, args):
    """save [filename] [, replace]"""
    main, opt_text = split_options(args.body)
    opts = options(SAVE_OPTIONS, opt_text)
    name = file_token(main)
    data = session.data
    if not data.vars:
        raise StataError(111, "no variables defined")
    if name:
        path, shown = target_path(name, ".dta")
    elif data.filename:
        path = shown = data.filename
    else:
        raise StataError(198, "invalid file specification")
    lines = write_messages(path, shown, bool(opts.get("replace")))
    data.timestamp = write_dta(data, path, shown)
    data.changed = False
    data.filename = path
    return "\n".join(lines + [f"file {shown} saved"])


# ---------------------------------------------------------------------------- clear
@command("clear", syntax="[anything]", help="remove the data from memory (clear all: everything)")
def clear_cmd(session, args):
    """clear [all | results]"""
    what = args.anything.strip()
    if what not in ("", "all", "*", "results"):
        raise StataError(198, "invalid syntax")
    if what == "results":
        from hlmshell.returns import Returns
        session.r = Returns()
        from hlmshell.estimates.store import EstimatesStore
        session.estimates = EstimatesStore()
        return None
    session.data = Dataset()
    if what in ("all", "*"):
        from hlmshell.estimates.store import EstimatesStore
        from hlmshell.returns import Returns
        session.estimates = EstimatesStore()
        session.r = Returns()
        session.scalars, session.matrices = {}, {}
    return None


# ---------------------------------------------------------------------------- import/export
IMPORT = Registry("subcommand")
EXPORT = Registry("subcommand")
IMPORT_OPTIONS = Spec(", CLEAR DELIMiters(string) VARNames(string) ENCoding(string)")
EXPORT_OPTIONS = Spec(", REPLACE DELIMiter(string) NOVARnames")


def _delimiter(text: str | None) -> str | None:
    if text is None:
        return None
    value = unquote(text)
    if value in ("tab", "\\t"):
        return "\t"
    if value in ("comma",):
        return ","
    if value in ("space", " "):
        return " "
    if len(value) != 1:
        raise StataError(198, "option delimiters() incorrectly specified")
    return value


def _sub(registry: Registry, body: str):
    word, _, rest = body.strip().partition(" ")
    if not word:
        raise StataError(198, "subcommand required")
    return registry.lookup(word), rest


@command("import", syntax="raw", help="import delimited [using] FILE [, clear delimiters() "
                                      "varnames(1|nonames)]")
def import_cmd(session, args):
    """import delimited [using] filename [, clear delimiters(chars) varnames(1|nonames) encoding(name)]"""
    cmd, rest = _sub(IMPORT, args.body)
    return cmd.handler(session, rest)


@command("export", syntax="raw", help="export delimited [varlist] using FILE [, replace]")
def export_cmd(session, args):
    """export delimited [varlist] using filename [if] [in] [, replace delimiter(char) novarnames]"""
    cmd, rest = _sub(EXPORT, args.body)
    return cmd.handler(session, rest)


@IMPORT.command("delimited", abbrev="delim", syntax="raw")
def import_delimited(session, body: str):
    main, opt_text = split_options(body)
    opts = options(IMPORT_OPTIONS, opt_text)
    span = find_using(main)
    if span is not None:
        if main[:span[0]].strip():
            raise StataError(198, "invalid syntax")  # a varlist names columns: not supported
        main = main[span[1]:]
    name = file_token(main)
    if not name:
        raise StataError(198, "invalid file specification")
    refuse_if_changed(session, opts)
    shown = with_extension(name, ".csv")
    path = find_file(session, name, ".csv")
    delimiter = _delimiter(opts.get("delimiters"))
    names_opt = (opts.get("varnames") or "").strip().lower()
    if names_opt in ("1",):
        has_names = True
    elif names_opt in ("nonames", "none"):
        has_names = False
    elif names_opt:
        raise StataError(198, "option varnames() incorrectly specified")
    else:
        has_names = None  # decided from the first row
    data, encoding = read_delimited(path, shown, delimiter, varnames=has_names)
    data.filename = None
    data.changed = False
    session.data = data
    k, n = len(data.names), data.nobs
    return "\n".join([f"(encoding automatically selected: {encoding})",
                      f"({k} var{'s' if k != 1 else ''}, {n:,} ob{'s' if n != 1 else ''})"])


@EXPORT.command("delimited", abbrev="delim", syntax="raw")
def export_delimited(session, body: str):
    main, opt_text = split_options(body)
    opts = options(EXPORT_OPTIONS, opt_text)
    span = find_using(main)
    data = session.data
    if span is None:
        var_text, found, name = "", {}, file_token(main)
    else:
        var_text, found = clauses(main[:span[0]])
        name, after = file_token(main[span[1]:], rest_ok=True)
        tail, more = clauses(after)
        if tail.strip() or "using" in more or set(more) & set(found):
            raise StataError(198, "invalid syntax")
        found.update(more)
    if not name:
        raise StataError(198, "invalid file specification")
    if not data.vars:
        raise StataError(111, "no variables defined")
    names = expand_varlist(var_text, data.names) if var_text.strip() else data.names
    rows = data
    if found.get("if") or found.get("in"):
        rows = select_rows(session, data.copy(), found.get("if", ""), found.get("in"))
    path, shown = target_path(name, ".csv")
    lines = write_messages(path, shown, bool(opts.get("replace")))
    delimiter = _delimiter(opts.get("delimiter")) or ","
    if opts.get("novarnames"):
        from hlmshell.dataset.io import delimited_bytes, write_atomic
        text = delimited_bytes(rows, names, delimiter).split(b"\n", 1)[1]
        write_atomic(path, text, shown)
    else:
        write_delimited(rows, names, path, shown, delimiter)
    return "\n".join(lines + [f"file {shown} saved"])



# import spss|sas and export spss live in foreign_io.py; loaded with import/export
from hlmshell.commands import foreign_io  # noqa: E402,F401
