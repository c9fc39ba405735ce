"""`postfile`, `post`, `postclose`, `postutil dir|clear` ([P] postfile): build a Stata
dataset one observation at a time, as simulation loops do.

Open postfiles live in `session.postfiles` (name -> PostFile). Posted rows are kept in
memory and written as a .dta at `postclose` (and every # posts with every(#)); the file is
created empty when the postfile is declared, so `confirm file` sees it, as in Stata."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from hlmshell.commands.registry import command
from hlmshell.dataset.dataset import Dataset
from hlmshell.dataset.varlist import NAME_RE, check_new_name
from hlmshell.errors import StataError
from hlmshell.paths import with_extension
from hlmshell.syntax.spec import Spec, clauses, split_options, unquote

_TYPES = re.compile(r"(byte|int|long|float|double|str(?:[1-9]\d*|L))$")
_GROUP = re.compile(r"(byte|int|long|float|double|str(?:[1-9]\d*|L))\s*\(([^)]*)\)")


@dataclass
class PostFile:
    path: str
    names: list[str]
    types: list[str]
    every: int | None = None
    rows: list[list] = field(default_factory=list)

    def dataset(self) -> Dataset:
        data = Dataset()
        for j, (name, stype) in enumerate(zip(self.names, self.types)):
            values = [row[j] for row in self.rows]
            if stype.startswith("str"):
                width = max([len(v.encode("utf-8")) for v in values] + [1])
                data.add(name, values, stype if stype != "strL" else f"str{min(width, 2045)}")
            else:
                data.add(name, values, stype)
        if not self.names:
            return data
        data.nobs = len(self.rows)
        return data

    def write(self) -> None:
        from hlmshell.dataset.io import dta_bytes, write_atomic
        write_atomic(self.path, dta_bytes(self.dataset()), self.path)


def _files(session) -> dict:
    files = getattr(session, "postfiles", None)
    if files is None:
        files = session.postfiles = {}
    return files


def _newvars(text: str, double: bool) -> tuple[list[str], list[str]]:
    """`double(b se) float x str20 name` → names and storage types."""
    default = "double" if double else "float"
    text = _GROUP.sub(lambda m: " ".join(f"{m.group(1)} {w}" for w in m.group(2).split()), text)
    names, types, pending = [], [], None
    for word in text.split():
        if _TYPES.match(word) and pending is None:
            pending = word
            continue
        check_new_name(word, names)
        names.append(word)
        types.append(pending or default)
        pending = None
    if pending is not None or not names:
        raise StataError(100 if not names else 198,
                         "varlist required" if not names else "invalid syntax")
    return names, types


OPTIONS = Spec("[, REPLACE EVERY(integer) DOUBle]")


@command("postfile", abbrev="postfile", syntax="raw",
         help="declare a dataset to post observations to: postfile name vars using file")
def postfile_cmd(session, args):
    """postfile postname newvarlist using filename [, every(#) replace double]"""
    main, opts = split_options(args.body)
    options = OPTIONS.bind_options(opts) if opts is not None else {}
    main, found = clauses(main)
    if "using" not in found or not found["using"].strip():
        raise StataError(100, "using required")
    words = main.split(None, 1)
    if len(words) < 2:
        raise StataError(198, "invalid syntax")
    name, varlist = words
    if not NAME_RE.match(name):
        raise StataError(198, f"{name} invalid name")
    files = _files(session)
    if name in files:
        raise StataError(110, f"postname {name} already exists")   # text unconfirmed
    names, types = _newvars(varlist, bool(options.get("double")))
    path = with_extension(unquote(found["using"].strip()), ".dta")
    if os.path.exists(path) and not options.get("replace"):
        raise StataError(602, f"file {path} already exists")
    every = options.get("every")
    if every is not None and every < 1:
        raise StataError(198, "every() must be a positive integer")   # text unconfirmed
    post = PostFile(path, names, types, every)
    post.write()            # the file exists (empty) from now on; r(603) if it cannot
    files[name] = post


@command("post", abbrev="post", syntax="raw", help="add an observation: post name (exp) ...")
def post_cmd(session, args):
    """post postname (exp) (exp) ... (exp)"""
    from hlmshell.dataset.evaluate import evaluate
    from hlmshell.syntax.expr import split_expression
    body = args.body.strip()
    m = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s*(.*)$", body, re.S)
    if not m:
        raise StataError(198, "invalid syntax")
    name, rest = m.groups()
    post = _files(session).get(name)
    if post is None:
        raise StataError(111, f"postfile {name} not found")    # text unconfirmed
    values, pos, rest = [], 0, rest.strip()
    while pos < len(rest):
        if rest[pos].isspace():
            pos += 1
            continue
        if rest[pos] != "(":
            raise StataError(198, "invalid syntax")  # Stata requires (exp) around each one
        node, end = split_expression(rest, pos)
        if end <= pos:
            raise StataError(198, "invalid syntax")
        values.append(evaluate(node, session, scalar=True))
        pos = end
    if len(values) != len(post.names):
        raise StataError(198, f"post {name}:  {len(values)} expressions found, "
                              f"{len(post.names)} expected")   # text unconfirmed
    for value, stype in zip(values, post.types):
        if isinstance(value, str) != stype.startswith("str"):
            raise StataError(109, "type mismatch")
    post.rows.append(values)
    if post.every and len(post.rows) % post.every == 0:
        post.write()


def _close(session, name: str) -> None:
    post = _files(session).pop(name)
    post.write()


@command("postclose", abbrev="postclose", syntax="raw", help="write and close a postfile")
def postclose_cmd(session, args):
    """postclose postname"""
    words = args.body.split()
    if len(words) != 1:
        raise StataError(198, "invalid syntax")
    if words[0] not in _files(session):
        raise StataError(111, f"postfile {words[0]} not found")   # text unconfirmed
    _close(session, words[0])


@command("postutil", abbrev="postutil", syntax="raw", help="postutil dir | postutil clear")
def postutil_cmd(session, args):
    """postutil dir
    postutil clear"""
    word = args.body.strip()
    files = _files(session)
    if word == "dir":
        if not files:
            return "(no postfiles open)"    # wording unconfirmed
        return "\n".join(f"  {name}:  {post.path}  ({len(post.rows):,} obs posted)"
                         for name, post in files.items())
    if word == "clear":
        for name in list(files):
            _close(session, name)
        return None
    raise StataError(198, "invalid syntax")
