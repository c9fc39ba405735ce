"""Running and steering the shell: do, run, exit, cd, pwd, set, log, help."""
from __future__ import annotations

import datetime
import os
import sys

import numpy as np

from hlmshell.commands.registry import REGISTRY, Registry, command
from hlmshell.dataset.dataset import MAX_OBS
from hlmshell.errors import StataError
from hlmshell.paths import find_file
from hlmshell.render.formats import comma_int
from hlmshell.syntax.spec import parse_option_list, split_options, unquote


def _file_and_arguments(text: str) -> tuple[str, str]:
    """`do "my file.do" a b`: the file name and the arguments (`0' in the do-file)."""
    from hlmshell.lang.extended import tokens
    words = tokens(text.strip())
    if not words:
        raise StataError(198, "invalid file specification")
    return unquote(words[0]), text.strip()[len(words[0]):].strip()


@command("do", syntax="anything", help="run the commands in a do-file, showing them")
def do_cmd(session, args):
    """do filename [arguments]"""
    name, arguments = _file_and_arguments(args.anything)
    path = find_file(session, name, ".do")
    session.write("\n")  # Stata leaves an empty line before the do-file's first command
    session.lang.run_file(path, echo=True, arguments=arguments)


@command("run", syntax="anything", help="run the commands in a do-file without output")
def run_cmd(session, args):
    """run filename [arguments]"""
    name, arguments = _file_and_arguments(args.anything)
    session.lang.run_file(name, echo=False, arguments=arguments)


@command("exit", syntax="[anything] [, CLEAR STATA]",
         help="leave hlmshell (or end the running do-file)")
def exit_cmd(session, args):
    """exit [#] [, clear STATA]"""
    from hlmshell.session import ExitRequest
    code = args.anything.strip()
    if code:
        try:
            number = int(code)
        except ValueError:
            raise StataError(198, "invalid syntax") from None
        if number:  # `exit 198` in a do-file stops it with r(198)
            raise StataError(number, "")
    leave = (session.do_depth == 0 and session.lang.nesting == 0) or \
        bool(args.options.get("stata"))
    if leave and session.data.changed and not args.options.get("clear"):
        raise StataError(4, "no; dataset in memory has changed since last saved")
    exc = ExitRequest()
    exc.leave = leave  # batch.run_text ends only the do-file unless the shell is to be left
    exc.stata = bool(args.options.get("stata"))   # a program's `exit` ends just the program
    raise exc


@command("cd", syntax="[anything]", help="change the working directory")
def cd_cmd(session, args):
    """cd [directory]"""
    target = unquote(args.anything) or os.path.expanduser("~")
    try:
        os.chdir(os.path.expanduser(target))
    except (OSError, ValueError):   # not found, not a directory, no permission, a NUL byte
        raise StataError(170, f"unable to change to {target}") from None
    return os.getcwd()


@command("pwd", syntax="", help="show the working directory")
def pwd_cmd(session, args):
    return os.getcwd()


SETTINGS = {"more": ("on", "off"), "linesize": None, "level": None, "type": ("float", "double"),
            "matsize": None, "maxvar": None}
# the ranges of the numeric settings; matsize and maxvar are stored for c() only: matrices and
# the number of variables have no such limits here (Stata 16+ ignores matsize as well)
RANGES = {"linesize": (40, 255), "level": (10, 99), "matsize": (10, 65534),
          "maxvar": (2048, 120000)}
MAX_SEED = 2_147_483_647  # [R] set seed: "# is any number between 0 and 2^31 - 1"


def _whole_number(text: str) -> int | None:
    """`100`, `1e3`, `100.0` as an int; None for anything else (2.5, abc, inf, nan)."""
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() else None


def set_obs(session, value: str):
    """`set obs #`: grow the data to # observations ([D] obs: # must be at least the current
    number); the new observations are missing. With no data, # empty observations."""
    data = session.data
    n = _whole_number(value)
    if n is None:
        raise StataError(198, f"'{value}' invalid observation number")
    if not data.nobs <= n <= MAX_OBS:
        # [D] obs confirms the rule; this wording is Stata's as remembered, not confirmed
        raise StataError(198, "observation number out of range\n"
                              f"    Observation number must be between {comma_int(data.nobs)} and "
                              f"{comma_int(MAX_OBS)}.  (Observation numbers are typed without commas.)")
    data.check_capacity(n)
    old = data.nobs
    data.set_obs(n)
    return f"Number of observations (_N) was {comma_int(old)}, now {comma_int(n)}."


