"""`preserve` and `restore` ([P] preserve): a copy of the data kept on the session, no file.

Each program or do-file level may hold one preserved copy (`session.preserve_frames`, a
list of (depth, Dataset)); `session.preserved` is the innermost copy or None. The depth is
the number of programs and do-files running (0 at the top level); when one ends, the
language core restores what it preserved (`restore_if_preserved`)."""
from __future__ import annotations

from hlmshell.commands.registry import command
from hlmshell.errors import StataError


def _depth(session) -> int:
    return len(session.lang.frames)


def _frames(session) -> list:
    frames = getattr(session, "preserve_frames", None)
    if frames is None:
        frames = session.preserve_frames = []
    return frames


def _sync(session) -> None:
    frames = _frames(session)
    session.preserved = frames[-1][1] if frames else None


def restore_if_preserved(session, depth: int) -> bool:
    """Put back every copy preserved at `depth` or deeper (what Stata does when a program or
    do-file that preserved ends, normally or with an error). The language core calls it as
    the frame at `depth` closes: `restore_if_preserved(session, depth)` in a `finally`.
    Returns whether data were restored."""
    frames = _frames(session)
    restored = False
    while frames and frames[-1][0] >= depth:
        _, data = frames.pop()
        session.data = data
        restored = True
    _sync(session)
    return restored


@command("preserve", syntax="[, Changed]", help="keep a copy of the data to restore later")
def preserve_cmd(session, args):
    """preserve [, changed]"""
    frames = _frames(session)
    depth = _depth(session)
    if frames and frames[-1][0] == depth:
        raise StataError(621, "already preserved")
    frames.append((depth, session.data.copy()))
    _sync(session)


@command("restore", syntax="[, not PREServe]", help="put back the data kept by preserve")
def restore_cmd(session, args):
    """restore [, not preserve]"""
    frames = _frames(session)
    if not frames or frames[-1][0] != _depth(session):
        raise StataError(622, "nothing to restore")
    if args.options.get("not") and args.options.get("preserve"):
        raise StataError(198, "options not and preserve may not be combined")
    if args.options.get("not"):
        frames.pop()
    elif args.options.get("preserve"):
        session.data = frames[-1][1].copy()
    else:
        session.data = frames.pop()[1]
    _sync(session)
