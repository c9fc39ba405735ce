"""Output: result objects → text. Each render module registers the result types it lays out."""
from functools import singledispatch


class OpenLine(str):
    """Text that ends without its newline and leaves the line open for the next output
    (`display ... _continue`); Session.write honours it."""


@singledispatch
def to_text(obj) -> str:
    raise TypeError(f"no renderer for {type(obj).__name__}")


@to_text.register
def _(obj: str) -> str:
    return obj
