"""The native .dta reader (formats 117-119) against pyreadstat's reading of the same files:
the handout's files, a file our writer made with every storage type, .a-.z, value labels
(with an extended-missing key), UTF-8 text and a sort order, and files pyreadstat wrote in
formats 117 and 118. Exact equality (NaN payloads compared bit for bit)."""
from __future__ import annotations

import numpy as np
import pytest

from hlmshell.dataset import io
from session_helpers import hsb_session, run_lines


def both(path):
    from hlmshell.dataset.dta_read import read_native
    with open(path, "rb") as f:
        assert read_native(f.read()) is not None        # the native reader takes it
    native = io.read_dta(path)
    keep = io._read_native
    io._read_native = lambda p, s: None
    try:
        other = io.read_dta(path)
    finally:
        io._read_native = keep
    return native, other


def same(a, b):
    assert a.names == b.names and a.nobs == b.nobs
    for n in a.names:
        va, vb = a.var(n), b.var(n)
        assert (va.stype, va.fmt, va.label, va.value_label) == \
            (vb.stype, vb.fmt, vb.label, vb.value_label), n
        if va.is_string:
            assert list(va.values) == list(vb.values), n
        else:
            assert va.values.view(np.uint64).tolist() == vb.values.view(np.uint64).tolist(), n
    assert a.sortedby == b.sortedby and a.label == b.label
    assert a.value_labels == b.value_labels


@pytest.mark.parametrize("name", ["hsb", "hsb1", "hsb2"])
def test_handout_files(name):
    same(*both(f"data/{name}.dta"))


def test_a_file_our_writer_made(tmp_path):
    s = hsb_session(data=False)
    lines = ["clear", "set obs 6", "gen byte b = _n", "gen int i = _n * 1000",
             "gen long l = _n * 100000", "gen float f = _n / 3", "gen double d = _n / 7",
             'gen str5 s = "é" + string(_n)', "replace b = .a in 2", "replace i = .z in 3",
             "replace l = . in 4", "replace f = .b in 5", "replace d = .c in 6",
             'label define yn 1 "yes" 2 "no" .a "refused"', "label values b yn",
             'label data "données"', "label variable d \"a double\"", "sort s",
             f"save {tmp_path}/t, replace"]
    for line in lines:
        assert run_lines(s, line)[0] == 0, line
    native, other = both(f"{tmp_path}/t.dta")
    same(native, other)
    assert np.isnan(native.column("b")[1]) and native.value_labels["yn"]


@pytest.mark.parametrize("version", [13, 14, 15])      # formats 117, 118, 119
def test_files_pyreadstat_wrote(tmp_path, version):
    import pandas as pd
    import pyreadstat
    df = pd.DataFrame({"x": [1.5, None, 3.25], "n": [1, 2, 3], "t": ["a", "bb", ""]})
    path = str(tmp_path / f"p{version}.dta")
    pyreadstat.write_dta(df, path, version=version, column_labels=["ex", "en", "te"])
    same(*both(path))
