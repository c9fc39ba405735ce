"""The long fuzz campaign: python tests/fuzz_campaign.py [COMMANDS] [SEED]

Runs generated command lines through one session (restarted when a command ends it) and
prints what it found: commands tried, distinct error codes and messages, tracebacks, hangs,
and failed commands that changed the state."""
from __future__ import annotations

import collections
import os
import random
import re
import sys
import tempfile
import time

from fuzz_commands import check, check_fragment, command_line, fragment, fresh_session


def template(message: str, line: str) -> str:
    """The message with the words taken from the command line blanked, so `variable foo not
    found` and `variable bar not found` count as one distinct error."""
    for word in sorted(set(re.findall(r"[^\s,()\[\]\"]+", line)), key=len, reverse=True):
        message = message.replace(word, "…")
    return re.sub(r"\d+", "#", message)[:80]


def main() -> int:
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    os.chdir(tempfile.mkdtemp(prefix="hlmshell-fuzz-"))  # fuzzed `save`/`log` write here
    rng = random.Random(seed)
    session = fresh_session(seed)
    codes: collections.Counter = collections.Counter()
    messages: set = set()
    problems: collections.Counter = collections.Counter()
    examples: dict = {}
    start = time.time()
    for i in range(total):
        before = session.out.tell()
        if rng.random() < 0.2:      # a language fragment: loops, macros, programs
            line = fragment(rng)
            rc, problem = check_fragment(session, line)
        else:
            line = command_line(rng)
            rc, problem = check(session, line)
        codes[rc] += 1
        if rc > 0:
            tail = session.out.getvalue()[before:].strip().splitlines()
            if len(tail) >= 2:
                messages.add((rc, template(tail[-2], line)))
        if problem:
            kind = problem.split(":")[0]
            problems[kind] += 1
            examples.setdefault(problem, line)
        if session.out.tell() > 5_000_000:  # keep memory flat
            session.out.seek(0)
            session.out.truncate()
        if (i + 1) % 10_000 == 0:
            print(f"  {i + 1:,} commands, {time.time() - start:.0f} s", flush=True)
    print(f"commands tried:        {total:,}  (seed {seed}, {time.time() - start:.0f} s)")
    print(f"succeeded:             {codes[0]:,}")
    print(f"Stata-style errors:    {sum(v for k, v in codes.items() if k > 0):,} "
          f"in {len([k for k in codes if k > 0])} codes, {len(messages)} distinct messages")
    print("error codes:           " + ", ".join(f"r({k}) x{v}" for k, v in sorted(codes.items()) if k > 0))
    print(f"tracebacks:            {problems['traceback']}")
    print(f"hangs:                 {problems['hang']}")
    print(f"state changed on error: {problems['state changed by a failed command']}")
    for problem, line in list(examples.items())[:30]:
        print(f"  {problem[:120]}\n      <- {line[:160]!r}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
