"""HlmKernel: Jupyter's messages ↔ one Session.

- execute: the cell runs through Session.run (stops at the first error, as a do-file);
  the text goes out as a stdout stream; an error ends the cell with status `error`
  (ename `r(#)`, the message and r() line are in the stream as on the screen);
- every graph a cell draws is sent as display data: image/png, and image/svg+xml when it
  has few enough points for a small SVG;
- complete: the REPL's completer (repl/completer.py `analyse`); inspect (Shift-Tab): the
  command's `help`;
- interrupt: Jupyter sends SIGINT; the KeyboardInterrupt stops the command in
  Session._dispatch, which restores the data and prints --Break-- r(1). The kernel lives on.
"""
from __future__ import annotations

import base64

from ipykernel.kernelbase import Kernel


SVG_MAX_POINTS = 20000


class _Stream:
    """session.out for a kernel: each write goes to the front end as stdout."""

    def __init__(self, kernel, silent: bool):
        self.kernel, self.silent = kernel, silent

    def write(self, text: str) -> int:
        if text and not self.silent:
            self.kernel.send_response(self.kernel.iopub_socket, "stream",
                                      {"name": "stdout", "text": text})
        return len(text)

    def flush(self) -> None:
        pass


class HlmKernel(Kernel):
    implementation = "hlmshell"
    implementation_version = "0.1.0"
    language = "stata"
    language_version = "17"
    language_info = {
        "name": "stata",
        "mimetype": "text/x-stata",
        "file_extension": ".do",
        "pygments_lexer": "stata",
        "codemirror_mode": "stata",
    }
    banner = "hlmshell: a Stata-like shell for multilevel models"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        from hlmshell.session import Session
        self.hlm = Session(out=_Stream(self, True))
        self._graphs: list = []
        self.hlm.graph_hook = self._graphs.append

    # --- execute ----------------------------------------------------------------------
    def do_execute(self, code, silent, store_history=True, user_expressions=None,
                   allow_stdin=False, *, cell_meta=None, cell_id=None):
        from hlmshell.session import ExitRequest
        self.hlm.out = _Stream(self, silent)
        self._graphs.clear()
        try:
            try:
                rc = self.hlm.run(code)
            except ExitRequest:
                rc = 0
            if not silent:
                for spec in list(self._graphs):
                    self._send_graph(spec)
        except KeyboardInterrupt:
            # between two commands or while the graphs go out (matplotlib's first import
            # takes a second): outside the commands' own handling. Escaping here, ipykernel
            # would log it and send no reply at all, and the front end would wait for ever.
            self.hlm.write("--Break--\nr(1);", force=True)
            rc = 1
        self._graphs.clear()
        if rc:
            return {"status": "error", "execution_count": self.execution_count,
                    "ename": f"r({rc})", "evalue": f"r({rc});", "traceback": []}
        return {"status": "ok", "execution_count": self.execution_count,
                "payload": [], "user_expressions": {}}

    def _send_graph(self, spec) -> None:
        from hlmshell.graphics.draw import export_bytes
        data = {"image/png": base64.b64encode(export_bytes(spec, "png")).decode("ascii"),
                "text/plain": f"<graph {spec.name}>"}
        if spec.npoints <= SVG_MAX_POINTS:
            data["image/svg+xml"] = export_bytes(spec, "svg").decode("utf-8")
        self.send_response(self.iopub_socket, "display_data",
                           {"data": data, "metadata": {"image/png": {"width": 550}}})

    # --- completion -------------------------------------------------------------------
    def do_complete(self, code, cursor_pos):
        from hlmshell.repl.completer import analyse
        frag, matches = analyse(code[:cursor_pos], self.hlm)
        return {"status": "ok", "matches": matches, "cursor_start": cursor_pos - len(frag),
                "cursor_end": cursor_pos, "metadata": {}}

    def do_inspect(self, code, cursor_pos, detail_level=0, omit_sections=()):
        """Shift-Tab: `help` for the command word of the line under the cursor."""
        import re
        from hlmshell.commands.program import help_cmd
        from hlmshell.errors import StataError
        from hlmshell.syntax.spec import Args
        line = code[:cursor_pos].rsplit("\n", 1)[-1] + code[cursor_pos:].split("\n", 1)[0]
        line = re.sub(r"^\s*((quietly|qui|noisily|noi|capture|cap)\s+|by\w*\s+[^:]*:\s*)*",
                      "", line)
        m = re.match(r"\s*([A-Za-z_]\w*)", line)
        data = {}
        if m:
            try:
                data = {"text/plain": help_cmd(self.hlm, Args(anything=m.group(1)))}
            except StataError:
                data = {}
        return {"status": "ok", "found": bool(data), "data": data, "metadata": {}}

    def do_is_complete(self, code):
        from hlmshell.syntax.lines import is_complete
        return {"status": "complete" if is_complete(code) else "incomplete", "indent": ""}
