"""The Jupyter kernel `hlmshell`: one Session per kernel; cells run through Session.run as
the REPL's commands do. Needs the `jupyter` extra (ipykernel, jupyter_client)."""

KERNEL_NAME = "hlmshell"
# the kernelspec; share/jupyter/kernels/hlmshell/kernel.json ships the same in the wheel
KERNEL_JSON = {
    "argv": ["python", "-m", "hlmshell.kernel", "-f", "{connection_file}"],
    "display_name": "hlmshell (Stata-like)",
    "language": "stata",
    "interrupt_mode": "signal",
}
