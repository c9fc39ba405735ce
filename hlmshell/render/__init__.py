"""Output: result objects → text. Each render module registers the result types it lays out."""
from functools import singledispatch


@singledispatch
def to_text(obj) -> str:
    raise TypeError(f"no renderer for {type(obj).__name__}")


@to_text.register
def _(obj: str) -> str:
    return obj
