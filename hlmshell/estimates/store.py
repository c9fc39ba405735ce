"""The active estimation result and the named stores (`estimates store/restore`)."""
from __future__ import annotations

from hlmshell.errors import StataError


class EstimatesStore:
    def __init__(self):
        self.active = None  # EstimationResult | None
        self.active_name: str | None = None  # the store name the active results came from
        self.stored: dict = {}

    def copy(self) -> "EstimatesStore":
        new = EstimatesStore()
        new.active, new.active_name, new.stored = self.active, self.active_name, dict(self.stored)
        return new

    def post(self, result) -> None:
        self.active, self.active_name = result, None

    def require(self):
        if self.active is None:
            raise StataError(301, "last estimates not found")
        return self.active

    def get(self, name: str):
        """A stored result by name; `.` is the active one."""
        if name == ".":
            return self.require()
        if name not in self.stored:
            raise StataError(111, f"estimation result {name} not found")
        return self.stored[name]

    def store(self, name: str) -> None:
        self.stored[name] = self.require()
        self.active_name = name

    def restore(self, name: str) -> None:
        self.active, self.active_name = self.get(name), name

    def drop(self, name: str) -> None:
        self.get(name)
        del self.stored[name]
        if self.active_name == name:
            self.active_name = None
