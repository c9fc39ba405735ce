"""Files ↔ Dataset: Stata .dta (read with pyreadstat, written here) and delimited text.

Reading .dta: pyreadstat gives the values, formats and labels; the exact storage types
(byte/int/long/float/double/str#) and the sort order are read from the file's own header,
because pyreadstat reports every integer as int32-or-wider and strings with a padded width.

Writing .dta: pyreadstat's writer turns byte/int into long and float into double, so .dta
files are written here in format 118 (Stata 14-19), which keeps every storage type, the
formats, the variable, value and data labels, the sort order and the extended missing values
(their encodings: dataset/dta_codes.py). Writes go to a temporary file in
the target's directory that is renamed over the target only when complete.
"""
from __future__ import annotations

import csv
import io
import os
import struct
import tempfile
import time

import numpy as np

from hlmshell.dataset.dataset import (INT_LIMITS, Dataset, default_format, is_string_type,
                                      string_type_for)
from hlmshell.dataset.dta_codes import (fixed, label_entries, pack, utf8, value_label_tables,
                                         with_extended)
from hlmshell.dataset.varlist import NAME_RE, RESERVED
from hlmshell.errors import StataError

# .dta 117/118/119 type codes and the old (≤115) one-byte codes
_NEW_CODES = {65530: "byte", 65529: "int", 65528: "long", 65527: "float", 65526: "double",
              32768: "strL"}
_OLD_CODES = {251: "byte", 252: "int", 253: "long", 254: "float", 255: "double"}
_TYPE_CODE = {v: k for k, v in _NEW_CODES.items()}
_NUMPY = {"byte": "i1", "int": "i2", "long": "i4", "float": "f4", "double": "f8"}
_READSTAT_TYPES = {"int8": "byte", "int16": "int", "int32": "long", "float": "float",
                   "double": "double"}


# ---------------------------------------------------------------------------- reading .dta
def _header_types(path: str) -> tuple[list[str] | None, list[int]]:
    """Storage types and sort-variable positions from the file header (None if unknown)."""
    try:
        with open(path, "rb") as f:
            head = f.read(512)
            if head.startswith(b"<stata_dta>"):
                return _header_types_xml(f, head)
            if head and head[0] in (113, 114, 115):
                return _header_types_old(f, head)
    except (OSError, struct.error, ValueError, IndexError):
        pass
    return None, []


def _header_types_xml(f, head: bytes):
    release = int(head[head.index(b"<release>") + 9:head.index(b"</release>")])
    order = "<" if b"<byteorder>LSF" in head else ">"
    kpos = head.index(b"<K>") + 3
    wide = release >= 119
    k = struct.unpack(order + ("I" if wide else "H"), head[kpos:kpos + (4 if wide else 2)])[0]
    mpos = head.index(b"<map>") + 5
    f.seek(mpos)
    offsets = struct.unpack(order + "14Q", f.read(112))
    f.seek(offsets[2] + len(b"<variable_types>"))
    codes = struct.unpack(order + f"{k}H", f.read(2 * k))
    types = [_NEW_CODES.get(c) or (f"str{c}" if 1 <= c <= 2045 else None) for c in codes]
    f.seek(offsets[4] + len(b"<sortlist>"))
    size = 4 if wide else 2
    raw = struct.unpack(order + f"{k + 1}{'I' if wide else 'H'}", f.read(size * (k + 1)))
    return _types_and_sort(types, raw)


def _types_and_sort(types: list, sortlist) -> tuple[list | None, list[int]]:
    """The storage types (None if one is unknown) and the 0-based sort variables: the
    header's sort list is 1-based and ends at its first 0."""
    sort = []
    for pos in sortlist:
        if pos == 0:
            break
        sort.append(pos - 1)
    return (None if None in types else types), sort


