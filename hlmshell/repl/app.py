"""The interactive shell: a prompt_toolkit PromptSession loop around Session.run.

- `. ` prompt; `> ` on the lines of a command continued with `///`
  (Enter runs the command only when syntax.lines.is_complete says it is whole);
- a line ending in `{` (or `program define`) opens a block: the next lines are numbered
  (`  2. `) and the block runs when its `}` (or `end`) is typed; Ctrl-C abandons it, r(1);
- history in ~/.hlmshell_history (or the file named by $HLMSHELL_HISTORY);
- Tab completes command names, variable names and file names (repl/completer.py);
- Ctrl-C at the prompt abandons the line; during a command it stops it with --Break--
  r(1) (Session._dispatch restores the data as they were before the command);
- Ctrl-D or `exit` leaves; Ctrl-D asks first when the data in memory have changed,
  `exit` then says r(4) unless `exit, clear`.
"""
from __future__ import annotations

import os

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings

from hlmshell.lang.blocks import open_block
from hlmshell.repl.completer import StataCompleter
from hlmshell.repl.lexer import make_lexer
from hlmshell.syntax.lines import is_complete

PROMPT = ". "
CONTINUATION = "> "
CHANGED = "Data in memory have changed; exit anyway? (y/n) "


def history_path() -> str:
    return os.environ.get("HLMSHELL_HISTORY") or os.path.join(os.path.expanduser("~"),
                                                               ".hlmshell_history")


def make_history(path: str | None = None) -> History:
    path = path or history_path()
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        with open(path, "ab"):
            pass
    except OSError:  # an unwritable home: keep this session's history only
        return InMemoryHistory()
    return FileHistory(path)


def key_bindings() -> KeyBindings:
    kb = KeyBindings()

    @kb.add("enter")
    def _(event):
        buf = event.current_buffer
        if buf.complete_state is not None and buf.complete_state.current_completion:
            buf.complete_state = None  # Enter in the completion menu takes the choice
            return
        if is_complete(buf.text) and not open_block(buf.text):
            buf.validate_and_handle()
        else:
            buf.insert_text("\n")

    return kb


def continuation_prompt(text: str, line_number: int) -> str:
    """`> ` after a `///` line, else the block line's number as Stata shows it (`  2. `)."""
    lines = text.split("\n")
    before = lines[line_number - 1].rstrip() if 0 < line_number <= len(lines) else ""
    if before.endswith("///") or not open_block("\n".join(lines[:line_number])):
        return CONTINUATION
    return f"{line_number + 1:>3}. "


def make_prompt_session(session, *, input=None, output=None, history: History | None = None):
    holder = []

    def continuation(width, line_number, is_soft_wrap):
        return continuation_prompt(holder[0].default_buffer.text, line_number) if holder \
            else CONTINUATION

    prompt = PromptSession(
        message=PROMPT,
        multiline=True,
        prompt_continuation=continuation,
        key_bindings=key_bindings(),
        history=history if history is not None else make_history(),
        completer=StataCompleter(session),
        lexer=make_lexer(),
        complete_while_typing=False,
        enable_history_search=False,
        input=input,
        output=output,
    )
    holder.append(prompt)
    return prompt


def confirm_exit(session, *, input=None, output=None) -> bool:
    """Ctrl-D: leave at once if the data are unchanged, else ask."""
    if not session.data.changed:
        return True
    asker = PromptSession(history=InMemoryHistory(), input=input, output=output)
    while True:
        try:
            answer = asker.prompt(CHANGED).strip().lower()
        except KeyboardInterrupt:
            return False
        except EOFError:
            return True
        if answer in ("y", "yes"):
            return True
        if answer in ("n", "no", ""):
            return False


def run_repl(session, *, input=None, output=None, history: History | None = None) -> int:
    """Read commands until exit; returns the process exit code (0)."""
    from hlmshell.session import ExitRequest
    prompt = make_prompt_session(session, input=input, output=output, history=history)
    while True:
        try:
            text = prompt.prompt()
        except KeyboardInterrupt:  # Ctrl-C at the prompt: abandon the line (or the block)
            if open_block(prompt.default_buffer.text):
                session.write("--Break--\nr(1);\n", force=True)
            continue
        except EOFError:  # Ctrl-D
            if confirm_exit(session, input=input, output=output):
                return 0
            continue
        if not text.strip():
            continue
        try:
            session.run(text)
        except ExitRequest:
            return 0
        except KeyboardInterrupt:  # between two commands, outside their own handling
            session.write("--Break--\nr(1);\n", force=True)
        session.out.flush()
