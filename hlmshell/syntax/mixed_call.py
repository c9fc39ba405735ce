"""`mixed depvar [fe] [if] [in] [, fe_opts] || lev: [re] [, re_opts] ... [, opts]` → MixedCall.

Text → structure only: no data values. Variable names are resolved through the caller's
`resolve` (see syntax/factor.py); without one they are kept as typed.

Global options may be given after any equation's comma (Stata allows `mixed y || id:, reml`);
`noconstant` and `covariance()` belong to the equation they follow.  `mixed` with no
depvar (nothing typed, or only a comma and display options) is a replay.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from hlmshell.dataset.timeseries import operated_name
from hlmshell.errors import StataError
from hlmshell.models.spec import ModelSpec, RandomLevel, Term
from hlmshell.syntax.factor import Resolver, parse_terms, split_words, term_variables
from hlmshell.syntax.spec import clauses, parse_option_list, split_options, top_level_positions

COVARIANCE_ABBREV = (("independent", "ind"), ("exchangeable", "ex"), ("identity", "id"),
                     ("unstructured", "un"))

# (name, minimum abbreviation, argument type or None, replay allowed)
_GLOBAL = (
    ("reml", "reml", None, False),
    ("mle", "mle", None, False),
    ("ml", "ml", None, False),
    ("variance", "var", None, True),
    ("stddeviations", "stddev", None, True),
    ("nolog", "nolo", None, False),
    ("log", "lo", None, False),
    ("level", "l", "real", True),
    ("iterate", "iter", "integer", False),
    ("noheader", "nohead", None, True),
    ("nofetable", "nofet", None, True),
    ("noretable", "noret", None, True),
    ("nolrtest", "nolr", None, True),
    ("nogroup", "nogr", None, True),
    # maximisation (models/em.py): Stata's EM-then-NR path and ml's stopping rules
    ("emiterate", "emiter", "integer", False),
    ("emtolerance", "emtol", "real", False),
    ("emlog", "emlog", None, False),
    ("tolerance", "tol", "real", False),
    ("ltolerance", "ltol", "real", False),
    ("nrtolerance", "nrtol", "real", False),
    ("difficult", "dif", None, False),
    ("technique", "tech", "string", False),
    # the optimisation metric: the results are the same exact optimum in either (we
    # optimise in our own Cholesky metric); stored in e(optmetric)
    ("matsqrt", "matsqrt", None, False),
    ("matlog", "matlog", None, False),
    # small-sample inference (models/smallsample.py)
    ("dfmethod", "dfm", "string", False),
    ("dftable", "dftable", "string", True),
    ("vce", "vce", "string", False),
    ("pwscale", "pwscale", "string", False),
    ("estmetric", "estm", None, True),
    ("coeflegend", "coefl", None, True),
    ("residuals", "res", "string", False),     # models/residuals.py
)
# dfmethod(name): (full, minimum abbreviation), as _xtmixed_estimate's CheckDfType
_DFMETHODS = (("residual", "res"), ("repeated", "rep"), ("anova", "anova"),
              ("satterthwaite", "sat"), ("kroger", "kr"))
_EQUATION = (("noconstant", "nocons", None), ("covariance", "cov", "string"),
             ("pweight", "pweight", "string"))  # help: NOCONStant


@dataclass
class LevelCall:
    groupvar: str
    slopes: tuple[str, ...] = ()
    constant: bool = True
    covariance: str | None = None  # full lower-case name, or None for Stata's default
    factor: str | None = None   # `_all: R.a`: crossed effects of a's levels (no constant)
    pweight: str | None = None  # pweight(varname): sampling weights of this level's groups

    @property
    def n_effects(self) -> int:
        return 1 if self.factor else len(self.slopes) + int(self.constant)


@dataclass
class MixedOptions:
    method: str = "ML"
    stddev: bool = False
    log: bool = True
    level: float | None = None  # None: the session's c(level)
    iterate: int | None = None
    noheader: bool = False
    nofetable: bool = False
    noretable: bool = False
    nolrtest: bool = False
    nogroup: bool = False
    emiterate: int = 20
    emtolerance: float = 1e-10
    emlog: bool = False
    tolerance: float = 1e-6
    ltolerance: float = 1e-7
    nrtolerance: float = 1e-5
    optmetric: str = "matsqrt"
    dfmethod: str | None = None     # residual | satterthwaite | kroger
    dfinfo: str = "eim"             # satterthwaite's information: eim (default) or oim
    dftable: str = "default"        # default | ci | pvalue
    vce: str | None = None          # None (oim) | robust | cluster
    clustvar: str | None = None     # as typed (resolved by the command)
    estmetric: bool = False         # one table of e(b) in the estimation metric
    coeflegend: bool = False        # that table with _b[] names instead of statistics
    pwscale: str | None = None      # size | effective | gk (sampling weights, two-level models)
    residuals: object = None        # models.residuals.ResidualSpec (None: independent)
    given: tuple[str, ...] = ()  # option names as given (full names), for replay checks


@dataclass
class MixedCall:
    text: str  # the body as typed (e(cmdline) is "mixed " + text)
    depvar: str | None = None
    fixed: list[Term] = field(default_factory=list)
    constant: bool = True
    if_text: str | None = None
    in_text: str | None = None
    levels: list[LevelCall] = field(default_factory=list)
    options: MixedOptions = field(default_factory=MixedOptions)
    extra: dict = field(default_factory=dict)  # the caller's own options (see parse_mixed)
    weight: tuple[str, str] | None = None   # ("fweight", varname) from `[fw=varname]`

    @property
    def replay(self) -> bool:
        return self.depvar is None

    @property
    def cmdline(self) -> str:
        return ("mixed " + self.text.strip()).strip()

    def variables(self) -> list[str]:
        """Every variable the model uses: depvar, fixed, level vars, slopes (first appearance)."""
        out = [self.depvar] if self.depvar else []
        for v in term_variables(self.fixed):
            if v not in out:
                out.append(v)
        for lev in self.levels:
            for v in (lev.groupvar, *lev.slopes, *([lev.factor] if lev.factor else []),
                      *([lev.pweight] if lev.pweight and _NAME.fullmatch(lev.pweight) else [])):
                if v != "_all" and v not in out:
                    out.append(v)
        if self.weight and self.weight[1] not in out and _NAME.fullmatch(self.weight[1]):
            out.append(self.weight[1])
        if self.options.clustvar and self.options.clustvar not in out:
            out.append(self.options.clustvar)
        rs = self.options.residuals
        for v in ((rs.t, rs.by) if rs is not None else ()):
            if v and v not in out:
                out.append(v)
        return out

    def model_spec(self) -> ModelSpec:
        levels = []
        for lev in self.levels:
            cov = lev.covariance
            if lev.n_effects == 1:
                cov = "identity"  # Stata forces a one-effect equation to identity
            levels.append(RandomLevel(lev.groupvar, tuple(lev.slopes), lev.constant, cov,
                                      lev.factor, lev.pweight))
        extra = {}
        if self.options.nolrtest:
            extra["nolrtest"] = True
        if self.options.residuals is not None:
            extra["residuals"] = self.options.residuals
        from hlmshell.models.em import PathOptions
        o = self.options
        extra["path"] = PathOptions(
            emiterate=o.emiterate, emtolerance=o.emtolerance,
            iterate=o.iterate if o.iterate is not None else 300, tolerance=o.tolerance,
            ltolerance=o.ltolerance, nrtolerance=o.nrtolerance)
        return ModelSpec(depvar=self.depvar, fixed=tuple(self.fixed), levels=tuple(levels),
                         weights=self.weight[1] if self.weight and self.weight[0] == "fweight"
                         else None,
                         pweights=self.weight[1] if self.weight and self.weight[0] == "pweight"
                         else None, pwscale=self.options.pwscale,
                         constant=self.constant, method=self.options.method,
                         maxiter=self.options.iterate if self.options.iterate is not None else 300,
                         extra=extra)


# --- parsing ----------------------------------------------------------------------------
def _match(word: str, table):
    for row in table:
        name, minimum = row[0], row[1]
        if name.startswith(word) and len(word) >= len(minimum):
            return row
    return None


def covariance_name(text: str) -> str:
    word = text.strip().lower()
    for full, minimum in COVARIANCE_ABBREV:
        if word and full.startswith(word) and len(word) >= len(minimum):
            return full
    raise StataError(198, f"covariance({text.strip()}) invalid; vartype must be independent, "
                          "exchangeable, identity, or unstructured")


def _split_equations(body: str) -> list[str]:
    """Split at top-level `||` (a lone `|` is the `or` of an if-expression)."""
    parts, start = [], 0
    positions = [i for i, _ in top_level_positions(body, "|")]
    k = 0
    while k < len(positions):
        i = positions[k]
        if k + 1 < len(positions) and positions[k + 1] == i + 1:
            parts.append(body[start:i])
            start = i + 2
            k += 2
        else:
            k += 1
    parts.append(body[start:])
    return parts


class _Collector:
    def __init__(self, extra=()):
        self.extra_table = extra
        self.extra: dict = {}
        self.opts = MixedOptions()
        self.given: list[str] = []
        self.if_text: str | None = None
        self.in_text: str | None = None

    def clauses(self, text: str) -> str:
        main, found = clauses(text)
        for kw in ("if", "in"):
            if kw in found:
                value = found[kw].strip()
                if not value or getattr(self, f"{kw}_text") is not None:
                    raise StataError(198, "invalid syntax")
                setattr(self, f"{kw}_text", value)
        return main

    def global_option(self, word: str, arg: str | None, replay: bool) -> bool:
        # the caller's own options come first: logit's vce() is not mixed's
        if _match(word, self.extra_table) is not None:
            return self._extra_option(word, arg, replay)
        row = _match(word, _GLOBAL)
        if row is None:
            return False
        name, argtype = _checked(row, arg, replay)
        name = "mle" if name == "ml" else name
        self.given.append(name)
        o = self.opts
        if name in ("reml", "mle"):
            o.method = "REML" if name == "reml" else "ML"
        elif name in ("variance", "stddeviations"):
            o.stddev = name == "stddeviations"
        elif name in ("nolog", "log"):
            o.log = name == "log"
        elif name == "level":
            try:
                value = float(arg)
            except ValueError:
                raise StataError(198, f"level({arg}) invalid") from None
            if not 10 <= value <= 99.99:
                raise StataError(198, "level() must be between 10 and 99.99 inclusive")
            o.level = value
        elif name == "iterate":
            try:
                value = float(arg)
            except ValueError:
                value = -1.0
            if value < 0 or value != int(value):
                raise StataError(198, "option iterate() incorrectly specified")
            o.iterate = int(value)
        elif name == "emiterate":
            o.emiterate = _nonnegative(arg, name, integer=True)
        elif name in ("emtolerance", "tolerance", "ltolerance", "nrtolerance"):
            setattr(o, name, _nonnegative(arg, name))
        elif name == "technique":
            # Stata's mixed maximises by nr (default), dfp or bfgs; ours is Newton with an
            # exact-optimum finish, so only nr describes what is done
            if arg.strip().lower() != "nr":
                raise StataError(198, f"option technique({arg.strip()}) not allowed")
        elif name == "dfmethod":
            o.dfmethod, o.dfinfo = _dfmethod(arg)
        elif name == "vce":
            words = arg.split()
            w = words[0].lower() if words else ""
            if w and "oim".startswith(w) and len(words) == 1:
                o.vce = None
            elif w and "robust".startswith(w) and len(words) == 1:
                o.vce = "robust"
            elif len(w) >= 2 and "cluster".startswith(w) and len(words) == 2:
                o.vce, o.clustvar = "cluster", words[1]
            else:
                raise StataError(198, f"vcetype '{arg.strip()}' not allowed")
        elif name == "dftable":
            word = arg.strip().lower()
            if word not in ("default", "ci", "pvalue"):
                raise StataError(198, f"dftable({arg.strip()}) invalid")
            o.dftable = word
        elif name == "pwscale":
            # RescaleWeights (_xtmixed_estimate.ado): size, eff[ective], gk; Stata's message
            # says pscale()
            word = arg.strip()
            if word == "size" or word == "gk":
                o.pwscale = word
            elif len(word) >= 3 and "effective".startswith(word):
                o.pwscale = "effective"
            else:
                raise StataError(198, "invalid pscale()")
        elif name in ("matsqrt", "matlog"):
            o.optmetric = name
        elif name == "residuals":
            o.residuals = parse_residuals(arg)
        elif name == "difficult":
            pass    # our Newton is always saddle-free where the Hessian is not concave
        else:
            setattr(o, name, True)
        return True

    def _extra_option(self, word: str, arg: str | None, replay: bool) -> bool:
        row = _match(word, self.extra_table)
        if row is None:
            return False
        name, argtype = _checked(row, arg, replay)
        if name in self.extra and self.extra[name] != (arg if argtype else True):
            raise StataError(198, f"option {name}() specified more than once")
        self.extra[name] = arg.strip() if argtype else True
        self.given.append(name)
        return True

    def finish(self) -> MixedOptions:
        g = set(self.given)
        if {"reml", "mle"} <= g:
            raise StataError(198, "ml and reml may not be specified at the same time")
        if {"variance", "stddeviations"} <= g:
            raise StataError(198, "options variance and stddeviations may not be combined")
        if self.opts.dfmethod in ("satterthwaite", "kroger") and self.opts.method != "REML":
            raise StataError(198, f"option dfmethod({self.opts.dfmethod}) requires option reml")
        if self.opts.vce is not None and self.opts.method == "REML":
            raise StataError(198, "REML not supported with robust variance estimation")
        if self.opts.vce is not None and self.opts.dfmethod is not None:
            raise StataError(198, "option dfmethod() not allowed with vce(robust) or "
                                  "vce(cluster)")
        if self.opts.vce is not None:
            self.opts.nolrtest = True       # Stata: no LR test vs. the linear model
        for a in ("estmetric", "coeflegend"):
            for b in ("variance", "stddeviations", "nofetable", "noretable"):
                if {a, b} <= g:
                    raise StataError(198, f"options {a} and {b} may not be combined")
        if {"matsqrt", "matlog"} <= g:
            raise StataError(198, "options matsqrt and matlog may not be combined")
        if {"log", "nolog"} <= g:
            raise StataError(198, "options log and nolog may not be combined")
        self.opts.given = tuple(self.given)
        return self.opts


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _check_expression(text: str) -> None:
    from hlmshell.syntax.expr import parse_expression
    if not text.strip():
        raise StataError(198, "invalid syntax")
    parse_expression(text)


def weight_expressions(call) -> list[str]:
    """The sampling-weight expressions that are not plain variable names ([pw=exp],
    pweight(exp)): the command evaluates them into columns named by their text."""
    out = [call.weight[1]] if call.weight and call.weight[0] == "pweight" else []
    out += [lv.pweight for lv in call.levels if lv.pweight]
    return [e for e in out if not _NAME.fullmatch(e)]


_WEIGHT = re.compile(r"\[\s*(fw|fweight|pw|pweight|aw|aweight|iw|iweight|weight)\s*=\s*([^\]]*)\]")


def _weight_clause(text: str, resolve: Resolver | None):
    """`[fw=v]` / `[fweight=v]` (a variable): frequency weights; `[pw=v]`: level-one sampling
    weights. Other weight types are not implemented (r(101))."""
    m = _WEIGHT.search(text)
    if m is None:
        return text, None
    kind, exp = m.group(1), m.group(2).strip()
    long = {"fw": "fweight", "pw": "pweight", "aw": "aweight", "iw": "iweight"}.get(kind, kind)
    if long not in ("fweight", "pweight"):
        raise StataError(101, f"{long}s not allowed")
    if long == "pweight" and not _NAME.fullmatch(exp):
        _check_expression(exp)      # [pw=exp]: evaluated by the command (commands/mixed.py)
        rest = text[:m.start()] + " " + text[m.end():]
        if _WEIGHT.search(rest):
            raise StataError(198, "invalid syntax")
        return rest, (long, exp)
    if not _NAME.fullmatch(exp):
        raise StataError(101, "frequency weights must be a variable name here")
    rest = text[:m.start()] + " " + text[m.end():]
    if _WEIGHT.search(rest):
        raise StataError(198, "invalid syntax")
    return rest, (long, resolve(exp) if resolve else exp)


# residuals(rspec): (full, minimum abbreviation, takes #); all are fitted (models/residuals.py,
# residuals_dense.py)
_RSTRUCT = (("independent", "ind", False), ("exchangeable", "exc", False), ("ar", "ar", True),
            ("ma", "ma", True), ("unstructured", "un", False), ("banded", "ba", True),
            ("toeplitz", "toe", True), ("exponential", "exp", False))
_NEEDS_T = ("ar", "ma", "unstructured", "banded", "toeplitz", "exponential")


def parse_residuals(arg: str):
    """`rspec [, t(varname) by(varname)]` -> ResidualSpec (variable names as typed)."""
    from hlmshell.models.residuals import ResidualSpec
    body, _, opts = arg.partition(",")
    words = body.split()
    if not words:
        raise StataError(198, "residuals() invalid")
    kind = next((full for full, short, _ in _RSTRUCT
                 if len(words[0]) >= len(short) and full.startswith(words[0].lower())), None)
    if kind is None:
        raise StataError(198, f"residuals({arg.strip()}) invalid")
    takes = dict((f, n) for f, _s, n in _RSTRUCT)[kind]
    order = 0
    if takes:
        if len(words) != 2 or not words[1].isdigit() or int(words[1]) < 1:
            raise StataError(198, f"residuals({arg.strip()}) invalid")
        order = int(words[1])
    elif len(words) != 1:
        raise StataError(198, f"residuals({arg.strip()}) invalid")
    found: dict = {}
    for word, val in parse_option_list(opts):
        w = word.lower()
        if w in ("t", "by") and val is not None and len(val.split()) == 1 and w not in found:
            found[w] = val.strip()
            continue
        raise StataError(198, f"option {word}{'()' if val is not None else ''} not allowed")
    if kind in _NEEDS_T and "t" not in found:
        raise StataError(198, f"option t() required for residuals({kind})")
    return ResidualSpec(kind, order, found.get("t"), found.get("by"), arg.strip())


def _dfmethod(arg: str) -> tuple[str, str]:
    """`dfmethod(kroger)`, `dfmethod(satterthwaite, oim)` → (method, information)."""
    main, _, opts = arg.partition(",")
    word = main.strip().lower()
    row = next(((full, m) for full, m in _DFMETHODS if word and full.startswith(word)
                and len(word) >= len(m)), None)
    if row is None:
        raise StataError(198, f"dfmethod({arg.strip()}) invalid")
    method = row[0]
    info = opts.strip().lower()
    if info and (method != "satterthwaite" or info not in ("eim", "oim")):
        raise StataError(198, f"dfmethod({arg.strip()}) invalid")
    return method, info or "eim"


def _nonnegative(arg: str, name: str, integer: bool = False):
    try:
        value = float(arg)
    except ValueError:
        value = -1.0
    if not value >= 0 or (integer and value != int(value)):
        raise StataError(198, f"option {name}() incorrectly specified")
    return int(value) if integer else value


def _equation_options(col: _Collector, text: str | None, where: str) -> dict:
    """Options after an equation's comma: the equation's own (returned) and global ones."""
    own: dict = {}
    if text is None:
        return own
    for word, arg in parse_option_list(text):
        row = _match(word, _EQUATION)
        if row is not None and (where == "re" or row[0] == "noconstant"):
            name, _, argtype = row
            if argtype is None and arg is not None:
                raise StataError(198, f"option {name}() not allowed")
            if argtype is not None and arg is None:
                raise StataError(198, f"option {name}() required")
            own[name] = True if argtype is None else arg
            continue
        if col.global_option(word, arg, replay=False):
            continue
        raise StataError(198, f"option {word}{'()' if arg is not None else ''} not allowed")
    return own


def _plain_names(text: str, resolve: Resolver | None) -> list[str]:
    out: list[str] = []
    expand = getattr(resolve, "expand", None)
    for word in split_words(text):
        if "." in word or "#" in word:
            raise StataError(101, "factor-variable and time-series operators not allowed")
        if expand is not None and (any(c in word for c in "*?~-") or word == "_all"):
            names = expand(word)
        else:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", word):
                raise StataError(198, f"{word} invalid name")
            names = [resolve(word) if resolve else word]
        out.extend(n for n in names if n not in out)
    return out


def _parse_level(col: _Collector, text: str, resolve: Resolver | None) -> LevelCall:
    main, opts = split_options(text)
    colon = next((i for i, _ in top_level_positions(main, ":")), None)
    if colon is None:
        raise StataError(198, "invalid syntax")
    name = main[:colon].strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise StataError(198, f"{name} invalid name" if name else "invalid syntax")
    if name != "_all":
        name = resolve(name) if resolve else name
    rest = col.clauses(main[colon + 1:])
    if re.search(r"(?i)\bR\.", rest):
        return _factor_level(col, name, rest, opts, resolve)
    slopes = _plain_names(rest, resolve)
    own = _equation_options(col, opts, "re")
    cov = covariance_name(own["covariance"]) if "covariance" in own else None
    pw = own.get("pweight")
    if pw is not None:      # pweight(exp): a variable name, or an expression the command evaluates
        pw = pw.strip()
        if _NAME.fullmatch(pw):
            pw = resolve(pw) if resolve else pw
        else:
            _check_expression(pw)
    return LevelCall(name, tuple(slopes), not own.get("noconstant", False), cov, None, pw)


def _factor_level(col: _Collector, name: str, rest: str, opts, resolve) -> LevelCall:
    """`levelvar: R.varname`: the indicators of varname's levels with one variance (identity
    covariance; [ME] mixed): crossed effects at `_all`, within each group of levelvar
    elsewhere. Only alone in its equation."""
    words = split_words(rest)
    m = re.fullmatch(r"[Rr]\.([A-Za-z_][A-Za-z0-9_]*)", words[0]) if len(words) == 1 else None
    if m is None:
        raise StataError(198, "R.varname may not be combined with other random effects "
                              "in one equation")
    own = _equation_options(col, opts, "re")
    if "covariance" in own and covariance_name(own["covariance"]) != "identity":
        raise StataError(198, "only covariance(identity) is allowed with R.varname")
    if own.get("pweight") is not None:      # never silently dropped
        raise StataError(198, "sampling weights are not supported with crossed effects "
                              "(R.varname)")
    var = resolve(m.group(1)) if resolve else m.group(1)
    return LevelCall(name, (), False, "identity", var)


def _check_all_runs(levels) -> None:
    """Several consecutive `_all` equations are one level of crossed effects: allowed when
    one of them is R.varname (crossed_general.py fits any mix), else refused as before."""
    run: list = []
    for lv in levels + [None]:
        if lv is not None and lv.groupvar == "_all":
            run.append(lv)
            continue
        if len(run) > 1 and not any(r.factor for r in run):
            raise StataError(198, "repeated level variable _all: several equations at one "
                                  "level are not supported")
        run = []


def _checked(row, arg: str | None, replay: bool) -> tuple[str, str | None]:
    """An option table row's (name, argument type), once the argument is as it must be."""
    name, _, argtype, replay_ok = row
    if replay and not replay_ok:
        raise StataError(198, f"option {name} not allowed")
    if argtype is None and arg is not None:
        raise StataError(198, f"option {name}() not allowed")
    if argtype is not None and arg is None:
        raise StataError(198, f"option {name}() required")
    return name, argtype


