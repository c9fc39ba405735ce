"""Fuzzing the shell: every generated command line gets a result or a Stata-style error, never
a traceback or a hang, and a failed command leaves data, estimates and stored results as they
were. The long campaign is tests/fuzz_campaign.py; this is its short run for CI."""
from __future__ import annotations

import os
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from fuzz_commands import check, check_fragment, command_line, fragment, fresh_session, time_limit

SESSION = fresh_session()


@pytest.fixture(autouse=True, scope="module")
def scratch_directory():
    """Fuzzed `save`, `log using` and `export` write files: keep them out of the repository."""
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        yield
        os.chdir(cwd)


def _run(line: str) -> None:
    rc, problem = check(SESSION, line)
    assert not problem, f"{problem} after {line!r}"


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.randoms(use_true_random=False))
def test_generated_command_lines(rng):
    _run(command_line(rng))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.text(max_size=120))
def test_arbitrary_text(text):
    _run(text)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=80))
def test_invalid_utf8_bytes(raw):
    # bytes from a file that is not UTF-8 reach the shell decoded as Latin-1 or with escapes
    _run(raw.decode("utf-8", errors="surrogateescape"))


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.randoms(use_true_random=False))
def test_generated_do_files(rng):
    # several generated lines joined by newlines, `///` continuations, block comments and
    # `#delimit` switches, run as a do-file (each typed line echoed, stop at the first
    # error): no traceback, no hang
    from hlmshell.batch import run_text
    from hlmshell.session import ExitRequest
    seps = ["\n", "\n", " ///\n", "\n/* ", " */\n", "\n* ", "\n\n", "\r\n", ";",
            "\n#delimit ;\n", "\n#delimit cr\n", '\n#d ;\n"']
    text = "".join(command_line(rng) + rng.choice(seps) for _ in range(rng.randint(1, 5)))
    start = SESSION.out.tell()
    try:
        with time_limit(60):
            run_text(SESSION, text)
    except ExitRequest:
        pass
    out = SESSION.out.getvalue()[start:]
    assert "internal error" not in out and "Traceback" not in out, (text, out[-300:])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.randoms(use_true_random=False))
def test_generated_language_fragments(rng):
    text = fragment(rng)
    rc, problem = check_fragment(SESSION, text)
    assert not problem, f"{problem} after {text!r}"
