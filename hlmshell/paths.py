"""Where relative file names are looked for (documented in README.md):
the current directory, the directory of each do-file being run (innermost first), `./data`,
then the directories in the HLMSHELL_DATAPATH environment variable."""
from __future__ import annotations

import os

from hlmshell.errors import StataError


def with_extension(name: str, ext: str) -> str:
    return name if os.path.splitext(name)[1] or not ext else name + ext


def search_dirs(session) -> list[str]:
    dirs = [os.getcwd(), *reversed(getattr(session, "do_dirs", [])), os.path.join(os.getcwd(), "data")]
    dirs += [d for d in os.environ.get("HLMSHELL_DATAPATH", "").split(os.pathsep) if d]
    return dirs


def find_file(session, name: str, ext: str = ".dta") -> str:
    """The existing file `name` refers to, or r(601) `file NAME not found`."""
    name = os.path.expanduser(with_extension(name, ext))
    if os.path.isabs(name):
        candidates = [name]
    else:
        candidates = [os.path.join(d, name) for d in search_dirs(session)]
    for path in candidates:
        if os.path.isfile(path):
            return path
    if any(os.path.isdir(p) for p in candidates):
        raise StataError(603, f"file {name} could not be opened")
    raise StataError(601, f"file {name} not found")
