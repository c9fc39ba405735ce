"""Extended missing values .a–.z as NaN payloads.

Every missing value stays a NaN (the NaN-for-missing contract: np.isnan finds them all);
which one it is lives in bits 40–44 of the quiet NaN's mantissa: 0 for `.`, 1–26 for
`.a`–`.z`. Those bits are among the 23 a float32 keeps, so `float` variables hold them too,
and numpy copies, indexing, np.where and concatenation keep them. Arithmetic does not
define which payload a result carries, so the evaluator makes every computed missing
value a plain `.` (as Stata: `.a + 1` is `.`).

Order (sort, comparisons, tabulate): numbers < . < .a < … < .z.
"""
from __future__ import annotations

import numpy as np

QUIET_NAN = 0x7FF8000000000000
SHIFT = 40
MASK = 0x1F << SHIFT


def value(letter: str = "") -> float:
    """The missing value `.` ("") or `.a`… (letter "a"…"z") as a float."""
    k = 0 if not letter else ord(letter.lower()) - 96
    if not 0 <= k <= 26:
        raise ValueError(letter)
    return float(np.array([QUIET_NAN | (k << SHIFT)], dtype=np.uint64).view(np.float64)[0])


def codes(x) -> np.ndarray:
    """-1 for each non-missing value, 0 for `.`, 1–26 for `.a`–`.z`."""
    x = np.asarray(x, dtype=np.float64)
    bits = x.view(np.uint64) if x.ndim else x.reshape(1).view(np.uint64)
    k = ((bits & np.uint64(MASK)) >> np.uint64(SHIFT)).astype(np.int64)
    k = np.where(k > 26, 0, k)
    out = np.where(np.isnan(x).reshape(k.shape), k, -1)
    return out if x.ndim else out.reshape(())


def code(v: float) -> int:
    return int(codes(np.float64(v)))


def text(v: float) -> str:
    """"." or ".a"… for a missing value."""
    k = code(v)
    return "." if k <= 0 else "." + chr(96 + k)


def from_codes(k: np.ndarray) -> np.ndarray:
    """Missing values for codes 0–26."""
    bits = np.uint64(QUIET_NAN) | (np.asarray(k, dtype=np.uint64) << np.uint64(SHIFT))
    return np.asarray(bits, dtype=np.uint64).view(np.float64)


def order_keys(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(kind, number): compared lexicographically they give Stata's order. kind is -1 for
    numbers, else the missing code; number is the value (0 for missing)."""
    x = np.asarray(x, dtype=np.float64)
    k = codes(x)
    return k, np.where(k >= 0, 0.0, x)


def plain(x: np.ndarray) -> np.ndarray:
    """Every NaN made the plain `.` (for computed results)."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(np.isnan(x), np.nan, x)


# Value labels key `.a`-`.z` by Stata's own double for them (2**1023 * (1 + k/4096), a
# finite float, so it can be a dict key; render.formats prints it as ".a").
def label_key(k: int) -> float:
    return 2.0 ** 1023 * (1 + k / 4096)


def key_code(key: float) -> int:
    """The missing code (1-26) of a value-label key, or -1 for an ordinary value."""
    if key < 2.0 ** 1023:
        return -1
    k = (key / 2.0 ** 1023 - 1) * 4096
    return int(k) if k.is_integer() and 1 <= k <= 26 else -1
