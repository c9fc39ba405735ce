"""Graph commands: their registry records only. The work lives in hlmshell/graphics/ and is
imported when a graph command first runs, so the shell starts as fast as before."""
from __future__ import annotations

from hlmshell.commands.registry import Registry, command
from hlmshell.errors import StataError

SCHEMES = {"s2color": "stata2", "stata2": "stata2", "stcolor": "stata2", "s1color": "stata2",
           "s1mono": "s1mono", "s2mono": "s1mono"}


def set_scheme(session, value: str):
    """`set scheme s1mono`: the look of the graphs made from now on (s2color: Stata's)."""
    if value.lower() not in SCHEMES:
        raise StataError(111, f"scheme {value} not found")
    session.settings["scheme"] = SCHEMES[value.lower()]



# `graph`'s subcommands (names and minimum abbreviations, for dispatch and completion);
# the handlers are in graphics/family.py, loaded on first use
GRAPH = Registry("subcommand")
for _name, _abbrev in (("twoway", "tw"), ("box", "box"), ("hbox", "hbox"), ("bar", "bar"),
                       ("hbar", "hbar"), ("dot", "dot"), ("combine", "combine"),
                       ("export", "export"), ("dir", "dir"), ("drop", "drop"),
                       ("close", "close"), ("display", "di"), ("save", "save"),
                       ("use", "use")):
    GRAPH.command(_name, abbrev=_abbrev, syntax="raw")(None)


@command("twoway", abbrev="tw", syntax="raw", help="twoway graphs: overlaid plots")
def twoway_cmd(session, args):
    """twoway plot [|| plot ...] [, graph_options]
    twoway (plot) (plot) ... [, graph_options]
        plot: scatter line connected area bar lfit qfit lfitci lowess rcap rspike rarea
        function
        graph_options: title() subtitle() note() caption() xtitle() ytitle() xlabel()
        ylabel() xline() yline() xscale(log) yscale(log) legend() by() name() saving()
        scheme() nodraw
    """
    from hlmshell.graphics.twoway import run_twoway
    return run_twoway(session, args.body)


@command("scatter", abbrev="sc", syntax="raw", help="twoway scatter plot")
def scatter_cmd(session, args):
    """scatter yvar(s) xvar [if] [in] [, options]"""
    from hlmshell.graphics.twoway import run_twoway
    return run_twoway(session, "scatter " + args.body)


@command("line", syntax="raw", help="twoway line plot")
def line_cmd(session, args):
    """line yvar(s) xvar [if] [in] [, options]"""
    from hlmshell.graphics.twoway import run_twoway
    return run_twoway(session, "line " + args.body)


@command("graph", abbrev="gr", syntax="raw",
         help="graphs: twoway box bar dot combine export save use dir drop close display")
def graph_cmd(session, args):
    """graph twoway|box|hbox|bar|hbar|dot|combine ...
    graph export newfilename.suffix [, replace width(#) height(#) name(graphname) as(format)]
    graph save [graphname] filename [, replace]
    graph use filename [, name(graphname[, replace]) nodraw]
    graph dir | drop name|_all | close [name|_all] | display [name]
    """
    from hlmshell.commands.estat import split_subcommand
    from hlmshell.graphics.family import HANDLERS
    word, rest = split_subcommand(args.body)
    return HANDLERS[GRAPH.lookup(word.lower()).name](session, rest)


@command("histogram", abbrev="hist", syntax="raw", help="histogram of a variable")
def histogram_cmd(session, args):
    """histogram varname [if] [in] [, bin(#) | width(#) start(#) discrete
        density | fraction | frequency | percent normal kdensity by(varlist) graph_options]
    """
    from hlmshell.graphics.univariate import histogram
    return histogram(session, args.body)


@command("kdensity", abbrev="kdens", syntax="raw", help="kernel density estimate")
def kdensity_cmd(session, args):
    """kdensity varname [if] [in] [, kernel(name) bwidth(#) n(#) normal graph_options]"""
    from hlmshell.graphics.univariate import kdensity
    return kdensity(session, args.body)


@command("qnorm", syntax="raw", help="quantiles of a variable against the normal")
def qnorm_cmd(session, args):
    """qnorm varname [if] [in] [, graph_options]"""
    from hlmshell.graphics.univariate import qnorm
    return qnorm(session, args.body)


@command("pnorm", syntax="raw", help="standardized normal probability plot")
def pnorm_cmd(session, args):
    """pnorm varname [if] [in] [, graph_options]"""
    from hlmshell.graphics.univariate import pnorm
    return pnorm(session, args.body)


@command("marginsplot", syntax="raw", help="graph the results of the last margins")
def marginsplot_cmd(session, args):
    """marginsplot [, noci graph_options]"""
    from hlmshell.graphics.marginsplot import marginsplot
    return marginsplot(session, args.body)


@command("xtline", syntax="raw", help="panel-data line plots")
def xtline_cmd(session, args):
    """xtline varlist [if] [in] [, i(panelvar) t(timevar) byopts(by_options) graph_options]
    xtline varname [if] [in], overlay [i(panelvar) t(timevar) graph_options]
        needs xtset panelvar timevar, or i() and t()
    """
    from hlmshell.graphics.xtline import xtline
    return xtline(session, args.body)


@command("rvfplot", syntax="raw", help="residual-versus-fitted plot after regress")
def rvfplot_cmd(session, args):
    """rvfplot [, graph_options]"""
    from hlmshell.graphics.regdiag import rvfplot
    return rvfplot(session, args.body)


@command("rvpplot", syntax="raw", help="residual-versus-predictor plot after regress")
def rvpplot_cmd(session, args):
    """rvpplot varname [, graph_options]"""
    from hlmshell.graphics.regdiag import rvpplot
    return rvpplot(session, args.body)
