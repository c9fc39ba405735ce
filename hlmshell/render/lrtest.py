"""Layout of `lrtest` (Stata 17/18, as the handout prints it)."""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

from hlmshell.render import to_text
from hlmshell.render.formats import abbrev, fmt

BOUNDARY_NOTE = ("Note: The reported degrees of freedom assumes the null hypothesis is not on "
                 "the boundary of the parameter space. If this is not true, then the reported "
                 "test is conservative.")
REML_NOTE = ("Note: LR tests based on REML are valid only when the fixed-effects specification "
             "is identical for both models.")


@dataclass
class LRTest:
    restricted: str  # the model with fewer parameters, "." for the active results
    unrestricted: str
    chi2: float
    df: int
    p: float
    boundary_note: bool = False  # the models differ in variance parameters
    reml_note: bool = False


def _wrap(note: str) -> list[str]:
    """Stata's `{p 0 6}` paragraph at the line size (79): continuation lines indented 6.
    The handout's third lrtest keeps that indent ("      parameter space. ..."); its
    text extraction dropped it from the first two."""
    return textwrap.wrap(note, width=79, subsequent_indent=" " * 6, break_long_words=False,
                         break_on_hyphens=False)


@to_text.register
def _(obj: LRTest) -> str:
    label = f"LR chi2({obj.df})"
    chi2 = fmt(obj.chi2, "%10.2f").strip()
    p = fmt(obj.p, "%9.4f").strip()
    lw = max(len(label), len("Prob > chi2"))
    vw = max(len(chi2), len(p))
    lines = ["", "Likelihood-ratio test",
             f"Assumption: {abbrev(obj.restricted, 14)} nested within {abbrev(obj.unrestricted, 14)}",
             "",
             f"{label:>{lw}} = {chi2:>{vw}}",
             f"{'Prob > chi2':>{lw}} = {p:>{vw}}"]
    for flag, note in ((obj.boundary_note, BOUNDARY_NOTE), (obj.reml_note, REML_NOTE)):
        if flag:
            lines += [""] + _wrap(note)
    return "\n".join(lines)
