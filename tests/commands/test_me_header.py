"""Header lines and notes of the me* commands (layouts from public Stata logs: the
binomial line of a Stata 17+ melogit log, the eform notes and LR-test line of Stata 17+
mestreg logs, the vce(robust) header of a meprobit log; see the docstrings)."""
from __future__ import annotations

import pytest

from session_helpers import hsb_after, run_lines

SETUP = ("egen g = group(id)", "keep if g <= 40", "gen hi = mathach > 15",
         "gen n3 = 3", "gen k = min(3, round(mathach/8))", "gen od = round(mathach^2/30)")


@pytest.fixture(scope="module")
def s():
    return hsb_after(*SETUP)


def _after_title(lines):
    i = next(j for j, ln in enumerate(lines) if ln.startswith("Mixed-effects"))
    return lines[i + 1]


def test_binomial_lines(s):
    """`Binomial variable: total` right below the title (a Stata 17+ melogit log);
    a number of trials prints `Binomial trials: #` (_me_display.ado's words)."""
    rc, lines = run_lines(s, "melogit k ses || id:, binomial(n3) nolog")
    assert rc == 0 and _after_title(lines) == "Binomial variable: n3"
    rc, lines = run_lines(s, "melogit k ses || id:, binomial(3) nolog")
    assert rc == 0 and _after_title(lines) == "Binomial trials: 3"


def test_overdispersion_and_meglm_family_lines(s):
    rc, lines = run_lines(s, "menbreg od ses || id:, nolog")
    assert rc == 0 and _after_title(lines) == "Overdispersion: mean"
    assert s.estimates.active.macros["dispersion"] == "mean"
    assert s.estimates.active.macros["predict"] == "menbreg_p"
    rc, lines = run_lines(s, "meglm od ses || id:, family(poisson) nolog")
    i = lines.index("Family: Poisson")          # _me_display.ado's words, Stata 17's
    assert lines[i + 1] == "Link: log"              # one space (unconfirmed for 17+)
    rc, lines = run_lines(s, "meglm hi ses || id:, family(bernoulli) link(cloglog) nolog")
    i = lines.index("Family: Bernoulli")
    assert lines[i + 1] == "Link: complementary log-log"


def test_irr_notes_and_lr_line(s):
    """The two eform notes and the LR line follow the table with no blank line between
    (Stata 17+ mestreg logs show the same layout with `time ratios`)."""
    rc, lines = run_lines(s, "mepoisson od ses || id:, irr nolog")
    assert rc == 0
    i = lines.index("Note: Estimates are transformed only in the first equation to "
                    "incidence-rate ratios.")
    assert lines[i - 1] == "-" * 78
    assert lines[i + 1] == ("Note: _cons estimates baseline incidence rate (conditional on "
                            "zero random effects).")
    assert lines[i + 2].startswith("LR test vs. Poisson model: chibar2(01) = ")


def test_nofetable_has_one_rule_above_the_random_part(s):
    assert s.run("quietly melogit hi ses || id:") == 0
    rc, lines = run_lines(s, "melogit, nofetable")
    i = lines.index("id           |")
    assert lines[i - 1] == "-" * 13 + "+" + "-" * 64 and lines[i - 2].startswith("          hi |")


def test_laplace_shows_no_integration_points(s):
    """_me_display.ado prints `Integration pts.` only for the quadrature methods."""
    rc, lines = run_lines(s, "melogit hi ses || id:, intmethod(laplace) nolog")
    assert rc == 0 and "Integration method: laplace" in lines
    assert not any("Integration pts." in ln for ln in lines)
