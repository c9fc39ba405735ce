"""Hostile command lines and the checks every one of them must pass.

Shared by tests/test_fuzz.py (a short run in the suite) and tests/fuzz_campaign.py (the long
standalone campaign). One generator, driven by a `random.Random`, so hypothesis can supply the
randomness (st.randoms) and the campaign can run 100,000+ commands quickly.
"""
from __future__ import annotations

import hashlib
import io
import os
import signal
from contextlib import contextmanager

import numpy as np

from hlmshell.session import ExitRequest, Session

os.environ["HLMSHELL_OFFLINE"] = "1"     # webuse never reaches the network in a fuzz run

COMMANDS = [
    "use", "save", "sum", "summarize", "su", "tab", "tabulate", "des", "describe", "list", "count",
    "g", "gen", "generate", "replace", "egen", "drop", "keep", "sort", "gsort", "merge", "rename",
    "label", "clear", "di", "display", "scalar", "mat", "matrix", "return", "ereturn", "eret",
    "mixed", "xtmixed", "estat", "est", "estimates", "lrtest", "predict", "help", "set", "pwd", "qui",
    "quietly", "noi", "capture", "cap", "by", "bysort", "import", "export", "log", "do", "run",
    "expand", "local", "loc", "global", "gl", "macro", "foreach", "forvalues", "forv", "while",
    "if", "else", "continue", "program", "args", "syntax", "tempvar", "tempname", "tempfile",
    "marksample", "markout", "}", "{",
    "expand", "preserve", "restore", "levelsof", "assert", "confirm", "sreturn",
    "numlist", "timer", "version", "vers", "xtile", "pctile", "_pctile", "statsby", "mkspline", "hausman", "xttest0", "rvfplot", "rvpplot", "testnl", "ci", "input", "svmat", "mkmat", "separate", "xttab", "insheet", "outsheet", "sysuse", "webuse", "saveold", "joinby", "cross", "tsset", "simulate", "bootstrap", "bs", "bstrap", "postfile", "post", "postclose",
    "postutil", "test", "testparm", "lincom", "nlcom", "margins", "contrast", "pwcompare", "creturn",
    "marginsplot", "anova", "an", "table",
    "expand", "label define", "label values", "label list", "label drop", "label dir",
    "label copy", "label data", "la de", "lab val", "tab1", "tab2", "tabstat", "correlate", "corr", "pwcorr", "import spss", "export spss", "import sas", "codebook", "ds", "lookfor",
    "misstable sum", "misstable",
    "expand", "regress", "reg", "xtset", "xtreg", "xtdescribe", "xtsum",
    "expand", "twoway", "tw", "scatter", "sc", "line", "graph", "gr", "histogram", "hist",
    "kdensity", "qnorm", "pnorm", "xtline",
    "expand", "logit", "probit", "poisson", "melogit", "meprobit", "mecloglog", "mepoisson",
    "menbreg", "meglm", "glm", "nbreg", "logistic",
    "expand", "xtlogit", "xtprobit", "xtcloglog", "xtpoisson", "xtnbreg", "xtgee",
    "expand", "collapse", "reshape", "recode", "encode", "decode", "destring", "tostring",
    "append", "duplicates", "isid", "fillin", "sample", "order", "move", "format", "compress",
    "recast", "clonevar", "mvencode", "mvdecode", "erase",
    "oneway", "on", "loneway", "ttest", "ttesti",
    "spearman", "ktau", "ranksum", "signrank", "signtest", "kwallis", "sdtest", "robvar", "prtest", "prtesti", "bitest", "bitesti",
]
VARS = ["y", "x", "z", "g", "h", "s", "_all", "y*", "*", "x-z", "nosuch", "_n", "_N", "e(b)",
        "L.x", "D.y", "L(1/2).z"]
