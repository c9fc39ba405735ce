"""`python -m hlmshell.kernel -f CONNECTION_FILE` runs the kernel (Jupyter does this);
`python -m hlmshell.kernel install [--user | --sys-prefix | --prefix DIR]` installs the
kernelspec by hand, for editable installs (setuptools does not install data files there)."""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "install":
        from hlmshell.kernel.install import install
        return install(argv[1:])
    from ipykernel.kernelapp import IPKernelApp
    from hlmshell.kernel.kernel import HlmKernel
    IPKernelApp.launch_instance(argv=argv, kernel_class=HlmKernel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
