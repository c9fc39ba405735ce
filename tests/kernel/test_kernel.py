"""Drive a real hlmshell kernel through jupyter_client: execute, inline image, error status,
completion, interrupt. Skipped when ipykernel or jupyter_client is not installed."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

pytest.importorskip("ipykernel")
pytest.importorskip("jupyter_client")
pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    from jupyter_client.manager import KernelManager
    from hlmshell.kernel.install import write_spec
    home = tmp_path_factory.mktemp("jupyter")
    write_spec(str(home / "kernels"))
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(home)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    km = KernelManager(kernel_name="hlmshell")
    km.start_kernel(cwd=str(ROOT), env=env)
    client = km.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    yield km, client
    client.stop_channels()
    km.shutdown_kernel(now=True)
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


def execute(client, code, timeout=60):
    """(reply content, stdout text, display data list)."""
    out, displays = [], []

    def hook(msg):
        kind = msg["header"]["msg_type"]
        if kind == "stream":
            out.append(msg["content"]["text"])
        elif kind == "display_data":
            displays.append(msg["content"]["data"])

    reply = client.execute_interactive(code, output_hook=hook, timeout=timeout)
    return reply["content"], "".join(out), displays


def test_execute_prints_stata_text(kernel):
    _, client = kernel
    reply, text, _ = execute(client, "use data/hsb.dta\nsummarize mathach")
    assert reply["status"] == "ok"
    assert "(High School and Beyond)" in text
    assert "    Variable |        Obs        Mean    Std. dev.       Min        Max" in text
    assert "     mathach |      7,185" in text


def test_graph_comes_inline(kernel):
    _, client = kernel
    reply, _, displays = execute(client, "histogram mathach")
    assert reply["status"] == "ok" and len(displays) == 1
    import base64
    png = base64.b64decode(displays[0]["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert "<svg" in displays[0]["image/svg+xml"]


def test_error_status_and_message(kernel):
    _, client = kernel
    reply, text, _ = execute(client, "summarize nosuch\ndisplay 1")
    assert reply["status"] == "error" and reply["ename"] == "r(111)"
    assert "variable nosuch not found\nr(111);" in text
    reply, text, _ = execute(client, "display 2+2")   # the kernel lives on
    assert reply["status"] == "ok" and text.strip() == "4"


def test_completion_uses_the_repl_completer(kernel):
    _, client = kernel
    msg_id = client.complete("summarize math", 14)
    reply = client.get_shell_msg(timeout=20)
    assert reply["parent_header"]["msg_id"] == msg_id
    content = reply["content"]
    assert content["matches"] == ["mathach"]
    assert (content["cursor_start"], content["cursor_end"]) == (10, 14)


def test_inspect_shows_the_commands_help(kernel):
    _, client = kernel
    msg_id = client.inspect("quietly hist mathach", 12)
    reply = client.get_shell_msg(timeout=20)
    assert reply["parent_header"]["msg_id"] == msg_id and reply["content"]["found"]
    assert "histogram varname [if] [in]" in reply["content"]["data"]["text/plain"]


def test_interrupt_gives_break_and_keeps_the_kernel(kernel):
    km, client = kernel
    reply, _, _ = execute(client, "clear\nset obs 200000\ngen g = mod(_n, 2000)\n"
                                  "gen double x = rnormal()\ngen double y = x + rnormal()")
    assert reply["status"] == "ok"
    # a long cell (a thousand fits, about a minute), interrupted as it runs
    # (stop_on_error=False: otherwise ipykernel aborts requests that reach it while it
    # is still clearing its queue after the error, and the next cell could be aborted)
    msg_id = client.execute("forvalues i = 1/1000 {\n  quietly mixed y x || g: x\n}\n"
                            "scatter y x, name(slow)", stop_on_error=False)
    # interrupt once the cell runs: an interrupt that reaches a kernel still busy with the
    # previous request is spent there
    started = time.time()
    while time.time() - started < 60:
        msg = client.get_iopub_msg(timeout=60)
        if msg["header"]["msg_type"] == "execute_input" and \
                msg["parent_header"].get("msg_id") == msg_id:
            break
    time.sleep(1.0)
    km.interrupt_kernel()
    reply = client.get_shell_msg(timeout=60)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=60)
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "r(1)"
    reply, text, _ = execute(client, "display _N\ngraph dir")
    assert reply["status"] == "ok" and "200000" in text and "slow" not in text


def test_shipped_kernelspec_matches_the_installer():
    from hlmshell.kernel import KERNEL_JSON
    shipped = json.loads((ROOT / "share/jupyter/kernels/hlmshell/kernel.json").read_text())
    assert shipped == KERNEL_JSON