WORDS = ["re", "fe", "pa", "or", "irr", "pu0", "pr", "nu0", "pc1", "iru0", "intmethod(aghermite)",
         "intmethod(ghermite)", "intpoints(4)", "intpoints(200)", "quad(8)", "normal",
         "exposure(x)", "offset(z)", "nocons",
         "tabulate", "noanova", "nomeans", "obs", "exact", "median", "unpaired", "unequal",
         "welch", "by(s)", "== 3", "== x", "by(h)", "20 1 2 3", "5 1 2 6 2 1", "bonferroni",
         "scheffe", "sidak", "wrap", "reverse", "xname(x)",
         "overlay", "i(g)", "t(x)", "byopts(cols(2))", "g#h", "r.g#r.h", "asis", "if", "in", "using", ",", "||", ":", "=", "==", "(", ")", "[", "]", '"', "`", "'", "///",
         "//", "/*", "*/", "i.", "c.", "ib1.", "#", "##", "cov(un)", "cov(", "reml", "nolog",
         "level(90)", "level(x)", "iterate(2)", "detail", "clear", "replace", "by(g)", "1/5",
         "-3/-1", ".", "1e308", "-1e308", "0", "1", "2.5", "_pi", "tag(g)", "mean(y)", "group(g)",
         "store", "restore", "icc", "ic", "recov", "group", "list", "e(b)", "r(mean)", "c(N)",
         "b", "V", "xb", "fitted", "reffects", "reses", "1:1", "m:1", "noconstant", "corr",
         "obs", "seed", "1e12", "1e9", "-1", "gen(d)", "`a'", "`=1+1'", "`:word count a b'",
         "$g", "${g}", "`", "'", "{", "}", "`\"", "\"'", "++i", "--i", ": list uniq a",
         "of varlist", "of local a", "in", "= 1/3", "rclass", "end", ", break",
         "not", "preserve", "local(l)",
         "sep(,)", "missing", "clean", "rc0", "fast", "null", "variable", "new", "numeric",
         "string", "number", "integer", "file", "names", "scalar", "matrix", "c(seed)", "on", "off",
         '"1/3"', '"1(2)9"', "10(-2)0", "1 3 to 9", "integer", "ascending", "sort",
         "reps(2)", "reps(0)", "seed(1)", "nodots", "noisily", "cluster(g)", "idcluster(k)",
         "saving(sim, replace)", "b=_b[x]", "(r(mean))", "m=r(mean)", "_b", "_se", ": sum y",
         ": mixed y x || g:", "h", "(1)", "every(2)", "double", "dir", "bootstrap", "all",
         "percentile", "bc", "normal", "R.h", "_all: R.g", "_b[x]", "[y]x", "_b[_cons]", "at(x=(-1 0 1))",
         "at(x=(-2(0.5)2))", "at((mean) _all)", "atmeans", "dydx(x)", "dydx(*)", "eyex(x)",
         "over(g)", "predict(xb)", "expression(predict(pr)/(1-predict(pr)))", "expression(exp(xb()))", "expression(x*xb())", "post", "meanonly", "sum(y)", "nofreq", "nostandard", "skew(x)", "kurt(x)", "mad(x)", "pc(x)", "rowmedian(x y)", "means", "proportions", "variances", "wilson", "agresti", "jeffreys", "vif", "hettest", "ovtest", "uncentered", "fstat", "iid", "rhs", "sigmamore", "sigmaless", "alleqs", "cubic", "nknots(4)", "marginal", "pctile", "nq(4)", "nq(1)", "altdef", "cutpoints(x)", "genp(pp)", "p(10 50)", "gen(d)", "matcell(F)", "matrow(V)", "sort", "version 14:", "accumulate", "notest", "eform", "i.g", "r.g",
         "ar.g", "mcompare(bonferroni)", "effects", "x=0", "(x=0)", "1.g",
         "obs", "seed", "1e12", "1e9", "-1", "gen(d)", "lbl", "add", "modify", "nolabel",
         '"yes"', '""', "_all", "sepby(g)", "abbrev(3)", "noobs", "clean", "chi2", "lrchi2",
         "cell", "nofreq", "exact", "row", "col", "stat(mean sd)", "s(p50 q n)", "c(s)",
         "format", "format(%6.2f)", "nototal", "by(h)", "sig", "star(.05)", "print(.1)", "cov",
         "bonferroni", "sidak", "listwise", "compact", "has(type string)", "not(type numeric)",
         "has(vallabel)", "summarize", "all", "showzero", ".a", ".z", "x == .a", "x >= .",
         "obs", "seed", "1e12", "1e9", "-1", "gen(d)", "[fw=g]", "[aw=x]", "[pw=x]", "[iw=y]",
         "[fw=", "marginal", "density", "distribution", "pearson", "deviance", "anscombe",
         "scores", "verbose", "predict(fixedonly)", "predict(marginal)", "vce(opg)", "vce(oim)", "conditional(ebmodes)", "vce(robust)", "vce(cluster g)", "vce(hc2)", "vce(hc3)", "vce(cl", "beta",
         "re", "fe", "be", "mle", "delta(2)", "rstudent", "cooksd", "leverage", "stdf", "u",
         "ue", "xbu", "star", "se", "t", "p", "eform", "stats(N r2 aic)", "b(%9.3f)",
         "obs", "seed", "1e12", "1e9", "-1", "gen(d)", "lfit", "qfit", "lfitci", "lowess",
         "rcap", "rspike", "rarea", "function", "connected", "box", "hbar", "bar", "dot",
         "combine", "export", "dir", "drop", "display", "close", "Graph", "_all", "x.png",
         "save", "use", "saving(g)", "x.gph", "x.svg", "x.pdf", "x.bmp", "title(a)",
         'title("a" "b")', "msymbol(Oh)", "mcolor(red)",
         "legend(off)", "legend(order(2 1))", "xlabel(0(1)5)", "ylabel(,angle(0))",
         "residuals(ar 1, t(x))", "residuals(exchangeable)", "residuals(ind, by(h))", "wcorrelation",
         "residuals(ar 1)", "res(un, t(x))", "t(x)", "by(h)",
         "residuals(ar 1, t(h)) reml dfmethod(kroger)", "residuals(exp, t(h)) vce(robust)",
         "res(ind, by(h)) vce(cluster g)", "res(toe 1, t(h)) dfm(sat)",
         "name(g1)", "name(g1,replace)", "bin(5)", "width(0)", "normal", "frequency",
         "over(g)", "yline(0)", "nodraw", "range(0 1)", "by(g,total)", "kernel(gau)",
         "(scatter y x)", "(lfit y x)", "(mean)",
         "obs", "seed", "1e12", "1e9", "-1", "gen(d)", "emiterate(0)", "emiter(-1)", "emlog",
         "emtol(1e-3)", "tol(0)", "ltol(x)", "nrtol(1e-2)", "difficult", "tech(nr)", "tech(bfgs)",
         "emonly", "matlog", "matsqrt", "xtmixed", "dfmethod(kroger)", "dfm(sat, oim)",
         "dfmethod(residual)", "dfmethod(anova)", "dfmethod(", "dftable(ci)", "dftable(pvalue)",
         "dfmethod(repeated)", "dfm(rep)", "method(anova repeated)", "method(res kr)", "post",
         "post(anova)", "eim", "oim", "summarize", "su", "equation", "labels", "noweights",
         "(a: x)", "pwscale(eff)", "sd", "variance", "verbose", "post", "gk",
         "dftable(x)", "df", "method(kroger)", "vce(robust)", "vce(cluster g)", "vce(cl h)",
         "vce(r)", "vce(foo)", "vce(cluster)", "reses(s*)", "reses(a b)", "reses()", "estmetric", "coeflegend",
         "estm", "[fw=x]", "[fw=g]", "[pw=x]", "[fweight=nosuch]", "[fw=1]", "scores",
         "obs", "seed", "1e12", "1e9", "-1", "gen(d)", "or", "irr", "intmethod(laplace)",
         "intm(mcag)", "intm(gh)", "intpoints(3)", "intp(30)", "binomial(2)", "binomial(h)",
         "exposure(x)", "offset(z)", "vce(robust)", "vce(cluster g)", "family(poisson)",
         "family(nbinomial)", "link(probit)", "ebmodes", "fixedonly", "mu", "pr", "eta",
         "conditional(ebmeans)", "ir", "n",
         "obs", "seed", "1e12", "1e9", "-1", "gen(d)",
         "(mean)", "(sd)", "(count)", "(p50)", "(first)", "(iqr)", "(rawsum)", "[fw=g]", "[aw=y]",
         "[pw=x]", "cw", "long", "wide", "error", "i(g)", "j(t)", "j(t 1/3)", "string", "i(g h)",
         "(1=2)", "(min/0=1)", "(else=.)", "(missing=9)", "prefix(r_)", "force", "ignore(\",\")",
         "report", "tag", "drop", "count", "by(g h)", "mv(9)", "mv(1/3)", "override", "%9.2f",
         "%5s", "%td", "%tcHH:MM", "%tm", "%tdDD/NN/CCYY", "%tdXX", "byte", "str3", "after(y)", "before(x)", "alphabetic", "upper", "pctile(y)",
         "p(25)", "mode(y)", "rank(y)", "field", "std(y)", "cut(y)", "at(0,1,2)", "icodes",
         "rowmean(x y)", "rowtotal(x y)", "anycount(x y)", "values(1 2)", "concat(s x)",
         "fill(1 2)", "seq()", "diff(x y)", "median(y)", "(y x)", "(a b)", "x*", "missok"]
