"""Syntax colouring for the prompt: pygments' StataLexer when pygments is installed (it is
optional: without it the prompt is plain)."""
from __future__ import annotations


def make_lexer():
    try:
        from pygments.lexers.stata import StataLexer
        from prompt_toolkit.lexers import PygmentsLexer
    except ImportError:
        return None
    return PygmentsLexer(StataLexer)
