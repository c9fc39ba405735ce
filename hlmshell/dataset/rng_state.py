"""c(seed) and `set seed <state>`: the random-number generator's state as one string.

Stata's c(seed) is an encoded state string for its own generator (mt64), which `set seed`
accepts back. Ours encodes numpy's PCG64 state the same way in spirit: "X" followed by hex
digits of (state, inc, has_uint32, uinteger). It is not Stata's string (the generators
differ); it round-trips: `local s = c(seed)` ... `set seed `s'` resumes the same draws."""
from __future__ import annotations

import re

import numpy as np

from hlmshell.errors import StataError

_STATE_RE = re.compile(r"X([0-9a-f]{32})([0-9a-f]{32})([01])([0-9a-f]{8})$")


def encode(rng: np.random.Generator) -> str:
    st = rng.bit_generator.state
    if st.get("bit_generator") != "PCG64":
        raise StataError(198, "c(seed) not available for this generator")
    inner = st["state"]
    return (f"X{inner['state']:032x}{inner['inc']:032x}"
            f"{int(st['has_uint32'])}{int(st['uinteger']):08x}")


def decode(text: str) -> np.random.Generator:
    m = _STATE_RE.match(text)
    if not m:
        raise StataError(198, "set seed:  invalid state string")  # text unconfirmed
    bitgen = np.random.PCG64()
    bitgen.state = {"bit_generator": "PCG64",
                    "state": {"state": int(m.group(1), 16), "inc": int(m.group(2), 16)},
                    "has_uint32": int(m.group(3)), "uinteger": int(m.group(4), 16)}
    return np.random.Generator(bitgen)