OPERATORS = ["+", "-", "*", "/", "^", "!", "&", "|", "==", "!=", "~=", "<", "<=", ">", ">="]
FUNCTIONS = ["abs", "exp", "ln", "log", "sqrt", "round", "min", "max", "cond", "missing",
             "inlist", "inrange", "mod", "sum", "normal", "invnormal", "chi2tail", "string",
             "real", "substr", "strlen", "upper", "el", "nosuchfn", "runiform", "runiformint",
             "rnormal", "rbinomial", "rpoisson", "rchi2", "date", "clock", "mdy", "year",
             "dow", "mofd", "dofm", "wofd", "dofw", "hms", "yw", "ym", "regexm", "regexs",
             "regexr", "ustrregexra", "proper", "subinword", "strtoname", "irecode", "recode",
             "autocode", "binomial", "invbinomial", "poisson", "ibeta", "gammap", "gammaden",
             "cloglog", "atan2", "mi", "char", "abbrev"]
CONTROL = ["\x00", "\x07", "\x1b[31m", "\t", "\r", "\udcff", "\ufffd", "é", "ß", "\u202e"]


def expression(rng, depth: int = 0) -> str:
    r = rng.random()
    if depth > 3 or r < 0.3:
        return rng.choice(["1", "2.5", ".", "-1", "1e300", '"a"', '""', "x", "y", "s", "_n",
                           "_N", "_pi", "e(ll)", "r(N)", "c(N)", "b[1,1]", "e(b)[1,2]", "nosuch",
                           "L.x", "D2.y", "F.z", "LD.x", "S.y", "L.nosuch"])
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
        fe = " ".join(rng.choice(["x", "z", "i.h", "c.x##i.h", "ib1.h", "s", "nosuch", "x#x",
                                  "L.x", "D.z", "L(0/2).x", "LD.z", "L.h#x", "L(-1/2).x",
                                  "F.x", "S2.z"]) for _ in range(rng.randint(0, 3)))
        levels = " ".join(f"|| {rng.choice(['g', 'h', 's', '_all', 'nosuch', ''])}: {rng.choice(['', 'x', 'z', 'x z', 'R.h', 'R.g', 'R.x', 'R.s', 'R.h x', 'R.', 'R.nosuch'])}"
                          f"{rng.choice(['', ', cov(un)', ', cov(id)', ', nocons', ', cov(foo)', ', cov(exch)', ', pweight(g)', ', pweight(h)', ', pweight(nosuch)', ', pweight()', ', pweight(1+g)', ', pweight(g*)'])}"
                          for _ in range(rng.randint(0, 3)))
        # crossed effects ahead of nested or slope levels (models/crossed_general.py)
        levels = rng.choice(["", "", "", "|| _all: R.h ", "|| _all: R.g || _all: R.h ",
                             "|| _all: R.h || _all: x, nocons ", "|| _all: x || _all: R.g ",
                             "|| _all: R.s ", "|| _all: R.h || g: x, cov(un) "]) + levels
        opts = rng.choice(["", ", reml", ", nolog", ", stddev", ", iterate(3)", ", level(80)", ", foo",
                           ", emiterate(0) iterate(1)", ", emlog emiter(2)", ", tech(nr) dif",
                           ", ltol(1e-2) nrtol(1)", ", emtol(-1)", ", reml dfmethod(kroger)",
                           ", reml dfm(sat) dftable(ci)", ", dfmethod(resid) dftable(pvalue)",
                           ", dfmethod(repeated)", ", dfmethod(anova) reml", ", dfm(rep) dftable(ci)",
                           ", pwscale(eff)", ", pwscale(gk) pweight(h)",
                           ", dfmethod(kr)", ", vce(robust)", ", vce(cluster g)", ", vce(cl s) reml",
                           ", vce(cluster nosuch)", ", estmetric", ", coeflegend nolog",
                           ", estmetric stddev", ", pwscale(size)", ", pwscale(effective)",
                           ", pwscale(gk)", ", pwscale(foo)", ", residuals(ar 1, t(x))",
                           ", residuals(ar 1)", ", residuals(exchangeable)", ", residuals(ind, by(h))",
                           ", residuals(ind, by(g)) reml", ", residuals(ar 2, t(z))",
                           ", residuals(exc) nocons", ", residuals(toeplitz 1, t(x))",
                           ", residuals(ar 1, t(nosuch))", ", res(ar 1, t(x)) dfmethod(kr) reml",
                           ", residuals(", ", residuals(ar, t(x) by(h))",
                           ", residuals(toeplitz 1, t(h))", ", residuals(exp, t(z))",
                           ", residuals(un, t(h)) nocons", ", residuals(toe 3, t(h))",
                           ", residuals(ar 2, t(h))", ", residuals(ma 1, t(h))",
                           ", residuals(banded 1, t(h)) nocons",
                           ", residuals(ar 1, t(x)) reml dfmethod(kroger)",
                           ", res(ar 1, t(h)) reml dfm(sat, oim)",
                           ", residuals(ind, by(h)) reml dfmethod(residual)",
                           ", residuals(exp, t(h)) vce(robust)",
                           ", residuals(ar 1, t(h)) vce(cluster g)",
                           ", residuals(toe 1, t(h)) reml dfmethod(kroger)",
                           ", residuals(un, t(h)) vce(robust)",
                           ", residuals(ma 1, t(h)) reml dfm(kr) vce(robust)",
                           ", residuals(exc) vce(cl s)",
                           ", residuals(ar 1, t(h)) nocons vce(robust)",
                           ", residuals(exp, t(h)) nocons reml dfm(kr)",
                           # the fuzz data repeat h within g (t() fails): these reach the fits
                           ", residuals(exc) reml dfmethod(kroger)",
                           ", residuals(exc) reml dfm(sat, oim) dftable(ci)",
                           ", residuals(exc) vce(robust)", ", residuals(exc) nocons reml dfm(kr)",
                           ", residuals(ind, by(h)) vce(cluster g)",
                           ", residuals(exc) nocons vce(robust)"])
        if rng.random() < 0.3:      # me* with one, two or three levels, nested or crossed
            meopts = rng.choice(["", ", nolog", ", intmethod(laplace)", ", intm(mc) intp(3)",
                                 ", intm(gh) intp(2)", ", intp(1)", ", intpoints(40)",
                                 ", intmethod(laplace) intp(3)", ", iterate(2)", ", or",
                                 ", nolrtest nogroup", ", intm(mv) intp(195)", ", binomial(3)",
                                 ", intm(foo)"])
            mecmd = rng.choice(["melogit", "meprobit", "mecloglog", "mepoisson", "qui melogit",
                                "cap mepoisson", "meglm"])
            if rng.random() < 0.6:      # well-formed nested or crossed levels
                levels = " ".join(rng.choice(["|| g:", "|| g: x", "|| h:", "|| _all: R.h",
                                              "|| _all: R.g", "|| s:", "|| g: x, cov(un)",
                                              "|| h: z, nocons", "|| _all:"])
                                  for _ in range(rng.randint(2, 3)))
            return f"{mecmd} {rng.choice(['h', 'y', 's', 'x', ''])} {fe} {levels}{meopts}"
        wt = rng.choice(["", "", "", " [fw=g]", " [fw=x]", " [pw=g]", " [fw=h]", " [pw=h]",
                         " [pw=z]", " [pweight=y]", " [pw=2*h]", " [pw=x+]"])
        return f"{rng.choice(['mixed', 'qui mixed', 'cap mixed', 'xtmixed'])} {rng.choice(['y', 's', 'x', '', 'D.y', 'L.y'])} {fe}{wt} {levels}{opts}"
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
                           "estat df, method(anova repeated)", "estat df, method(rep) post",
                           "estat df, method(res sat) post(sat)", "estat df, method(kr) oim",
                           "estat summarize", "estat su, eq labels", "estat su x y, noheader",
                           "estat su (a: x) (b: y)", "estat su, noweights", "estat sd, variance",
                           "estat sd, verbose post", "estat sd, post", "mixed, dfmethod(anova)",
                           "est restore m1", "est replay", "est dir", "lrtest . m1", "predict p",
                           "predict r*, reffects", "predict m, marginal", "predict d, density",
                           "predict f, distribution marginal", "predict p, pearson",
                           "predict v, deviance", "predict a, anscombe", "predict s*, scores",
                           "predict q, marginal conditional(fixedonly)", "estat sd",
                           "estat sd, verbose", "estat sd, variance", "estat vce",
                           "margins, predict(fixedonly)", "margins, predict(marginal)",
                           "margins, predict(ebmeans)",
                           "melogit y x || g:, vce(robust)", "mepoisson y x || g:, vce(cluster h)",
                           "ereturn list", "return list", "mat list e(b)",
                           "mat A = e(b)", "mat list A", "di el(e(b),1,1)", "egen k = mean(y), by(g)",
                           "bysort g: egen t = tag(g)", "merge 1:1 g using nosuch", "save", "use nosuch",
                           "set obs 1e12", "set obs 1e9", "set obs 5", "set obs 2.5", "set seed 12345",
                           "set seed -1", "set seed 1e10", "expand 1e9", "expand 1e300", "expand -1",
                           "expand x", "expand 2 in 1/3, gen(d)", "gen r = rnormal(0, 2)",
                           "replace x = runiform(-1, 1)", "di rbinomial(10, .5)",
                           # a time variable for the operators (L.x) of the estimation varlists
                           "gen tt = mod(_n - 1, 10) + 1", "xtset g tt", "tsset g tt",
                           "regress y L.x D.z", "regress D.y L(0/2).x", "logit h L.x",
                           "xtreg y L.x, fe", "poisson h LD.z", "predict xb2, xb",
                           "set type double", "set type float", "set matsize 800",
                           "set more off, perm", "gsort -x", "sort z", "predict f2, fitted",
                           "count if e(sample)",
                           "xtgee y x", "xtgee y x, corr(ind) vce(robust)", "xtgee h x, fam(bin)",
                           "xtgee h x z, family(binomial) link(probit) corr(ar 1)",
                           "xtgee y x, corr(unstr) nmp", "xtgee y x, corr(ar1) rgf vce(r)",
                           "xtgee y L.x, corr(exc) eform", "xtgee h x, fam(poisson) iterate(1)",
                           "xtgee y x, corr(stat 2)", "xtgee y x, fam(gamma)", "xtgee y, corr(",
                           "xtgee y x, link(logit)", "xtgee y x, tol(0)", "xtgee y x, i(g) t(tt)",
                           "xtgee y x, corr(fixed A)", "xtgee x y, noconstant corr(ar 3)",
                           "xtreg y x, pa", "xtreg y x, pa corr(ar 1) nolog", "xtlogit h x, pa or",
                           "xtprobit h x, pa corr(unstr)", "xtpoisson h x, pa exposure(z) irr",
                           "estat wcorrelation", "estat wcor, cov", "predict mu2, rate",
                           "xtreg y x, corr(ind)", "xtgee", "xtlogit", "xtreg",
                           "spearman y x z", "spearman y x, stats(rho obs p) star(.05)",
                           "spearman y x s, pw print(.5)", "spearman y", "ktau y x",
                           "ktau y x z, stats(taua taub score se obs p) sidak", "ktau y x in 1/2",
                           "ranksum y, by(h)", "ranksum y if h<2, by(h) porder",
                           "ranksum y, by(s)", "ranksum y if g<2, by(g) exact", "ranksum s, by(h)",
                           "signrank y = x", "signrank y = 0 if g==3", "signrank y = s",
                           "signtest y = x", "signtest y = 1 in 1/0", "kwallis y, by(g)",
                           "kwallis y, by(s)", "kwallis y if g==1, by(g)", "kwallis y",
                           "table g", "table g h", "table (g) (h), stat(mean y) stat(sd x)",
                           "table h, stat(freq) stat(percent) stat(median y) nototals",
                           "table (var) (result), stat(mean y x) stat(p25 z)",
                           "table (g h) (), stat(mean y) nformat(%9.2f mean)",
                           "table s h, stat(count y) zerocounts", "table h g s if g < 3",
                           "table h [fw=h], stat(sum x)", "table h, stat(mean s)",
                           "table h, stat(nosuch y)", "table h, contents(mean y)",
                           "table (h g, stat(mean y)", "table h, totals(g)", "table h, name(t)",
                           "table h if y > 1e9", "table h, sformat(\"(%s)\" sd) stat(sd y)",
                           "table () () (), stat(cv y)", "table h, stat(mean y) missing",
                           "sdtest y, by(h)", "sdtest y if h<2, by(h) level(90)", "sdtest y == x",
                           "sdtest y == 2", "sdtest y == 0", "sdtest y = s", "sdtest y == 1, by(h)",
                           "robvar y, by(g)", "robvar y, by(s)", "robvar y if g==1, by(h)",
                           "robvar s, by(g)", "gen b = y > 1", "prtest b == .4", "prtest b, by(h)",
                           "prtest b if h<2, by(h)", "prtest b == x", "prtest y == .5",
                           "prtest b == 0", "prtesti 30 .4 45 .6", "prtesti 10 3 .5, count",
                           "prtesti 1 .5 .5", "prtesti 30 .4", "bitest b == .3",
                           "bitest b == .5, detail", "bitest b == 2", "bitest y == .5",
                           "bitesti 10 3 .2", "bitesti 10 11 .5", "bitesti 0 0 .1",
                           "bitesti 20 .5 .5, detail",
                           # glm, nbreg, logistic
                           "glm y x, family(gamma) link(log)", "glm h x, family(binomial) eform",
                           "glm h x, f(b) l(probit) irls", "glm y x, family(poisson) scale(x2)",
                           "glm y x, family(nbinomial 2) link(nbinomial)", "glm y x, fam(igau)",
                           "glm y x, family(binomial h)", "glm y x, link(power -2)",
                           "glm y x, link(opower .5) family(b)", "glm y x, family(gamma) vce(cl g)",
                           "glm y x, family(poisson) exposure(x)", "glm y, family(bad)",
                           "glm y x, link(nbinomial)", "glm, eform", "predict a, anscombe",
                           "predict m, mu", "predict r, response", "nbreg y x", "nbreg h x, irr",
                           "nbreg y x, dispersion(constant)", "nbreg y x, exposure(x) vce(r)",
                           "nbreg, irr", "logistic h x", "logistic h x, coef", "logistic",
                           "lincom x", "logistic h x, vce(cluster g)", "estat classification",
                           "estat class, cutoff(.3) all", "estat class if x > 0, cutoff(2)",
                           "anova y g##h", "anova y h c.x", "anova y g h, seq", "anova",
                           "anova y h##c.x [aw=g+1]", "anova y h [fw=g]", "anova s h",
                           "anova y s", "anova y x", "anova y g|h", "anova y g / h /",
                           "anova y h, repeated(h)", "anova y h, noconstant", "anova y ##h",
                           "anova y h#", "anova y i.(g h)", "anova y ib9.h", "regress",
                           "anova y h if y > 1e9", "anova y c.x#c.x#h", "anova y L.x h"])
    return f"{rng.choice(['qui', 'cap', 'noi', 'cap noi', 'by g:', 'bysort g:'])} {command_line(rng)}"


