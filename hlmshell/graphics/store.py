"""The graphs in memory, by name (Stata's "Graph" is the default name), and the hook
through which a front end shows a graph when it is drawn.

Both live on the session as plain attributes, created on first use so that the session
module needs no change:
- `session.graphs`: GraphStore.
- `session.graph_hook`: None (do-files, batch: graphs stay in memory until `graph export`)
  or a callable(GraphSpec) set by a front end: the REPL writes a PNG and opens it, the
  Jupyter kernel sends it as display data.
"""
from __future__ import annotations

from hlmshell.errors import StataError


class GraphStore:
    def __init__(self):
        self.graphs: dict = {}     # name → GraphSpec, in the order they were made
        self.current: str | None = None

    def check(self, spec, replace: bool) -> None:
        if spec.name in self.graphs and not replace and spec.name != "Graph":
            raise StataError(110, f"graph {spec.name} already exists")

    def put(self, spec, replace: bool) -> None:
        self.check(spec, replace)
        self.graphs.pop(spec.name, None)
        self.graphs[spec.name] = spec
        self.current = spec.name

    def get(self, name: str | None = None):
        if name is None:
            if self.current is None:
                raise StataError(111, "no graphs in memory")  # unverified wording
            return self.graphs[self.current]
        if name not in self.graphs:
            raise StataError(111, f"graph {name} not found")
        return self.graphs[name]

    def drop(self, names: list[str]) -> None:
        for name in names:
            if name not in self.graphs:
                raise StataError(111, f"graph {name} not found")
        for name in names:
            del self.graphs[name]
        if self.current not in self.graphs:
            self.current = next(reversed(self.graphs), None) if self.graphs else None


def graph_store(session) -> GraphStore:
    store = getattr(session, "graphs", None)
    if store is None:
        store = GraphStore()
        session.graphs = store
    return store


def publish(session, spec, *, replace: bool = False, draw: bool = True) -> None:
    """Tell the front end, if any, and keep the graph in memory under its name. The store
    is written last: a name clash or a failed drawing leaves the graphs as they were."""
    store = graph_store(session)
    store.check(spec, replace)
    hook = getattr(session, "graph_hook", None)
    if draw and hook is not None:
        hook(spec)
    store.put(spec, replace)
