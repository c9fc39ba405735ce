"""codebook (full and compact), ds, lookfor, misstable summarize: layouts of public Stata
17/18 logs, numbers against numpy (an independent computation)."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import data_session as make_session
from session_helpers import run_trimmed as run


@pytest.fixture
def small():
    rng = np.random.default_rng(5)
    price = np.round(rng.uniform(3000, 16000, 20))
    s, out = make_session({
        "price": ("int", price, "Price"),
        "grp": ("byte", [1, 2] * 10),
        "name": ("str12", [f"car {i}" for i in range(20)]),
        "w": ("double", np.r_[np.nan, np.nan, rng.normal(size=18)]),
    })
    assert s.run('label define g 1 "one" 2 "two"') == 0 and s.run("label values grp g") == 0
    return s, out


def test_codebook_numeric_block(small):
    s, out = small
    lines = run(s, out, "codebook price")
    x = np.sort(s.data.column("price"))
    assert lines[:3] == ["-" * 79, "price" + " " * 69 + "Price", "-" * 79]
    assert lines[4] == "                  Type: Numeric (int)"
    assert lines[6] == f"                 Range: [{x[0]:.0f},{x[-1]:.0f}]".ljust(54) + "Units: 1"
    assert lines[7] == "         Unique values: 20".ljust(50) + "Missing .: 0/20"
    assert lines[9].startswith("                  Mean:") and \
        float(lines[9].split(":")[1]) == pytest.approx(x.mean(), rel=1e-5)
    assert float(lines[10].split(":")[1]) == pytest.approx(x.std(ddof=1), rel=1e-5)
    assert lines[12] == "           Percentiles:     10%       25%       50%       75%       90%"
    # summarize's percentile definition: n p/100 = 2, 5, 10, 15, 18 → averages of neighbours
    want = [(x[k - 1] + x[k]) / 2 for k in (2, 5, 10, 15, 18)]
    assert [float(v) for v in lines[13].split()] == pytest.approx(want, rel=1e-5)


def test_codebook_tabulation_with_labels_and_strings(small):
    s, out = small
    lines = run(s, out, "codebook grp name")
    assert "                 Label: g" in lines
    at = lines.index("            Tabulation: Freq.   Numeric  Label")
    assert lines[at + 1:at + 3] == ["                           10         1  one",
                                    "                           10         2  two"]
    assert '                  Type: String (str12), but longest is str6' in lines
    assert any(ln.startswith('         Unique values: 20') and 'Missing "": 0/20' in ln for ln in lines)
    assert lines[-1] == "               Warning: Variable has embedded blanks."


def test_codebook_compact(small):
    s, out = small
    lines = run(s, out, "codebook price w, compact")
    assert lines[0].split() == ["Variable", "Obs", "Unique", "Mean", "Min", "Max", "Label"]
    assert lines[0].startswith("Variable   Obs Unique")   # as in public codebook, compact logs
    w = s.data.column("w")[2:]
    assert lines[3].split()[:3] == ["w", "18", "18"]
    assert float(lines[3].split()[3]) == pytest.approx(w.mean(), rel=1e-6)


def test_ds_and_lookfor(small):
    s, out = small
    assert run(s, out, "ds") == ["price         grp           name          w"]
    assert run(s, out, "ds, has(type string)") == ["name"]
    assert s.r.macros == {"varlist": "name"}
    assert run(s, out, "ds, not(type numeric)") == ["name"]
    assert run(s, out, "ds, has(vallabel)") == ["grp"]
    assert run(s, out, "ds, has(type nosuch)", rc=198)[0] == "invalid type nosuch"
    lines = run(s, out, "lookfor PRI")
    assert lines[-1].split() == ["price", "int", "%8.0g", "Price"]
    assert s.r.macros == {"varlist": "price"}


def test_misstable(small):
    s, out = small
    w = s.data.column("w")
    lines = run(s, out, "misstable summarize")
    assert lines[0] == " " * 63 + "Obs<."
    assert lines[3] == "      Variable |     Obs=.     Obs>.     Obs<.  | values        Min         Max"
    assert lines[5].startswith("             w |         2                  18  |     18")
    assert s.r.scalars["N_eq_dot"] == 2 and s.r.scalars["min"] == np.nanmin(w)
    assert run(s, out, "misstable summarize price") == ["(variables nonmissing or string)"]
    assert run(s, out, "misstable patterns", rc=198)[0] == "misstable patterns not allowed"
