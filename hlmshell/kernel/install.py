"""Install the kernelspec with this Python as the kernel's interpreter."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

from hlmshell.kernel import KERNEL_JSON, KERNEL_NAME


def write_spec(folder: str, python: str | None = None) -> str:
    """Write kernel.json for `python` (default: this interpreter) into folder/hlmshell."""
    path = os.path.join(folder, KERNEL_NAME)
    os.makedirs(path, exist_ok=True)
    spec = dict(KERNEL_JSON, argv=[python or sys.executable] + KERNEL_JSON["argv"][1:])
    with open(os.path.join(path, "kernel.json"), "w", encoding="utf-8") as fh:
        json.dump(spec, fh, indent=1)
    return path


def install(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m hlmshell.kernel install")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="install for this user")
    where.add_argument("--sys-prefix", action="store_true", help="install into sys.prefix")
    where.add_argument("--prefix", help="install under PREFIX/share/jupyter/kernels")
    opts = parser.parse_args(argv)
    from jupyter_client.kernelspec import KernelSpecManager
    with tempfile.TemporaryDirectory() as tmp:
        src = write_spec(tmp)
        prefix = sys.prefix if opts.sys_prefix else opts.prefix
        dest = KernelSpecManager().install_kernel_spec(src, KERNEL_NAME, user=opts.user,
                                                       prefix=prefix)
    print(f"Installed kernelspec {KERNEL_NAME} in {dest}")
    return 0
