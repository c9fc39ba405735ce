"""Hostile command lines and the checks every one of them must pass.

Shared by tests/test_fuzz.py (a short run in the suite) and tests/fuzz_campaign.py (the long
standalone campaign). One generator, driven by a `random.Random`, so hypothesis can supply the
randomness (st.randoms) and the campaign can run 100,000+ commands quickly.
"""
from __future__ import annotations

import hashlib
import io
import signal
from contextlib import contextmanager

import numpy as np

from hlmshell.session import ExitRequest, Session

COMMANDS = [
    "use", "save", "sum", "summarize", "su", "tab", "tabulate", "des", "describe", "list", "count",
    "g", "gen", "generate", "replace", "egen", "drop", "keep", "sort", "gsort", "merge", "rename",
    "label", "clear", "di", "display", "scalar", "mat", "matrix", "return", "ereturn", "eret",
    "mixed", "estat", "est", "estimates", "lrtest", "predict", "help", "set", "pwd", "qui",
    "quietly", "noi", "capture", "cap", "by", "bysort", "import", "export", "log", "do", "run",
    "expand", "collapse", "reshape", "recode", "encode", "decode", "destring", "tostring",
    "append", "duplicates", "isid", "fillin", "sample", "order", "move", "format", "compress",
    "recast", "clonevar", "mvencode", "mvdecode", "erase",
]
VARS = ["y", "x", "z", "g", "h", "s", "_all", "y*", "*", "x-z", "nosuch", "_n", "_N", "e(b)"]
WORDS = ["if", "in", "using", ",", "||", ":", "=", "==", "(", ")", "[", "]", '"', "`", "'", "///",
         "//", "/*", "*/", "i.", "c.", "ib1.", "#", "##", "cov(un)", "cov(", "reml", "nolog",
         "level(90)", "level(x)", "iterate(2)", "detail", "clear", "replace", "by(g)", "1/5",
         "-3/-1", ".", "1e308", "-1e308", "0", "1", "2.5", "_pi", "tag(g)", "mean(y)", "group(g)",
         "store", "restore", "icc", "ic", "recov", "group", "list", "e(b)", "r(mean)", "c(N)",
         "b", "V", "xb", "fitted", "reffects", "reses", "1:1", "m:1", "noconstant", "corr",
         "obs", "seed", "1e12", "1e9", "-1", "gen(d)",
         "(mean)", "(sd)", "(count)", "(p50)", "(first)", "(iqr)", "(rawsum)", "[fw=g]", "[aw=y]",
         "[pw=x]", "cw", "long", "wide", "error", "i(g)", "j(t)", "j(t 1/3)", "string", "i(g h)",
         "(1=2)", "(min/0=1)", "(else=.)", "(missing=9)", "prefix(r_)", "force", "ignore(\",\")",
         "report", "tag", "drop", "count", "by(g h)", "mv(9)", "mv(1/3)", "override", "%9.2f",
         "%5s", "byte", "str3", "after(y)", "before(x)", "alphabetic", "upper", "pctile(y)",
         "p(25)", "mode(y)", "rank(y)", "field", "std(y)", "cut(y)", "at(0,1,2)", "icodes",
         "rowmean(x y)", "rowtotal(x y)", "anycount(x y)", "values(1 2)", "concat(s x)",
         "fill(1 2)", "seq()", "diff(x y)", "median(y)", "(y x)", "(a b)", "x*", "missok"]
OPERATORS = ["+", "-", "*", "/", "^", "!", "&", "|", "==", "!=", "~=", "<", "<=", ">", ">="]
FUNCTIONS = ["abs", "exp", "ln", "log", "sqrt", "round", "min", "max", "cond", "missing",
             "inlist", "inrange", "mod", "sum", "normal", "invnormal", "chi2tail", "string",
             "real", "substr", "strlen", "upper", "el", "nosuchfn", "runiform", "runiformint",
             "rnormal", "rbinomial", "rpoisson", "rchi2"]
CONTROL = ["\x00", "\x07", "\x1b[31m", "\t", "\r", "\udcff", "\ufffd", "é", "ß", "\u202e"]


def expression(rng, depth: int = 0) -> str:
    r = rng.random()
    if depth > 3 or r < 0.3:
        return rng.choice(["1", "2.5", ".", "-1", "1e300", '"a"', '""', "x", "y", "s", "_n",
                           "_N", "_pi", "e(ll)", "r(N)", "c(N)", "b[1,1]", "e(b)[1,2]", "nosuch"])
    if r < 0.55:
        return f"{expression(rng, depth + 1)} {rng.choice(OPERATORS)} {expression(rng, depth + 1)}"
    if r < 0.75:
        args = ", ".join(expression(rng, depth + 1) for _ in range(rng.randint(0, 3)))
        return f"{rng.choice(FUNCTIONS)}({args})"
    if r < 0.85:
        return f"({expression(rng, depth + 1)})"
    return f"{rng.choice(['-', '!', ''])}{expression(rng, depth + 1)}"


def garble(rng, text: str) -> str:
    """Break quotes, parentheses or bytes of an otherwise plausible line."""
    if not text:
        return text
    k = rng.randrange(len(text) + 1)
    return text[:k] + rng.choice(['"', "(", ")", "[", "]", ",", "||", ":", "`", "/*", "\\"] + CONTROL) + text[k:]


