"""A native reader of .dta formats 117, 118 and 119 (Stata 13 and later), the formats `save`
writes: one pass over the file's map and a structured numpy view of its data. It spares the
shell pyreadstat's import (about 0.1 s of a session's start) and is fast on large files.
Files it does not take (older formats, strL variables, anything it cannot parse) return
None and io.read_dta falls back on pyreadstat.

Missing values as Stata codes them (dta_codes.pack is the inverse): integers from the type's
first missing value (`.`) on, .a-.z after it; floats from 2**127 in steps of 0x800 of the
bits, doubles from 2**1023 in steps of 2**40."""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

from hlmshell.dataset.missing import from_codes, label_key

_NUMERIC = {65530: ("byte", "i1"), 65529: ("int", "i2"), 65528: ("long", "i4"),
            65527: ("float", "f4"), 65526: ("double", "f8")}
_FIRST = {"byte": 101, "int": 32741, "long": 2147483621}


@dataclass
class DtaFile:
    names: list[str]
    types: list[str]
    columns: list[np.ndarray]
    formats: list[str]
    value_label_names: list[str]
    labels: list[str]
    sortlist: list[int]                 # 0-based variable positions
    data_label: str
    timestamp: str
    value_labels: dict = field(default_factory=dict)
    nobs: int = 0


def _between(raw: bytes, tag: bytes, start: int = 0) -> int:
    """The position just after `<tag>` (from `start`)."""
    at = raw.index(b"<" + tag + b">", start)
    return at + len(tag) + 2


def _text(raw: bytes, encoding: str) -> str:
    return raw.split(b"\0", 1)[0].decode(encoding, "replace")


def _numbers(raw: np.ndarray, stype: str) -> np.ndarray:
    """The stored numbers as float64, each missing code as its NaN payload."""
    if stype in _FIRST:
        code = raw.astype(np.int64) - _FIRST[stype]
        miss = code >= 0
    elif stype == "float":
        bits = raw.view(np.uint32).astype(np.int64)
        miss = (bits >= 0x7F000000) & (bits < 0x80000000)
        code = (bits - 0x7F000000) // 0x800
    else:
        bits = raw.view(np.uint64)
        miss = (bits >= np.uint64(0x7FE0000000000000)) & (bits < np.uint64(1 << 63))
        code = ((bits - np.uint64(0x7FE0000000000000)) >> np.uint64(40)).astype(np.int64)
    out = raw.astype(np.float64)
    if miss.any():
        out[miss] = from_codes(np.clip(code[miss], 0, 26))
    return out


def read_native(raw: bytes) -> DtaFile | None:
    """The file's contents, or None when this reader does not take it."""
    if not raw.startswith(b"<stata_dta><header><release>"):
        return None
    release = int(raw[_between(raw, b"release"):raw.index(b"</release>")])
    if release not in (117, 118, 119):
        return None
    o = "<" if raw[_between(raw, b"byteorder"):].startswith(b"LSF") else ">"
    wide = release == 119
    old = release == 117
    enc = "latin-1" if old else "utf-8"
    pos = _between(raw, b"K")
    k = struct.unpack_from(o + ("I" if wide else "H"), raw, pos)[0]
    pos = _between(raw, b"N")
    n = struct.unpack_from(o + ("I" if old else "Q"), raw, pos)[0]
    pos = _between(raw, b"label")
    size = raw[pos] if old else struct.unpack_from(o + "H", raw, pos)[0]
    start = pos + (1 if old else 2)
    data_label = raw[start:start + size].decode(enc, "replace")
    pos = _between(raw, b"timestamp")
    timestamp = raw[pos + 1:pos + 1 + raw[pos]].decode("ascii", "replace").strip()
    offsets = struct.unpack_from(o + "14Q", raw, _between(raw, b"map"))
    if offsets[13] != len(raw) or not raw.endswith(b"</stata_dta>"):
        raise ValueError("file cut short")
    name_w, fmt_w, lab_w = (33, 49, 81) if old else (129, 57, 321)

    def block(index: int, tag: bytes) -> int:
        return offsets[index] + len(tag) + 2

    codes = struct.unpack_from(o + f"{k}H", raw, block(2, b"variable_types"))
    types, dtypes = [], []
    for i, c in enumerate(codes):
        if c in _NUMERIC:
            types.append(_NUMERIC[c][0])
            dtypes.append((f"v{i}", o + _NUMERIC[c][1]))
        elif 1 <= c <= 2045:
            types.append(f"str{c}")
            dtypes.append((f"v{i}", f"S{c}"))
        else:
            return None                     # strL: pyreadstat reads those
    p = block(3, b"varnames")
    names = [_text(raw[p + i * name_w:p + (i + 1) * name_w], enc) for i in range(k)]
    sort_raw = struct.unpack_from(o + f"{k + 1}{'I' if wide else 'H'}", raw,
                                  block(4, b"sortlist"))
    sortlist = []
    for s in sort_raw:
        if s == 0:
            break
        sortlist.append(s - 1)
    p = block(5, b"formats")
    formats = [_text(raw[p + i * fmt_w:p + (i + 1) * fmt_w], "ascii") for i in range(k)]
    p = block(6, b"value_label_names")
    vl_names = [_text(raw[p + i * name_w:p + (i + 1) * name_w], enc) for i in range(k)]
    p = block(7, b"variable_labels")
    labels = [_text(raw[p + i * lab_w:p + (i + 1) * lab_w], enc) for i in range(k)]
    columns = []
    if k:
        rows = np.frombuffer(raw, dtype=np.dtype(dtypes), count=n, offset=block(9, b"data"))
        for i, stype in enumerate(types):
            col = rows[f"v{i}"]
            if stype.startswith("str"):
                columns.append(np.array([_text(v, enc) for v in col.tolist()], dtype=object))
            else:
                columns.append(_numbers(col, stype))
    out = DtaFile(names, types, columns, formats, vl_names, labels, sortlist, data_label,
                  timestamp, nobs=n)
    out.value_labels = _value_labels(raw, block(11, b"value_labels"), offsets[12], o,
                                     name_w, enc)
    return out


def _value_labels(raw: bytes, pos: int, end: int, o: str, name_w: int, enc: str) -> dict:
    tables = {}
    while True:
        at = raw.find(b"<lbl>", pos, end)
        if at < 0:
            return tables
        p = at + 5
        length = struct.unpack_from(o + "i", raw, p)[0]
        name = _text(raw[p + 4:p + 4 + name_w], enc)
        t = p + 4 + name_w + 3
        count, txtlen = struct.unpack_from(o + "2i", raw, t)
        offs = struct.unpack_from(o + f"{count}i", raw, t + 8)
        vals = struct.unpack_from(o + f"{count}i", raw, t + 8 + 4 * count)
        txt = raw[t + 8 + 8 * count:t + 8 + 8 * count + txtlen]
        mapping = {}
        for off, v in zip(offs, vals):
            key = label_key(v - _FIRST["long"]) if v >= _FIRST["long"] else float(v)
            mapping[key] = _text(txt[off:], enc)
        tables[name] = dict(sorted(mapping.items()))
        pos = t + length
