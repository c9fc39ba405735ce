"""Every user-facing failure is a StataError: Stata's message and its r() code."""


class StataError(Exception):
    def __init__(self, code: int, message: str = ""):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


class BreakError(StataError):
    """Ctrl-C while a command runs: Stata prints --Break-- and r(1)."""

    def __init__(self):
        super().__init__(1, "--Break--")


def syntax_error(message: str = "invalid syntax") -> StataError:
    return StataError(198, message)


def var_not_found(name: str) -> StataError:
    return StataError(111, f"variable {name} not found")


class ResultError(StataError):
    """A command that did its work but must still end with an error code, as an estimation
    that stops at iterate(#) does: its output is shown and its results kept, then r(#)."""

    keeps_state = True

    def __init__(self, code: int, message: str, output=None):
        super().__init__(code, message)
        self.output = output