def command_line(rng) -> str:
    kind = rng.randrange(10)
    if kind == 0:
        return " ".join(rng.choice(WORDS + VARS + COMMANDS) for _ in range(rng.randint(1, 8)))
    if kind == 1:
        return f"{rng.choice(COMMANDS)} " + " ".join(rng.choice(WORDS + VARS) for _ in range(rng.randint(0, 6)))
    if kind == 2:
        return f"{rng.choice(['di', 'gen t' + str(rng.randrange(3)) + ' =', 'replace x =', 'sum y if', 'count if', 'scalar a ='])} {expression(rng)}"
    if kind == 3:
        fe = " ".join(rng.choice(["x", "z", "i.h", "c.x##i.h", "ib1.h", "s", "nosuch", "x#x"]) for _ in range(rng.randint(0, 3)))
        levels = " ".join(f"|| {rng.choice(['g', 'h', 's', '_all', 'nosuch', ''])}: {rng.choice(['', 'x', 'z', 'x z'])}"
                          f"{rng.choice(['', ', cov(un)', ', cov(id)', ', nocons', ', cov(foo)', ', cov(exch)'])}"
                          for _ in range(rng.randint(0, 3)))
        opts = rng.choice(["", ", reml", ", nolog", ", stddev", ", iterate(3)", ", level(80)", ", foo"])
        return f"{rng.choice(['mixed', 'qui mixed', 'cap mixed'])} {rng.choice(['y', 's', 'x', ''])} {fe} {levels}{opts}"
    if kind == 4:
        return f"{rng.choice(['sum', 'list', 'des', 'keep', 'drop', 'sort', 'order', 'tab'])} " \
               f"{' '.join(rng.choice(VARS) for _ in range(rng.randint(0, 4)))}" \
               f"{rng.choice(['', ' if x > 0', ' in 1/3', ' in -2/l', ' in 0', ', detail', ', foo(', ', d nolabel'])}"
    if kind == 5:
        return garble(rng, command_line(rng))
    if kind == 6:
        return rng.choice(COMMANDS) + " " + "x " * rng.randint(100, 3000)
    if kind == 7:
        return "".join(rng.choice(CONTROL + list("abc ,()\"|:=")) for _ in range(rng.randint(1, 40)))
    if kind == 8:
        return rng.choice(["estat icc", "estat ic", "estat recov, corr", "estat group", "est store m1",
                           "est restore m1", "est replay", "est dir", "lrtest . m1", "predict p",
                           "predict r*, reffects", "ereturn list", "return list", "mat list e(b)",
                           "mat A = e(b)", "mat list A", "di el(e(b),1,1)", "egen k = mean(y), by(g)",
                           "bysort g: egen t = tag(g)", "merge 1:1 g using nosuch", "save", "use nosuch",
                           "set obs 1e12", "set obs 1e9", "set obs 5", "set obs 2.5", "set seed 12345",
                           "set seed -1", "set seed 1e10", "expand 1e9", "expand 1e300", "expand -1",
                           "expand x", "expand 2 in 1/3, gen(d)", "gen r = rnormal(0, 2)",
                           "replace x = runiform(-1, 1)", "di rbinomial(10, .5)"])
    return f"{rng.choice(['qui', 'cap', 'noi', 'cap noi', 'by g:', 'bysort g:'])} {command_line(rng)}"


def fresh_session(seed: int = 0) -> Session:
    """A session holding a small two-level dataset, so fits stay fast."""
    rng = np.random.default_rng(seed)
    session = Session(out=io.StringIO())
    n = 120
    g = np.repeat(np.arange(12), 10)
    x = rng.normal(size=n)
    y = 1 + 0.5 * x + rng.normal(size=12)[g] + rng.normal(size=n)
    d = session.data
    d.add("y", y, "float")
    d.add("x", x, "float")
    d.add("z", rng.normal(size=n), "double")
    d.add("g", g, "byte")
    d.add("h", rng.integers(0, 3, n), "byte")
    d.add("s", np.array([f"s{v}" for v in g], dtype=object), "str3")
    d.changed = False
    return session


def fingerprint(session: Session) -> str:
    """Everything a failed command must leave as it was."""
    h = hashlib.sha256()
    d = session.data
    h.update(repr((d.names, d.nobs, d.changed, d.sortedby,
                   [(v.stype, v.fmt, v.label) for v in d.vars.values()])).encode())
    for v in d.vars.values():
        h.update(v.values.tobytes() if not v.is_string else "\x1f".join(v.values).encode("utf-8", "surrogatepass"))
    est = session.estimates
    h.update(repr((id(est.active), est.active_name, sorted((k, id(v)) for k, v in est.stored.items()))).encode())
    h.update(repr((sorted(session.scalars.items()), sorted(session.matrices))).encode("utf-8", "surrogatepass"))
    for m in session.matrices.values():
        h.update(m.values.tobytes())
    h.update(repr((sorted(session.r.scalars.items()), sorted(session.r.macros.items()))).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: int):
    def fire(signum, frame):
        raise Hang()
    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def unconverged_fit(session: Session, rc: int) -> bool:
    """r(430) after iterate(#) keeps its results on purpose (posted with e(converged)=0)."""
    active = session.estimates.active
    return rc == 430 and active is not None and active.scalars.get("converged") == 0


def check(session: Session, line: str, seconds: int = 20) -> tuple[int, str]:
    """Run one command; return (rc, problem) where problem is '' when all is well."""
    before = fingerprint(session)
    out = session.out
    start = out.tell()
    try:
        with time_limit(seconds):
            rc = session.execute(line)
    except ExitRequest:
        return 0, ""
    except Hang:
        return -1, "hang"
    text = out.getvalue()[start:]
    if "Traceback" in text or "internal error" in text:
        return rc, "traceback: " + text.strip().splitlines()[-2 if rc else -1][:200]
    if rc and fingerprint(session) != before and not unconverged_fit(session, rc):
        return rc, "state changed by a failed command"
    return rc, ""
