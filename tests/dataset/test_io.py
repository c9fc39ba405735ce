"""dataset/io.py: .dta read/write (storage types, labels, float32 values, atomic writes,
bad files) and delimited text (typing, ragged rows, encodings, empty files)."""
import os
from pathlib import Path

import numpy as np
import pyreadstat
import pytest

from hlmshell.dataset import io as dio
from hlmshell.dataset.dataset import Dataset
from hlmshell.errors import StataError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HSB = os.path.join(ROOT, "data", "hsb.dta")


def sample() -> Dataset:
    ds = Dataset()
    ds.add("b", [1, -127, np.nan], "byte")
    ds.add("i", [300, -32767, 32740], "int")
    ds.add("l", [70000, np.nan, -5], "long")
    ds.add("f", [1.1, np.nan, -2.5e10], "float", label="a float")
    ds.add("d", [0.1, 1e-300, np.nan], "double", "%10.3f")
    ds.add("s", ["ab", "", "ünïcode"], "str12", label="strings")
    ds.label = "sample data"
    ds.sortedby = ["b", "i"]
    return ds


def same(a: Dataset, b: Dataset) -> None:
    assert a.names == b.names and a.nobs == b.nobs
    for n in a.names:
        va, vb = a.var(n), b.var(n)
        assert (va.stype, va.fmt, va.label) == (vb.stype, vb.fmt, vb.label), n
        if va.is_string:
            assert list(va.values) == list(vb.values), n
        else:
            assert np.array_equal(va.values, vb.values, equal_nan=True), n


def test_read_hsb_keeps_types_formats_labels():
    ds = dio.read_dta(HSB)
    assert ds.nobs == 7185 and len(ds.names) == 11
    types = {n: ds.var(n).stype for n in ds.names}
    assert types["id"] == "str4" and types["minority"] == "byte" and types["size"] == "int"
    assert types["ses"] == "float" and ds.var("ses").fmt == "%9.0g"
    assert ds.var("id").label == "school number"
    assert ds.label == "High School and Beyond"
    assert ds.changed is False and ds.filename == HSB
    ses = ds.column("ses")
    assert np.array_equal(ses, ses.astype(np.float32).astype(float))  # float32-valued


def test_round_trip_keeps_every_storage_type(tmp_path):
    ds = sample()
    path = str(tmp_path / "s.dta")
    dio.write_dta(ds, path)
    back = dio.read_dta(path)
    same(ds, back)
    assert back.sortedby == ["b", "i"] and back.label == "sample data"
    # float values stay float32 values (1.1 as a float, not 1.1 as a double)
    assert back.column("f")[0] == float(np.float32(1.1))


def test_written_file_is_read_by_pyreadstat_with_the_same_types(tmp_path):
    path = str(tmp_path / "s.dta")
    dio.write_dta(sample(), path)
    frame, meta = pyreadstat.read_dta(path)
    assert meta.readstat_variable_types == {"b": "int8", "i": "int16", "l": "int32",
                                            "f": "float", "d": "double", "s": "string"}
    assert meta.file_label == "sample data"
    assert meta.column_names_to_labels["f"] == "a float"
    assert frame["s"].tolist() == ["ab", "", "ünïcode"]
    assert np.isnan(frame["b"][2]) and frame["i"][1] == -32767


def test_hsb_round_trip_is_exact(tmp_path):
    ds = dio.read_dta(HSB)
    path = str(tmp_path / "hsb.dta")
    dio.write_dta(ds, path)
    same(ds, dio.read_dta(path))


def test_zero_observations_round_trip(tmp_path):
    ds = Dataset()
    ds.add("x", [], "double")
    ds.add("s", [], "str3")
    path = str(tmp_path / "empty.dta")
    dio.write_dta(ds, path)
    back = dio.read_dta(path)
    assert back.nobs == 0 and back.names == ["x", "s"] and back.var("s").stype == "str3"


def test_write_failure_keeps_the_old_file(tmp_path, monkeypatch):
    path = str(tmp_path / "keep.dta")
    dio.write_dta(sample(), path)
    before = Path(path).read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(dio.os, "replace", boom)
    with pytest.raises(StataError) as err:
        dio.write_dta(Dataset(), path)
    assert err.value.code == 603
    assert Path(path).read_bytes() == before
    assert os.listdir(tmp_path) == ["keep.dta"]  # no temporary file left behind


