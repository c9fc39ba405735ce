"""`tsset [panelvar] timevar [, delta(#)]` ([TS] tsset): declare the time variable (and the
panels) that the time-series operators L. F. D. S. use. With a panel variable it is xtset;
alone, the data are one series."""
from __future__ import annotations

import numpy as np

from hlmshell.commands.registry import command
from hlmshell.commands.xt import _numeric_var, delta_option, xtset
from hlmshell.errors import StataError
from hlmshell.returns import Returns


@command("tsset", syntax="[anything] [, CLEAR Delta(string)]",
         help="declare data to be time-series data")
def tsset(session, args):
    """tsset [panelvar] timevar [, delta(#)]; tsset alone shows the setting; tsset, clear"""
    words = args.anything.split()
    data = session.data
    if args.options.get("clear") or len(words) >= 2:
        return xtset(session, args)     # `tsset panelvar timevar` is xtset's setting
    if not words:
        if not data.xtset or not data.xtset.get("timevar"):
            raise StataError(111, "time variable not set, use tsset varname ...")
        if data.xtset.get("panelvar"):
            return xtset(session, args)
    else:
        timevar = _numeric_var(session, words[0])
        delta = delta_option(args.options)
        t = np.asarray(data.column(timevar), dtype=float)
        t = t[~np.isnan(t)]
        if len(np.unique(t)) < len(t):
            raise StataError(451, "repeated time values in sample")
        data.xtset = {"panelvar": None, "timevar": timevar, "delta": delta}
    setting = data.xtset
    t = np.asarray(data.column(setting["timevar"]), dtype=float)
    t = np.sort(t[~np.isnan(t)])
    delta = setting["delta"]
    gaps = bool(len(t) > 1 and (np.abs(np.diff(np.round(t / delta, 9)) - 1) > 1e-9).any())
    tmin, tmax = (float(t[0]), float(t[-1])) if len(t) else (np.nan, np.nan)
    session.r = Returns({"tmin": tmin, "tmax": tmax, "tdelta": delta, "gaps": float(gaps)},
                        {"timevar": setting["timevar"]})
    unit = f"{delta:g} unit" + ("s" if delta != 1 else "")
    return "\n".join(["", f"Time variable: {setting['timevar']}, {tmin:g} to {tmax:g}"
                      + (", but with gaps" if gaps else ""), f"        Delta: {unit}"])