def _header_types_old(f, head: bytes):
    order = ">" if head[1] == 1 else "<"
    k = struct.unpack(order + "H", head[4:6])[0]
    f.seek(109)
    codes = f.read(k)
    types = [_OLD_CODES.get(c) or (f"str{c}" if 1 <= c <= 244 else None) for c in codes]
    f.seek(109 + k + 33 * k)
    raw = struct.unpack(order + f"{k + 1}h", f.read(2 * (k + 1)))
    return _types_and_sort(types, raw)


def _complete(path: str) -> bool:
    """False for a format-117+ file that does not end with its closing tag: a file cut short
    (pyreadstat reads one cut after its data as if it were whole)."""
    tail = b"</stata_dta>"
    try:
        with open(path, "rb") as f:
            if not f.read(11).startswith(b"<stata_dta>"):
                return True  # the older formats have no closing tag
            f.seek(0, os.SEEK_END)
            if f.tell() < len(tail):
                return False
            f.seek(-len(tail), os.SEEK_END)
            return f.read() == tail
    except OSError:
        return False


def _check_readable(path: str, shown: str) -> None:
    if os.path.isdir(path):
        raise StataError(603, f"file {shown} could not be opened")
    try:
        with open(path, "rb"):
            pass
    except FileNotFoundError:
        raise StataError(601, f"file {shown} not found") from None
    except OSError:
        raise StataError(603, f"file {shown} could not be opened") from None


def read_dta(path: str, shown: str | None = None, columns: list[str] | None = None) -> Dataset:
    """The .dta file at `path` as a Dataset (changed=False, filename=path).

    `columns` limits the variables read (names as in the file). Errors: r(601) not found,
    r(603) a directory or unreadable, r(610) not a Stata file (truncated or corrupt)."""
    shown = shown or path
    _check_readable(path, shown)
    native = _read_native(path, shown)
    if native is not None:
        return _dataset(native, path, columns)
    import pyreadstat
    try:
        # user_missing: .a-.z come back as their letters (kept as NaN payloads below)
        frame, meta = pyreadstat.read_dta(path, disable_datetime_conversion=True,
                                          output_format="dict", user_missing=True)
    except Exception:  # pyreadstat raises its own error types for every bad file
        raise StataError(610, f"file {shown} not Stata format") from None
    if not _complete(path):
        raise StataError(610, f"file {shown} not Stata format")
    names = list(meta.column_names)
    types, sort = _header_types(path)
    if types is None or len(types) != len(names):
        types = [_fallback_type(meta, n) for n in names]
    formats = meta.original_variable_types or {}
    labels = meta.column_names_to_labels or {}
    ds = Dataset()
    keep = names if columns is None else [n for n in names if n in columns]
    for name in keep:
        stype = types[names.index(name)]
        values = frame[name] if isinstance(frame, dict) else frame[name].to_numpy()
        if not is_string_type(stype) and (meta.missing_user_values or {}).get(name):
            values = with_extended(values)
        values = np.asarray(values, dtype=object if is_string_type(stype) else float)
        if is_string_type(stype):
            values = np.array([v if isinstance(v, str) else "" for v in values], dtype=object)
        fmt = formats.get(name) or default_format(stype)
        ds.add(name, values, stype, fmt, labels.get(name) or "")
    if not keep:
        ds.nobs = 0 if columns is not None else int(meta.number_rows or 0)
    ds.sortedby = [names[i] for i in sort if i < len(names)]
    if columns is not None:  # Stata keeps the sort order only while its variables are kept
        cut = next((i for i, n in enumerate(ds.sortedby) if n not in keep), len(ds.sortedby))
        ds.sortedby = ds.sortedby[:cut]
    ds.label = meta.file_label or ""
    ds.value_labels = {name: label_entries(m) for name, m in (meta.value_labels or {}).items()}
    for name, lbl in (meta.variable_to_label or {}).items():
        if name in ds.vars and not ds.vars[name].is_string:
            ds.vars[name].value_label = lbl
    if meta.modification_time:
        ds.timestamp = dta_timestamp(meta.modification_time.timetuple())
    ds.filename = os.path.abspath(path)
    ds.changed = False
    return ds


