"""models/anova.py against statsmodels (tests/fixtures/anova_reference.py, anova_lm typ=3
on sum-to-zero coding and typ=1) and against Stata's own printed table for the systolic
data of [R] anova. Tolerance: 1e-9 relative (statsmodels), 1e-8 relative to the digits
Stata printed (9-10 significant)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hlmshell.models.anova import term_ss

REF = json.loads((Path(__file__).resolve().parents[1] / "fixtures" /
                  "anova_reference.json").read_text())
REL = 1e-9
TERMS = [(("drug", True),), (("disease", True),), (("drug", True), ("disease", True))]


def _systolic():
    d = np.array(REF["systolic"]["data"], dtype=float)
    return d[:, 2], {"drug": d[:, 0], "disease": d[:, 1]}


@pytest.mark.parametrize("kind", ["partial", "sequential"])
def test_systolic_against_statsmodels(kind):
    y, cols = _systolic()
    got = term_ss(y, cols, TERMS, constant=True, sequential=kind == "sequential")
    ref = REF["systolic"][kind]
    assert got.df == ref["df"]
    np.testing.assert_allclose(got.ss, ref["ss"], rtol=REL)
    assert got.rss == pytest.approx(REF["systolic"]["rss"], rel=REL)
    assert got.mss == pytest.approx(REF["systolic"]["mss"], rel=REL)


def test_partial_is_statas_printed_type3_not_base_level_wald():
    y, cols = _systolic()
    got = term_ss(y, cols, TERMS, constant=True)
    printed = REF["systolic"]["stata_printed"]
    np.testing.assert_allclose(got.ss, printed["ss"], rtol=1e-8)
    assert got.rss == pytest.approx(printed["rss"], rel=1e-8)
    # the base-level (treatment) coding's Type III for drug is another number altogether
    assert abs(got.ss[0] - REF["systolic"]["treatment_typ3"]["ss"][0]) > 1000


def test_sequential_sums_to_model_and_order_matters():
    y, cols = _systolic()
    seq = term_ss(y, cols, TERMS, constant=True, sequential=True)
    assert sum(seq.ss) == pytest.approx(seq.mss, rel=1e-12)
    rev = term_ss(y, cols, [TERMS[1], TERMS[0], TERMS[2]], constant=True, sequential=True)
    assert rev.ss[0] != pytest.approx(seq.ss[1], rel=1e-6)
    part = term_ss(y, cols, [TERMS[1], TERMS[0], TERMS[2]], constant=True)
    ref = REF["systolic"]["partial"]["ss"]                   # partial SS ignore the order
    np.testing.assert_allclose(part.ss, [ref[1], ref[0], ref[2]], rtol=REL)


def test_empty_cell_drops_columns_in_order():
    y, cols = _systolic()
    keep = ~((cols["drug"] == 3) & (cols["disease"] == 1))      # one empty cell
    sub = {k: v[keep] for k, v in cols.items()}
    got = term_ss(y[keep], sub, TERMS, constant=True)
    assert got.df == [3, 2, 5] and got.k == 10
    seq = term_ss(y[keep], sub, TERMS, constant=True, sequential=True)
    assert sum(seq.ss) == pytest.approx(seq.mss, rel=1e-10)
    # the model itself (its residual SS) is the cell-means model of the 11 cells left
    cells = np.unique(np.c_[sub["drug"], sub["disease"]], axis=0)
    rss = sum(((y[keep][m] - y[keep][m].mean()) ** 2).sum()
              for m in ((sub["drug"] == a) & (sub["disease"] == b) for a, b in cells))
    assert got.rss == pytest.approx(rss, rel=1e-9)
