"""Example datasets and old-format saving: `sysuse` ([D] sysuse) and `webuse` ([D] webuse)
load a named dataset the way `use` does — sysuse from where use looks (hlmshell ships no
copy of Stata's own example datasets), webuse over the network from Stata Press (`webuse
set` changes the address) — and `saveold` ([D] save) for Stata 14 and later, whose format
is the one `save` writes (118); older formats are refused."""
from __future__ import annotations

import os
import tempfile

from hlmshell.commands.data_io import save_cmd, use_cmd
from hlmshell.commands.registry import command
from hlmshell.errors import StataError
from hlmshell.syntax.spec import Args, Spec, split_options

WEBUSE_DEFAULT = "https://www.stata-press.com/data/r17"
SAVEOLD = Spec(", REPLACE Version(integer)")


def _use(session, path: str, opts: str | None) -> str | None:
    args = Args()
    args.body = f'"{path}"' + (f", {opts}" if opts else "")
    return use_cmd(session, args)


@command("sysuse", syntax="raw", help="load a named example dataset")
def sysuse(session, args):
    """sysuse name [, clear] | sysuse dir"""
    from hlmshell.paths import find_file, search_dirs
    main, opts = split_options(args.body)
    name = main.strip().strip('"')
    if not name:
        raise StataError(198, "invalid syntax")
    if name == "dir":
        found = sorted({f for d in search_dirs(session) if os.path.isdir(d)
                        for f in os.listdir(d) if f.endswith(".dta")})
        return "  " + "  ".join(found) if found else None
    try:
        path = find_file(session, name, ".dta")
    except StataError as err:
        if err.code != 601:
            raise
        raise StataError(601, f"file {os.path.splitext(name)[0]}.dta not found\n(hlmshell "
                              "ships no copy of Stata's example datasets; sysuse looks where "
                              "use looks: ./, the do-file's directory, ./data and "
                              "HLMSHELL_DATAPATH)") from None
    return _use(session, path, opts)


@command("webuse", syntax="raw", help="load a dataset from Stata Press over the network")
def webuse(session, args):
    """webuse name [, clear] | webuse set [url] | webuse query"""
    main, opts = split_options(args.body)
    words = main.split()
    if not words:
        raise StataError(198, "invalid syntax")
    if words[0] == "set":
        session.settings["webuse_url"] = (words[1] if len(words) > 1 else WEBUSE_DEFAULT) \
            .rstrip("/")
        return f"(prefix now \"{session.settings['webuse_url']}\")"
    base = session.settings.get("webuse_url", WEBUSE_DEFAULT)
    if words[0] == "query":
        return f"(prefix is \"{base}\")"
    if len(words) != 1:
        raise StataError(198, "invalid syntax")
    name = words[0].strip('"')
    if not os.path.splitext(name)[1]:
        name += ".dta"
    url = f"{base}/{name}"
    if os.environ.get("HLMSHELL_OFFLINE") and not url.startswith("file:"):
        raise StataError(631, f"could not open url {url}\n(network use is off: "
                              "HLMSHELL_OFFLINE is set)")
    import urllib.error
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=20) as response:   # noqa: S310 (user's URL)
            content = response.read()
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise StataError(631, f"could not open url {url}\n({getattr(err, 'reason', err)})") \
            from None
    handle, path = tempfile.mkstemp(suffix=".dta")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        shown = _use(session, path, opts)
    finally:
        os.unlink(path)
    session.data.filename = url
    return shown


@command("saveold", syntax="raw", help="save the data for an older Stata (14 or later)")
def saveold(session, args):
    """saveold filename [, replace version(#)]"""
    main, opt_text = split_options(args.body)
    opts = SAVEOLD.bind_options(opt_text) if opt_text is not None else {}
    version = opts.get("version", 13)
    if version < 14:     # the .dta format of Stata 11-13 (115, 117) is not written here
        raise StataError(198, f"version({version}) not allowed; saveold writes the format of "
                              "Stata 14 and later (version(14) or higher)")
    if version > 17:
        raise StataError(198, "version() must be 11 through 17")      # text unconfirmed
    args2 = Args()
    args2.body = main + (", replace" if opts.get("replace") else "")
    return save_cmd(session, args2)