MACRO_TEXT = ["x y", '"q r"', '`"a "b" c"\'', "{", "}", "///", "*/", "/*", "`", "'", "$", "${",
              "`a'", "`=2*3'", "`:word 1 of p q'", "= 1/0", "= x", "= \"s\"", ": list sort a",
              ": word count", ": nosuch", "", " " * 40, "x" * 300]
LOOP_HEADS = ["foreach v of varlist x y", "foreach v in a \"b c\"", "foreach v of local a",
              "foreach v of numlist 1/3 .5", "foreach v of nosuch a", "forvalues i = 1/3",
              "forvalues i = 3(-1)1", "forvalues i = 1(0)3", "forvalues i = a/b", "forv i = 1 2 to 5",
              "while `i' < 3", "while 1 == 0", "if x > 0", "if 0", "if \"a\"", "else", "else if 1",
              "quietly", "capture", "capture noisily", "noisily"]


def fragment(rng, depth: int = 0) -> str:
    """A few lines of the Stata language: macros, nested blocks, programs, stray braces."""
    kind = rng.randrange(8)
    if kind == 0:
        return f"{rng.choice(['local', 'global', 'loc', 'gl'])} " \
               f"{rng.choice(['a', 'i', 'g', '_x', 'x' * 33, '1', ''])} {rng.choice(MACRO_TEXT)}"
    if kind == 1 or (kind == 2 and depth > 1):
        return rng.choice(["local ++i", "local --i", "macro drop _all", "macro list", "continue",
                           "continue, break", 'di "`a\' $g ${g} `i\'"', "di `=`i\'+1\'",
                           "args a b", "tempvar t", "tempname n", "}", "{", "end"])
    if kind in (2, 3, 4):
        body = "\n".join(fragment(rng, depth + 1) for _ in range(rng.randint(0, 3)))
        if rng.random() < 0.5:
            body += "\n" + command_line(rng)
        close = rng.choice(["}", "}", "}", "", "} else {", "}}"])
        return f"{rng.choice(LOOP_HEADS)} {{\n{body}\n{close}"
    if kind == 5:
        name = rng.choice(["p", "q", "mysum", "regress", "1bad", ""])
        opts = rng.choice(["", ", rclass", ", eclass", ", foo"])
        body = "\n".join(rng.choice([
            "syntax varlist [if] [in] [, Detail Scale(real 1) *]", "syntax [anything]",
            "syntax newvarname", "args a", "marksample touse", "return scalar m = 1",
            "return local s \"t\"", "ereturn scalar k = 2", f"{name} `0'", "exit", "exit 198",
            "local x `0'", command_line(rng)]) for _ in range(rng.randint(0, 4)))
        return f"{rng.choice(['program define', 'program', 'capture program drop'])} {name}{opts}" \
               f"\n{body}\n{rng.choice(['end', 'end', ''])}\n{name} {rng.choice(['x y', 'x, d', 'if x>0', ''])}"
    if kind == 6:
        return garble(rng, fragment(rng, depth + 1))
    return command_line(rng)


