"""me* fits with several random-effects levels (me_estimate.estimate_me hands them here):
nested `|| school: || class:` by level-by-level quadrature, crossed `|| _all: R.a [|| b:]`
by Laplace (Stata's default for crossed models). No commands are registered here.
"""
from __future__ import annotations

import numpy as np

from hlmshell.errors import StataError

# refuse before allocating: the bottom level's linear predictor is rows x all nodes, and
# the likelihood holds four or five arrays of that size at once (20M cells: ~160 MB each)
MAX_CELLS = 20_000_000


def _blocks(design):
    """Blocks (models/glmm_blocks.Block) of the sample rows, top level first, and
    per level the data rows' group indices and Z (for predict)."""
    from hlmshell.models.glmm_blocks import Block
    rows = design.rows
    blocks, g_all, z_all = [], [], []
    path = []
    for lev in design.levels:
        if lev.factor:
            grp = lev.fcodes
            ng = int(grp.max()) + 1 if len(grp) else 0
            label = f"_all>{lev.factor}"
            blocks.append(Block(label, "_all", ["_cons"], "identity", np.asarray(grp), ng,
                                np.ones((len(rows), 1)), None, lev.factor))
            g_all.append(np.asarray(lev.fcodes_all))
        else:
            if lev.groupvar != "_all":
                path.append(lev.groupvar)
            label = ">".join(path) if path else "_all"
            blocks.append(Block(label, lev.groupvar, list(lev.effects), lev.covariance,
                                np.asarray(lev.group), int(lev.n_groups),
                                np.asarray(lev.Z_all[rows], float), lev.parent))
            g_all.append(np.asarray(lev.group_all))
        z_all.append(np.asarray(lev.Z_all, float))
    return blocks, {"group": g_all, "Z": z_all}


def crossed(design) -> bool:
    return any(lev.factor for lev in design.levels)


def estimate_multi(session, call, name, family, link, method, points, design, variables,
                   y, n_tr, offset, offname):
    from hlmshell.estimates.me_levels import me_result_multi
    from hlmshell.estimates.results import data_signature
    from hlmshell.models import ModelError
    from hlmshell.models.glmm_blocks import MultiData
    from hlmshell.models.glmm_multi_fit import fit_multi
    blocks, levels_all = _blocks(design)
    is_crossed = crossed(design)
    if any(b.n_groups < 1 for b in blocks):
        raise StataError(2000, "no observations")
    if method != "laplace":
        dims = sum(b.q for b in blocks)
        cells = float(points) ** dims * len(y)
        if cells > MAX_CELLS:
            raise StataError(909, f"insufficient memory for the integration grid: {points} "
                                  f"integration points for {dims} random effects over "
                                  f"{len(y):,} observations need {points}^{dims} x {len(y):,} "
                                  f"= {cells:,.0f} cells; the limit is {MAX_CELLS:,}; use "
                                  "fewer intpoints() or intmethod(laplace)")
    else:
        D = sum(b.q * b.n_groups for b in blocks)
        if D > 200_000:
            raise StataError(909, f"insufficient memory: {D:,} random effects in the joint "
                                  "Laplace approximation; the limit is 200,000")
    data = MultiData(y, design.X, blocks, family, link, n_tr,
                     offset[design.rows] if offset is not None else None)
    maxiter = call.options.iterate if call.options.iterate is not None else 300
    check = session.interrupt_check
    try:
        with np.errstate(all="ignore"):
            fit = fit_multi(data, method, points, maxiter,
                            on_iteration=(lambda i, v: check()) if check else None)
    except ModelError as err:
        raise StataError(err.code, err.message) from None
    except (np.linalg.LinAlgError, RuntimeError, ValueError):
        raise StataError(430, "likelihood evaluates to missing; the Hessian is singular") \
            from None
    if not np.isfinite(fit.ll):
        raise StataError(430, "likelihood evaluates to missing")
    sig = data_signature(variables, [session.data.column(v) for v in variables], design.sample)
    result = me_result_multi(name=name, family=family, link=link, fit=fit, design=design,
                             blocks=blocks, levels_all=levels_all, method=method,
                             points=points, offname=offname, offset=offset,
                             trials=call.extra.get("binomial"), sigvars=variables,
                             datasignature=sig,
                             cmdline=f"{name} {call.text.strip()}".strip(),
                             nolrtest=call.options.nolrtest, crossed=is_crossed)
    return result, fit