def _read_native(path: str, shown: str):
    """dta_read's reading of a format-117+ file; None where pyreadstat is to read it;
    r(610) for a file cut short."""
    from hlmshell.dataset.dta_read import read_native
    with open(path, "rb") as f:
        raw = f.read()
    try:
        return read_native(raw)
    except ValueError as err:
        if "cut short" in str(err):
            raise StataError(610, f"file {shown} not Stata format") from None
        return None
    except (struct.error, IndexError, KeyError, UnicodeDecodeError):
        return None


def _dataset(f, path: str, columns: list[str] | None) -> Dataset:
    ds = Dataset()
    keep = f.names if columns is None else [n for n in f.names if n in columns]
    for i, name in enumerate(f.names):
        if name in keep:
            ds.add(name, f.columns[i], f.types[i], f.formats[i] or default_format(f.types[i]),
                   f.labels[i])
            if f.value_label_names[i] and not f.types[i].startswith("str"):
                ds.vars[name].value_label = f.value_label_names[i]
    if not keep:
        ds.nobs = 0 if columns is not None else f.nobs
    ds.sortedby = [f.names[i] for i in f.sortlist if i < len(f.names)]
    if columns is not None:  # Stata keeps the sort order only while its variables are kept
        cut = next((i for i, n in enumerate(ds.sortedby) if n not in keep), len(ds.sortedby))
        ds.sortedby = ds.sortedby[:cut]
    ds.label = f.data_label
    ds.value_labels = f.value_labels
    if f.timestamp:
        ds.timestamp = f.timestamp
    ds.filename = os.path.abspath(path)
    ds.changed = False
    return ds


def _fallback_type(meta, name: str) -> str:
    rtype = (meta.readstat_variable_types or {}).get(name, "double")
    if rtype == "string":
        width = (meta.variable_storage_width or {}).get(name) or 1
        return f"str{max(int(width) - 1, 1)}"
    return _READSTAT_TYPES.get(rtype, "double")


# ---------------------------------------------------------------------------- writing .dta
def _write_type(ds: Dataset, name: str) -> tuple[str, np.ndarray]:
    """The storage type written for a variable and its values, ready for numpy packing."""
    var = ds.vars[name]
    if var.is_string:
        if any(len(v) > 2045 for v in var.values):  # before encoding: values may be huge
            raise StataError(920, f"variable {name} is too long for a str# (strL not supported)")
        encoded = [utf8(v) for v in var.values]
        width = max([len(e) for e in encoded] + [1])
        declared = int(var.stype[3:]) if var.stype[3:].isdigit() else width
        width = max(width, declared)
        if width > 2045:
            raise StataError(920, f"variable {name} is too long for a str# (strL not supported)")
        return f"str{width}", np.array(encoded, dtype=f"S{width}")
    stype, values = var.stype, var.values
    finite = values[~np.isnan(values)]
    if stype in INT_LIMITS:
        lo, hi = INT_LIMITS[stype]
        if finite.size and (np.any(finite != np.round(finite)) or finite.min() < lo
                            or finite.max() > hi):
            stype = "double"  # never write a value its declared type cannot hold
    return stype, pack(values, stype)


def dta_timestamp(t: time.struct_time | None = None) -> str:
    """A .dta header time stamp as Stata writes it: ' 5 Jan 2026 09:30' (now by default)."""
    t = t or time.localtime()
    return f"{t.tm_mday:>2} {time.strftime('%b %Y %H:%M', t)}"