@contextmanager
def ctrl_c_after(seconds: int):
    """Press Ctrl-C after `seconds` (a generated `while 1 { }` runs until the user stops
    it, as in Stata); a second alarm, if Ctrl-C did not stop it, is a hang."""
    def fire(signum, frame):
        signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(Hang()))
        signal.alarm(seconds)
        raise KeyboardInterrupt
    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def check_fragment(session: Session, text: str, seconds: int = 5) -> tuple[int, str]:
    """Run several lines as a do-file does; (rc, problem): no traceback, no hang (an endless
    loop must stop at Ctrl-C). Work done before a failing line of a block stays, as in
    Stata, so the state rule is checked per command by `check`."""
    out = session.out
    start = out.tell()
    try:
        with ctrl_c_after(seconds):
            rc = session.run(text)
    except ExitRequest:
        return 0, ""
    except KeyboardInterrupt:       # Ctrl-C between two commands: the REPL prints --Break--
        return 1, ""
    except Hang:
        return -1, "hang"
    produced = out.getvalue()[start:]
    if "Traceback" in produced or "internal error" in produced:
        return rc, "traceback: " + produced.strip().splitlines()[-2 if rc else -1][:200]
    return rc, ""


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
    h.update(repr((d.names, d.nobs, d.changed, d.sortedby, getattr(d, "xtset", None),
                   [(v.stype, v.fmt, v.label, v.value_label) for v in d.vars.values()],
                   sorted((k, sorted(m.items())) for k, m in d.value_labels.items()))).encode())
    for v in d.vars.values():
        h.update(v.values.tobytes() if not v.is_string else "\x1f".join(v.values).encode("utf-8", "surrogatepass"))
    est = session.estimates
    h.update(repr((id(est.active), est.active_name, sorted((k, id(v)) for k, v in est.stored.items()))).encode())
    h.update(repr((sorted(session.scalars.items()), sorted(session.matrices))).encode("utf-8", "surrogatepass"))
    for m in session.matrices.values():
        h.update(m.values.tobytes())
    h.update(repr((sorted(session.r.scalars.items()), sorted(session.r.macros.items()))).encode("utf-8", "surrogatepass"))
    h.update(repr((sorted(session.macros.globals.items()), [sorted(f.items()) for f in session.macros.frames],
                   sorted(session.programs))).encode("utf-8", "surrogatepass"))
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
    """r(430) after iterate(#) keeps its results on purpose (posted with e(converged)=0, or
    xtgee's e(rc)=430: Stata's xtgee posts no e(converged))."""
    active = session.estimates.active
    return rc == 430 and active is not None and (active.scalars.get("converged") == 0
                                                 or active.scalars.get("rc") == 430)


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