def option_label(name: str) -> str:
    """How Stata names a global option in messages: `vce()` for one taking an argument."""
    row = next((r for r in _GLOBAL if r[0] == name), None)
    return f"{name}()" if row is not None and row[2] is not None else name


def parse_mixed(text: str, resolve: Resolver | None = None, extra=()) -> MixedCall:
    """Parse the body of a `mixed` command (everything after the command word).

    `extra`: more global options, rows (name, minimum abbreviation, argument type or None,
    replay allowed) as in _GLOBAL, for the commands that share this syntax (melogit, ...);
    the ones given land in `call.extra` (name -> argument text, or True for a flag)."""
    call = MixedCall(text=text)
    col = _Collector(extra)
    body = text.strip()
    equations = _split_equations(body)
    fe_main, fe_opts = split_options(equations[0])
    if not fe_main.strip() and len(equations) == 1:
        # replay: `mixed` or `mixed, display_options`
        for word, arg in parse_option_list(fe_opts or ""):
            if not col.global_option(word, arg, replay=True):
                raise StataError(198, f"option {word}{'()' if arg is not None else ''} not allowed")
        call.options = col.finish()
        call.extra = col.extra
        return call
    fe_main, call.weight = _weight_clause(fe_main, resolve)
    main = col.clauses(fe_main).strip()
    if not main:
        raise StataError(100, "varlist required")
    words = main.split(None, 1)
    dep = words[0]
    operated = operated_name(dep, resolve or (lambda v: v))     # D.y: an operated depvar
    if operated is None and ("." in dep or "#" in dep):
        raise StataError(198, "depvar may not be a factor variable")
    if operated is None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", dep):
        raise StataError(198, f"{dep} invalid name")
    call.depvar = operated or (resolve(dep) if resolve else dep)
    call.fixed = parse_terms(words[1] if len(words) > 1 else "", resolve)
    own = _equation_options(col, fe_opts, "fe")
    call.constant = not own.get("noconstant", False)
    seen: list[str] = []
    for eq in equations[1:]:
        lev = _parse_level(col, eq, resolve)
        if lev.groupvar == "_all" and seen and seen[-1] != "_all" and \
                any(lv.factor for lv in call.levels + [lev]):
            # crossed effects are at the outermost level; _all inside a nested level is not
            raise StataError(198, "_all: equations must come before the nested levels in "
                                  "a model with crossed effects (R.varname)")
        if lev.groupvar in seen and not (lev.groupvar == "_all" and seen[-1] == "_all"):
            if seen[-1] == lev.groupvar:
                raise StataError(198, f"repeated level variable {lev.groupvar}: several "
                                      "equations at one level are not supported")
            raise StataError(198, f"{lev.groupvar} level variable, specified at more than one level")
        seen.append(lev.groupvar)
        call.levels.append(lev)
    _check_all_runs(call.levels)
    call.if_text, call.in_text = col.if_text, col.in_text
    call.options = col.finish()
    call.extra = col.extra
    sampling = (call.weight and call.weight[0] == "pweight") or any(lv.pweight for lv in call.levels)
    if (call.weight or sampling) and call.options.method == "REML":
        raise StataError(101, "REML not supported with weights")
    if sampling and call.weight and call.weight[0] == "fweight":
        raise StataError(198, "fweights may not be combined with pweight()")
    if call.options.pwscale and not (call.weight and call.weight[0] == "pweight"):
        # Stata checks the observation-level weight type: pweight() alone is not enough
        raise StataError(198, "pwscale() allowed only with pweights")
    if sampling:
        if any(lv.factor for lv in call.levels):
            raise StataError(198, "sampling weights are not supported with crossed effects "
                                  "(R.varname)")
        if call.options.dfmethod:
            raise StataError(198, "option dfmethod() not allowed with sampling weights")
        if call.options.vce is None:    # Stata: sampling weights imply vce(robust)
            call.options.vce = "robust"
        call.options.nolrtest = True
    if call.options.clustvar:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", call.options.clustvar):
            raise StataError(198, f"{call.options.clustvar} invalid name")
        if resolve:
            call.options.clustvar = resolve(call.options.clustvar)
    return call
