"""Graph commands print nothing in Stata's Results window but a note (histogram's bins,
graph export's file); the graph itself is drawn by graphics/draw.py."""
from __future__ import annotations

from hlmshell.graphics.spec import GraphResult
from hlmshell.render import to_text


@to_text.register
def _(result: GraphResult) -> str:
    return result.note
