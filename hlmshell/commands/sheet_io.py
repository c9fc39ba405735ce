"""`insheet` and `outsheet` ([D] insheet, outsheet): the older names of import/export
delimited, with their own defaults — tab-separated unless `comma`, extensions .raw
(insheet) and .out (outsheet) — translated into the newer commands' options."""
from __future__ import annotations

import os

from hlmshell.commands.data_io import export_delimited, find_using, import_delimited
from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.syntax.spec import Spec, split_options

OUT = Spec(", Comma DELIMiter(string) NONames REPLACE NOQuote NOLabel")
IN = Spec(", Tab Comma DELIMiter(string) CLEAR NAMes NONames CASE(string) DOUBle")


def _with_extension(main: str, ext: str) -> str:
    span = find_using(main)
    if span is None:
        raise StataError(198, "using required")
    name = main[span[1]:].strip()
    bare = name.strip('"')
    if bare and not os.path.splitext(bare)[1]:
        name = f'"{bare}{ext}"'
    return main[:span[1]] + " " + name


@command("outsheet", syntax="raw", help="write a tab- or comma-separated file (old export)")
def outsheet(session, args):
    """outsheet [varlist] using filename [if] [in] [, comma delimiter(char) nonames replace]"""
    main, opt_text = split_options(args.body)
    opts = OUT.bind_options(opt_text) if opt_text is not None else {}
    for refused in ("noquote", "nolabel"):
        if opts.get(refused):
            raise StataError(198, f"option {refused} not allowed")
    delim = opts.get("delimiter") or ("comma" if opts.get("comma") else "tab")
    parts = [f"delimiter({delim})"] + [o for o in ("replace",) if opts.get(o)] + \
        (["novarnames"] if opts.get("nonames") else [])
    export_delimited(session, _with_extension(main, ".out") + ", " + " ".join(parts))
    return None       # outsheet reports nothing


@command("insheet", syntax="raw", help="read a tab- or comma-separated file (old import)")
def insheet(session, args):
    """insheet using filename [, tab comma delimiter(char) clear names nonames]"""
    main, opt_text = split_options(args.body)
    opts = IN.bind_options(opt_text) if opt_text is not None else {}
    for refused in ("case", "double"):
        if opts.get(refused):
            raise StataError(198, f"option {refused}{'()' if refused == 'case' else ''} "
                                  "not allowed")
    delim = opts.get("delimiter") or ("comma" if opts.get("comma") else
                                      "tab" if opts.get("tab") else None)
    parts = [f"delimiters({delim})"] if delim else []
    parts += ["clear"] if opts.get("clear") else []
    if opts.get("names"):
        parts.append("varnames(1)")
    elif opts.get("nonames"):
        parts.append("varnames(nonames)")
    out = import_delimited(session, _with_extension(main, ".raw") + ", " + " ".join(parts))
    return out.split("\n", 1)[1]     # insheet does not name the encoding it chose