def dta_bytes(ds: Dataset, stamp: str | None = None) -> bytes:
    """The dataset as a .dta format-118 file (little-endian), time-stamped `stamp` (now)."""
    names = ds.names
    k, n = len(names), ds.nobs
    written = [_write_type(ds, name) for name in names]
    stamp = (stamp or dta_timestamp()).encode("ascii")
    label = utf8(ds.label)[:320]
    header = (b"<stata_dta><header><release>118</release><byteorder>LSF</byteorder><K>"
              + struct.pack("<H", k) + b"</K><N>" + struct.pack("<Q", n) + b"</N><label>"
              + struct.pack("<H", len(label)) + label + b"</label><timestamp>"
              + bytes([len(stamp)]) + stamp + b"</timestamp></header>")
    codes = [int(t[3:]) if t.startswith("str") else _TYPE_CODE[t] for t, _ in written]
    sortpos = [names.index(s) + 1 for s in dict.fromkeys(ds.sortedby) if s in names]
    if written:
        record = np.dtype([(f"v{i}", "S" + t[3:] if t.startswith("str") else "<" + _NUMPY[t])
                           for i, (t, _) in enumerate(written)])
        rows = np.zeros(n, dtype=record)
        for i, (_, values) in enumerate(written):
            rows[f"v{i}"] = values
        data = rows.tobytes()
    else:
        data = b""
    sections = [
        (b"<variable_types>", struct.pack(f"<{k}H", *codes), b"</variable_types>"),
        (b"<varnames>", b"".join(fixed(nm, 129) for nm in names), b"</varnames>"),
        (b"<sortlist>", struct.pack(f"<{k + 1}H", *(sortpos + [0] * (k + 1 - len(sortpos)))),
         b"</sortlist>"),
        (b"<formats>", b"".join(fixed(ds.vars[nm].fmt, 57) for nm in names), b"</formats>"),
        (b"<value_label_names>", b"".join(fixed(ds.vars[nm].value_label or "", 129)
                                          for nm in names), b"</value_label_names>"),
        (b"<variable_labels>", b"".join(fixed(ds.vars[nm].label, 321) for nm in names),
         b"</variable_labels>"),
        (b"<characteristics>", b"", b"</characteristics>"),
        (b"<data>", data, b"</data>"),
        (b"<strls>", b"", b"</strls>"),
        (b"<value_labels>", value_label_tables(ds), b"</value_labels>"),
    ]
    map_start = len(header)
    pos = map_start + len(b"<map>") + 14 * 8 + len(b"</map>")
    offsets = [0, map_start]
    body = []
    for opening, content, closing in sections:
        offsets.append(pos)
        piece = opening + content + closing
        body.append(piece)
        pos += len(piece)
    offsets.append(pos)  # </stata_dta>
    tail = b"</stata_dta>"
    offsets.append(pos + len(tail))
    return header + b"<map>" + struct.pack("<14Q", *offsets) + b"</map>" + b"".join(body) + tail


def write_atomic(path: str, payload: bytes, shown: str | None = None) -> None:
    """Write `payload` to a temporary file next to `path`, then rename it over `path`.

    A failure at any point leaves an existing `path` untouched (r(603) for an unwritable
    place). A symbolic link is written through (the file it points to is replaced, the link
    kept); a target that is not a regular file (a directory, a device, a pipe) is refused
    rather than replaced by a regular file."""
    shown = shown or path
    if "\0" in path:
        raise StataError(603, f"file {shown} could not be opened")
    path = os.path.realpath(path)
    folder = os.path.dirname(path)
    if os.path.lexists(path) and not os.path.isfile(path):
        raise StataError(603, f"file {shown} could not be opened")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".hlmshell-", suffix=".tmp", dir=folder)
    except OSError:
        raise StataError(603, f"file {shown} could not be opened") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        if os.path.exists(path):
            try:
                os.chmod(tmp, os.stat(path).st_mode & 0o7777)
            except OSError:
                pass
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError:
        raise StataError(603, f"file {shown} could not be opened") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_dta(ds: Dataset, path: str, shown: str | None = None) -> str:
    """Write the dataset; returns the time stamp written."""
    stamp = dta_timestamp()
    write_atomic(path, dta_bytes(ds, stamp), shown)
    return stamp