def set_seed(session, value: str):
    """`set seed #`: a new generator for runiform(), rnormal(), ...; the same # gives the
    same draws. A state string from c(seed) (X...) resumes the draws where it was taken."""
    if value.startswith("X"):
        from hlmshell.dataset.rng_state import decode
        session.rng = decode(value)
        return None
    seed = _whole_number(value)
    if seed is None or not 0 <= seed <= MAX_SEED:
        raise StataError(198, f"seed must be an integer between 0 and {comma_int(MAX_SEED)}")
    session.rng = np.random.default_rng(seed)


def set_scheme(session, value: str):
    from hlmshell.commands.graphs import set_scheme as graphs_scheme  # the graph commands' own
    return graphs_scheme(session, value)


SETTERS = {"obs": set_obs, "seed": set_seed, "scheme": set_scheme}  # settings that act rather than just store a value


@command("set", syntax="anything [, PERManently]", help="set obs #, set seed #, set more off, set linesize #, ...")
def set_cmd(session, args):
    """set obs #
    set seed #
    set more {on|off}
    set linesize #
    set level #
    set type {float|double}      (the default storage type of generate and egen)
    set matsize #, set maxvar #  (recorded in c(); no limit to lift here)
    [, permanently]"""
    words = args.anything.split()
    if len(words) != 2:
        raise StataError(198, "invalid syntax")
    name, value = words
    note = None
    if args.options.get("permanently"):
        if name not in SETTINGS:
            raise StataError(198, "option permanently not allowed")
        note = "(hlmshell keeps no preferences between sessions: the setting holds for this one)"
    if name in SETTERS:
        return SETTERS[name](session, value)
    if name not in SETTINGS:
        raise StataError(199, f"set {name} not allowed")  # what Stata calls an unknown setting
    if SETTINGS[name] is None:
        try:
            number = int(value)
        except ValueError:
            raise StataError(198, f"{value} invalid") from None
        lo, hi = RANGES[name]
        if not lo <= number <= hi:
            raise StataError(198, f"{name} must be between {lo} and {hi}")
        session.settings[name] = number
    elif value not in SETTINGS[name]:
        raise StataError(198, "invalid syntax")
    else:
        session.settings[name] = value
    return note


# --- log using / close / query ------------------------------------------------------------
class TextLog:
    """An open `log using` file: everything the session writes goes here too."""

    def __init__(self, path: str, mode: str):
        self.path = path
        self.fh = open(path, mode, encoding="utf-8", errors="backslashreplace", buffering=1)
        self.paused = False

    def write(self, text: str) -> None:
        if not self.paused and not self.fh.closed:
            self.fh.write(text)

    def close(self) -> None:
        self.fh.close()


LOG = Registry("subcommand")


def _header(log: TextLog, event: str) -> str:
    now = datetime.datetime.now()
    when = f"{now.day:2d} {now.strftime('%b %Y, %H:%M:%S')}"
    return (f"      name:  <unnamed>\n       log:  {log.path}\n  log type:  text\n"
            f" {event:>9}:  {when}")


@command("log", syntax="raw", help="log using filename [, replace append text]; log close")
def log_cmd(session, args):
    """log using filename [, append replace text] | log close | log query | log off | log on"""
    word, _, rest = args.body.strip().partition(" ")
    if word.startswith("using") and word != "using":  # `log using"x.log"`
        word, rest = "using", word[5:] + " " + rest
    sub = LOG.lookup(word or "query")
    return sub.handler(session, rest)


@LOG.command("using", syntax="raw", help="open a text log")
def log_using(session, text: str):
    main, opts = split_options(text)
    flags = set()
    for word, arg in parse_option_list(opts or ""):
        full = next((o for o in ("replace", "append", "text", "smcl", "name") if o == word), None)
        if full is None or (arg is not None) != (full == "name"):
            raise StataError(198, f"option {word} not allowed")
        flags.add(full)
    if "smcl" in flags:
        raise StataError(198, "only text logs are supported; use option text")
    if {"replace", "append"} <= flags:
        raise StataError(198, "options replace and append may not be combined")
    name = unquote(main)
    if not name or '"' in name:
        raise StataError(198, "invalid file specification")
    if session.logs:
        raise StataError(604, "log file already open")
    if not os.path.splitext(name)[1]:
        name += ".log"
    path = os.path.abspath(os.path.expanduser(name))
    if os.path.exists(path) and not flags & {"replace", "append"}:
        raise StataError(602, f"file {name} already exists")
    try:
        log = TextLog(path, "a" if "append" in flags else "w")
    except (OSError, ValueError):   # ValueError: a NUL byte in the name
        raise StataError(603, f"file {name} could not be opened") from None
    rule = "-" * session.settings.get("linesize", 79)
    log.write(rule + "\n")
    session.logs.append(log)
    return _header(log, "opened on")  # to the screen and the new log


