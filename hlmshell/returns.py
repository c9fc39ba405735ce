"""r() results of the last r-class command: scalars, macros and matrices."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Returns:
    scalars: dict = field(default_factory=dict)
    macros: dict = field(default_factory=dict)
    matrices: dict = field(default_factory=dict)