# ---------------------------------------------------------------------------- delimited text
def _decode(raw: bytes) -> tuple[str, str]:
    """Text and the encoding used: UTF-16 with its BOM (as Excel's "Unicode text" is saved),
    UTF-8 (with or without BOM), else Latin-1."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "ISO-8859-1"


def _number(text: str) -> float | None:
    t = text.strip()
    if t in ("", "."):
        return np.nan
    try:
        value = float(t)
    except ValueError:
        return None
    if t.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        return None
    return value if np.isfinite(value) else None


def _column_type(cells: list[str]) -> tuple[str, np.ndarray]:
    numbers = [_number(c) for c in cells]
    if any(v is None for v in numbers):
        values = np.array(cells, dtype=object)
        return string_type_for(values), values
    values = np.array(numbers, dtype=float)
    finite = values[~np.isnan(values)]
    if finite.size == 0 or np.all(finite == np.round(finite)):
        lo, hi = (finite.min(), finite.max()) if finite.size else (0, 0)
        for stype, (tmin, tmax) in INT_LIMITS.items():
            if tmin <= lo and hi <= tmax:
                return stype, values
        return "double", values
    # float unless the text carries more precision than a float keeps
    for v in numbers:
        if not np.isnan(v) and float(f"{np.float32(v):.7g}") != v:
            return "double", values
    return "float", values


def _valid_name(raw: str, taken: set, position: int) -> str:
    name = "".join(c if (c.isascii() and (c.isalnum() or c == "_")) else "_"
                   for c in raw.strip().replace(" ", "_"))[:32]
    if name and name[0].isdigit():
        name = ("_" + name)[:32]
    if not name or not NAME_RE.match(name) or name in RESERVED or name in taken \
            or name.strip("_") == "":
        name = f"v{position}"
    return name


def read_delimited(path: str, shown: str | None = None, delimiter: str | None = None,
                   varnames: bool | None = None) -> tuple[Dataset, str]:
    """A delimited text file as a Dataset, and the encoding used to read it.

    `varnames` None: the first row holds the names when none of its cells is empty or a
    number. Short rows are filled with missing values (empty strings for string columns)."""
    shown = shown or path
    _check_readable(path, shown)
    with open(path, "rb") as f:
        text, encoding = _decode(f.read())
    if delimiter is None:
        first = text.split("\n", 1)[0]
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    width = max((len(r) for r in rows), default=0)
    header: list[str] = []
    if varnames is None:
        varnames = bool(rows) and any(c.strip() for c in rows[0]) and all(
            _number(c) is None for c in rows[0] if c.strip())
    if varnames and rows:
        header, rows = rows[0], rows[1:]
    names: list[str] = []
    for j in range(width):
        raw = header[j] if j < len(header) else ""
        names.append(_valid_name(raw, set(names), j + 1))
    ds = Dataset()
    for j, name in enumerate(names):
        cells = [r[j] if j < len(r) else "" for r in rows]
        stype, values = _column_type(cells)
        label = header[j].strip() if j < len(header) and header[j].strip() != name else ""
        ds.add(name, values, stype, label=label)
    ds.changed = False
    return ds, encoding


def _csv_number(value: float, stype: str) -> str:
    if np.isnan(value):
        return ""
    if stype == "float":  # the shortest text that gives the same float back
        return np.format_float_positional(np.float32(value), unique=True, trim="-")
    if stype in INT_LIMITS or (value == int(value) and abs(value) < 1e15):
        return str(int(value))
    return repr(float(value))


def delimited_bytes(ds: Dataset, names: list[str], delimiter: str = ",") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(names)
    columns = [ds.vars[n] for n in names]
    for i in range(ds.nobs):
        writer.writerow([v.values[i] if v.is_string else _csv_number(v.values[i], v.stype)
                         for v in columns])
    return out.getvalue().encode("utf-8")


def write_delimited(ds: Dataset, names: list[str], path: str, shown: str | None = None,
                    delimiter: str = ",") -> None:
    write_atomic(path, delimited_bytes(ds, names, delimiter), shown)


__all__ = ["read_dta", "write_dta", "dta_bytes", "write_atomic", "read_delimited",
           "write_delimited", "delimited_bytes"]