def _open_log(session) -> TextLog:
    if not session.logs:
        raise StataError(606, "no log file open")
    return session.logs[-1]


@LOG.command("close", syntax="raw", help="close the log")
def log_close(session, text: str):
    if text.strip() and text.strip() != "_all":
        raise StataError(198, "invalid syntax")
    log = _open_log(session)
    session.write(_header(log, "closed on"))
    log.write("-" * session.settings.get("linesize", 79) + "\n")
    session.logs.remove(log)
    log.close()


@LOG.command("query", abbrev="q", syntax="raw", help="show the open log")
def log_query(session, text: str):
    if not session.logs:
        return "no log file open"
    log = session.logs[-1]
    return (f"      name:  <unnamed>\n       log:  {log.path}\n  log type:  text\n"
            f"    status:  {'off' if log.paused else 'on'}")


@LOG.command("off", syntax="raw", help="suspend the log")
def log_off(session, text: str):
    _open_log(session).paused = True


@LOG.command("on", syntax="raw", help="resume the log")
def log_on(session, text: str):
    _open_log(session).paused = False


def close_logs(session) -> None:
    """At the end of a session: close every open log (flushing it)."""
    for log in list(session.logs):
        log.close()
    session.logs.clear()


# --- help ---------------------------------------------------------------------------------
def subregistry(cmd) -> Registry | None:
    """The sub-registry (`estat icc`, `log using`, ...) a raw command dispatches through: a
    Registry in the handler's module whose variable name abbreviates the command's (ESTAT,
    EST for estimates, MAT for matrix)."""
    module = sys.modules.get(cmd.handler.__module__)
    found = [(name, v) for name, v in vars(module).items()
             if isinstance(v, Registry) and v is not REGISTRY and cmd.name.startswith(name.lower())]
    return max(found, key=lambda nv: len(nv[0]))[1] if found else None


def shown_name(cmd) -> str:
    """`summarize` with its minimum abbreviation marked as Stata's help underlines it: su̲mmarize
    is written `su[mmarize]` here; a command with no shorter form is shown as it is."""
    if cmd.minimum == cmd.name:
        return cmd.name
    return f"{cmd.minimum}[{cmd.name[len(cmd.minimum):]}]"


def documented_syntax(cmd) -> list[str]:
    """The handler's docstring up to its first blank line, when it starts with the command's
    name: the syntax as Stata's help writes it (later lines lose the code's 4-space indent)."""
    lines = (cmd.handler.__doc__ or "").strip().splitlines()
    if not lines or lines[0].split()[:1] != [cmd.name]:
        return []
    out = [lines[0]]
    for line in lines[1:]:
        if not line.strip():
            break
        out.append(line.removeprefix("    ").rstrip())
    return out


def syntax_lines(cmd) -> list[str]:
    """The documented syntax, else the one the command binds its arguments with."""
    if documented := documented_syntax(cmd):
        return documented
    if cmd.syntax == "raw":
        return [f"{cmd.name} ..."]
    return [f"{cmd.name} {cmd.syntax.replace('anything', '...')}".strip()]


@command("help", abbrev="h", syntax="[anything]", help="syntax summary of a command")
def help_cmd(session, args):
    """help [command]"""
    word = unquote(args.anything)
    if not word:
        cmds = REGISTRY.all()
        width = max(len(shown_name(c)) for c in cmds) + 2
        lines = ["Commands (the part outside [ ] is the shortest abbreviation):", ""]
        lines += [f"  {shown_name(c):<{width}}{c.help}" for c in cmds]
        lines += ["", "Type help command for its syntax."]
        return "\n".join(lines)
    cmd = REGISTRY.find(word.split()[0])
    if cmd is None:
        raise StataError(111, f"help for {word} not found")
    lines = [f"{shown_name(cmd)} -- {cmd.help}", "", "Syntax", ""]
    lines += [f"    {line}" for line in syntax_lines(cmd)]
    sub = subregistry(cmd)
    if sub is not None:
        subs = [sub.commands[n] for n in sub.names()]
        width = max(len(shown_name(c)) for c in subs) + 2
        lines += ["", "Subcommands", ""]
        lines += [f"    {cmd.name} {shown_name(c):<{width}}{c.help}".rstrip() for c in subs]
    if not documented_syntax(cmd) and any(ch.isupper() for ch in cmd.syntax.partition(",")[2]):
        lines += ["", "Capital letters in an option name are its shortest abbreviation."]
    return "\n".join(lines)