@pytest.mark.parametrize("content", [b"", b"not a stata file at all", b"<stata_dta><header>"])
def test_not_stata_format(tmp_path, content):
    path = tmp_path / "bad.dta"
    path.write_bytes(content)
    with pytest.raises(StataError) as err:
        dio.read_dta(str(path), "bad.dta")
    assert (err.value.code, err.value.message) == (610, "file bad.dta not Stata format")


def test_truncated_dta(tmp_path):
    good = Path(HSB).read_bytes()
    path = tmp_path / "cut.dta"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(StataError) as err:
        dio.read_dta(str(path), "cut.dta")
    assert err.value.code == 610


def test_directory_and_unreadable(tmp_path):
    with pytest.raises(StataError) as err:
        dio.read_dta(str(tmp_path), "x")
    assert err.value.code == 603
    path = tmp_path / "locked.dta"
    dio.write_dta(sample(), str(path))
    os.chmod(path, 0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: permissions are not enforced")
        with pytest.raises(StataError) as err:
            dio.read_dta(str(path), "locked.dta")
        assert err.value.code == 603
    finally:
        os.chmod(path, 0o644)


def test_unwritable_directory(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: permissions are not enforced")
        with pytest.raises(StataError) as err:
            dio.write_dta(sample(), str(folder / "x.dta"), "x.dta")
        assert (err.value.code, err.value.message) == (603, "file x.dta could not be opened")
    finally:
        os.chmod(folder, 0o700)


# ---------------------------------------------------------------------------- delimited
def write(tmp_path, name, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_csv_types(tmp_path):
    path = write(tmp_path, "t.csv", b"a,b,c,d,e,f,g\n1,200,70000,1.5,0.123456789,x,\n"
                                    b"2,-3,1,2,1,yy,\n")
    ds, enc = dio.read_delimited(path)
    assert enc == "UTF-8"
    assert [ds.var(n).stype for n in ds.names] == ["byte", "int", "long", "float", "double",
                                                   "str2", "byte"]
    assert np.isnan(ds.column("g")).all()
    assert ds.changed is False


def test_csv_ragged_rows_are_missing(tmp_path):
    path = write(tmp_path, "r.csv", b"x,y,z\n1,2,3\n4\n5,6,7,8\n")
    ds, _ = dio.read_delimited(path)
    assert ds.names == ["x", "y", "z", "v4"] and ds.nobs == 3
    assert np.array_equal(ds.column("y"), [2, np.nan, 6], equal_nan=True)
    assert np.array_equal(ds.column("v4"), [np.nan, np.nan, 8], equal_nan=True)


def test_csv_latin1_fallback(tmp_path):
    path = write(tmp_path, "l.csv", "name,n\nJosé,1\n".encode("latin-1"))
    ds, enc = dio.read_delimited(path)
    assert enc == "ISO-8859-1" and ds.column("name")[0] == "José"


def test_csv_empty_and_header_only(tmp_path):
    ds, _ = dio.read_delimited(write(tmp_path, "e.csv", b""))
    assert ds.names == [] and ds.nobs == 0
    ds, _ = dio.read_delimited(write(tmp_path, "h.csv", b"a,b\n"))
    assert ds.names == ["a", "b"] and ds.nobs == 0


def test_csv_names_made_valid_and_nonames(tmp_path):
    path = write(tmp_path, "n.csv", b"first name,2x,first name,\n1,2,3,4\n")
    ds, _ = dio.read_delimited(path)
    assert ds.names == ["first_name", "_2x", "v3", "v4"]
    assert ds.var("first_name").label == "first name"
    ds, _ = dio.read_delimited(write(tmp_path, "nn.csv", b"1,2\n3,4\n"))
    assert ds.names == ["v1", "v2"] and ds.nobs == 2


def test_csv_round_trip(tmp_path):
    ds = sample()
    path = str(tmp_path / "o.csv")
    dio.write_delimited(ds, ds.names, path)
    text = Path(path).read_text(encoding="utf-8").splitlines()
    assert text[0] == "b,i,l,f,d,s"
    assert text[1] == "1,300,70000,1.1,0.1,ab"
    assert text[2].startswith("-127,-32767,,,1e-300,")
    back, _ = dio.read_delimited(path)
    assert back.column("s")[2] == "ünïcode"
    assert back.var("f").stype == "float"  # floats are written with float precision
    assert np.array_equal(back.column("f"), ds.column("f"), equal_nan=True)
    assert back.var("d").stype == "double" and back.column("d")[1] == 1e-300
