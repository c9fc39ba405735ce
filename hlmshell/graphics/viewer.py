"""The REPL's graph hook: write the graph to a PNG in a temporary folder and open it with
the desktop's viewer when there is a desktop (DISPLAY/WAYLAND_DISPLAY, or macOS); otherwise
say where the file is. Stata's Graph window, as near as a terminal gets."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile


def viewer_command() -> list[str] | None:
    if sys.platform == "darwin":
        return ["open"] if shutil.which("open") else None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return ["xdg-open"] if shutil.which("xdg-open") else None
    return None


def repl_hook(session):
    """A callable(GraphSpec) for session.graph_hook."""
    folder = tempfile.mkdtemp(prefix="hlmshell-graphs-")

    def show(spec) -> None:
        from hlmshell.graphics.draw import export_file
        path = os.path.join(folder, f"{spec.name}.png")
        export_file(spec, path, "png")
        opener = viewer_command()
        if opener is not None:
            try:
                subprocess.Popen(opener + [path], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
                return
            except OSError:
                pass
        session.write(f"(graph {spec.name} drawn to {path})")

    return show
