"""Stata's .dta encodings that pyreadstat does not give us ready-made: the codes of the
missing values `.`, `.a`-`.z` per storage type, and the value-label tables (format 118).
Our side of each is in dataset/missing.py (NaN payloads, label keys)."""
from __future__ import annotations

import struct

import numpy as np

from hlmshell.dataset.dataset import INT_LIMITS, Dataset
from hlmshell.dataset.missing import codes as missing_codes, from_codes, key_code, label_key

_NUMPY = {"byte": "i1", "int": "i2", "long": "i4", "float": "f4", "double": "f8"}
# the first missing value (`.`) of each integer type; .a-.z follow it
_FIRST_MISSING = {"byte": 101, "int": 32741, "long": 2147483621}


def utf8(text: str) -> bytes:
    """Text as written: bytes that came in undecodable (surrogate escapes, from a file or a
    terminal that is not UTF-8) go back out as they came; any other lone surrogate as `?`."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def fixed(text: str, size: int) -> bytes:
    """A NUL-padded field of `size` bytes."""
    raw = utf8(text)[:size - 1]
    return raw + b"\0" * (size - len(raw))


def pack(values: np.ndarray, stype: str) -> np.ndarray:
    """Numbers in the type's numpy form with each missing value as Stata codes it: `.` is
    the type's first missing value, `.a`-`.z` the 26 after it (integers: +1 each; float:
    +0x800 in the bits; double: +2**40 in the bits)."""
    miss = np.isnan(values)
    out = np.where(miss, 0, values).astype(_NUMPY[stype])
    if not miss.any():
        return out
    k = missing_codes(values[miss])
    if stype in INT_LIMITS:
        out[miss] = (_FIRST_MISSING[stype] + k).astype(_NUMPY[stype])
    elif stype == "float":
        out.view(np.uint32)[miss] = (0x7F000000 + 0x800 * k).astype(np.uint32)
    else:
        out.view(np.uint64)[miss] = (np.uint64(0x7FE0000000000000)
                                     + np.uint64(1 << 40) * k.astype(np.uint64))
    return out


def value_label_tables(ds: Dataset) -> bytes:
    """Every value label as a format-118 <lbl> record: length, name (129 bytes), 3 pad
    bytes, then n, text length, the n text offsets, the n values and the texts."""
    out = []
    for name, mapping in ds.value_labels.items():
        # .a-.z are written with long's missing codes (2147483621 + k)
        items = sorted((int(v) if key_code(v) < 0 else 2147483621 + key_code(v), t)
                       for v, t in mapping.items())
        texts, offsets, pos = [], [], 0
        for _, t in items:
            raw = utf8(t) + b"\0"
            offsets.append(pos)
            texts.append(raw)
            pos += len(raw)
        n = len(items)
        table = (struct.pack("<2i", n, pos) + struct.pack(f"<{n}i", *offsets)
                 + struct.pack(f"<{n}i", *(v for v, _ in items)) + b"".join(texts))
        out.append(b"<lbl>" + struct.pack("<i", len(table)) + fixed(name, 129) + b"\0" * 3
                   + table + b"</lbl>")
    return b"".join(out)


def label_entries(mapping: dict) -> dict:
    """pyreadstat's value label → ours: .a-.z (given as letters) keyed by label_key."""
    out = {}
    for v, t in mapping.items():
        if isinstance(v, str):
            if len(v) == 1 and v.isalpha():
                out[label_key(ord(v.lower()) - 96)] = str(t)
            continue
        out[float(v)] = str(t)
    return dict(sorted(out.items()))


def with_extended(values) -> np.ndarray:
    """A numeric column whose extended missing values pyreadstat gave as letters."""
    raw = np.asarray(values, dtype=object)
    out = np.full(len(raw), np.nan)
    letters = np.array([isinstance(v, str) for v in raw], dtype=bool)
    numbers = ~letters & np.array([v is not None for v in raw], dtype=bool)
    out[numbers] = np.asarray(raw[numbers], dtype=float)
    if letters.any():
        out[letters] = from_codes(np.array([ord(v.lower()) - 96 for v in raw[letters]]))
    return out
