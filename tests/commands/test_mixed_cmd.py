"""The `mixed` command: e() set and display built from fixed numbers (the handout's model 0),
and the live command on data/hsb.dta (models 0 and 5) against the handout's printed lines."""
from __future__ import annotations

import io
import math
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from hlmshell.estimates.results import EstimationResult, data_signature, from_mixed
from hlmshell.render import to_text
from hlmshell.render.ereturn import ReturnListing

ROOT = Path(__file__).resolve().parents[2]
NAN = math.nan

EREturn_M0 = """\

scalars:
               e(rank) =  3
                e(k_f) =  1
                e(k_r) =  2
                  e(k) =  3
               e(k_rs) =  2
               e(k_rc) =  0
              e(k_res) =  0
          e(converged) =  1
                 e(ic) =  1
                 e(ll) =  -23557.90510815813
               e(ll_c) =  -24049.86601856097
               e(df_c) =  1
             e(chi2_c) =  983.9218208056773
                e(p_c) =  2.8059555978e-216
                  e(N) =  7185
           e(nrgroups) =  1
              e(small) =  0
               e(df_m) =  0
                  e(p) =  .
               e(chi2) =  .
                 e(rc) =  0

macros:
            e(cmdline) : "mixed mathach || id:"
  e(datasignaturevars) : "mathach id"
      e(datasignature) : "7185:2:1423354169:3944075123"
           e(chi2type) : "Wald"
         e(rstructlab) : "Independent"
         e(rstructure) : "independent"
          e(estat_cmd) : "mixed_estat"
            e(predict) : "mixed_p"
              e(redim) : "1"
              e(ivars) : "id"
           e(vartypes) : "Identity"
             e(revars) : "_cons"
                e(cmd) : "mixed"
              e(title) : "Mixed-effects ML regression"
          e(technique) : "nr"
          e(ml_method) : "d0"
                e(opt) : "moptimize"
             e(method) : "ML"
          e(optmetric) : "matsqrt"
             e(depvar) : "mathach"
         e(properties) : "b V"

matrices:
                  e(b) :  1 x 3
                  e(V) :  3 x 3
              e(g_max) :  1 x 1
              e(g_avg) :  1 x 1
              e(g_min) :  1 x 1
                e(N_g) :  1 x 1

functions:
             e(sample)"""


class FakeModel0(SimpleNamespace):
    """MixedFit-shaped object holding the handout's model-0 numbers."""

    def fe_table(self, level=95):
        Row = SimpleNamespace
        return [Row(name="_cons", coef=12.63707, se=.2436178, z=51.87, p=0.0, lo=12.15959,
                    hi=13.11455, omitted=False, base=False)]

    def re_table(self, level=95, stddev=False):
        Row = SimpleNamespace
        return [SimpleNamespace(title="id: Identity", rows=[
                    Row(label="var(_cons)", estimate=8.55352, se=1.068642, lo=6.69575, hi=10.92674)]),
                SimpleNamespace(title="", rows=[
                    Row(label="var(Residual)", estimate=39.14839, se=.6606469, lo=37.87473,
                        hi=40.46489)])]


def fake_model0():
    level = SimpleNamespace(groupvar="id", covariance="identity", effects=["_cons"], n_groups=160,
                            g_min=14, g_avg=44.9, g_max=67, vartype="Identity")
    return FakeModel0(
        method="ML", depvar="mathach", n=7185, sample=np.ones(7185, dtype=bool), converged=True,
        summary=SimpleNamespace(iterations=1), iteration_log=[-23557.905108, -23557.905108],
        dropped=[], levels=[level], ll=-23557.90510815813, ll_c=-24049.86601856097,
        chi2_c=983.9218208056773, df_c=1, p_c=2.8059555978e-216, lr_chibar=True,
        chi2=NAN, df_m=0, p=NAN, b_names=["mathach:_cons", "lns1_1_1:_cons", "lnsig_e:_cons"],
        b=np.array([12.63707, 1.0731714, 1.8336797]), V=np.eye(3), k_f=1, k_r=2, k_rs=2,
        k_rc=0, rank=3, boundary=False, boundary_notes=[])


def result0() -> EstimationResult:
    return from_mixed(fake_model0(), cmdline="mixed mathach || id:", sigvars=["mathach", "id"],
                      datasignature="7185:2:1423354169:3944075123")


def test_ereturn_list_matches_handout():
    r = result0()
    text = to_text(ReturnListing("e", r.scalars, r.macros, r.matrices, r.functions))
    assert text.split("\n") == EREturn_M0.split("\n")


def test_b_and_V_names():
    r = result0()
    b = r.matrices["b"]
    assert b.rownames == ["y1"]
    assert b.colnames == ["mathach:_cons", "lns1_1_1:_cons", "lnsig_e:_cons"]
    assert r.matrices["V"].rownames == b.colnames and r.matrices["V"].symmetric
    assert r.matrices["N_g"].colnames == ["id"] and r.matrices["N_g"].values[0, 0] == 160


def test_nolrtest_drops_lr_scalars_and_nonconvergence():
    m = fake_model0()
    m.converged = False
    r = from_mixed(m, cmdline="mixed mathach || id:, nolrtest", sigvars=["mathach", "id"],
                   datasignature="x", nolrtest=True)
    assert "ll_c" not in r.scalars and "p_c" not in r.scalars
    assert r.scalars["converged"] == 0 and r.scalars["rc"] == 430


def test_data_signature_shape_and_stability():
    y = np.array([1.0, 2.5, np.nan, 4.0])
    g = np.array([1.0, 1.0, 2.0, 2.0])
    s = data_signature(["y", "g"], [y, g], np.array([True, True, False, True]))
    n, k, h1, h2 = s.split(":")
    assert (n, k) == ("3", "2") and h1.isdigit() and h2.isdigit()
    assert s == data_signature(["y", "g"], [y.copy(), g.copy()], np.array([1, 1, 0, 1], bool))
    assert s != data_signature(["y", "g"], [y + 1, g], np.array([True, True, False, True]))


def test_display_from_stored_results_matches_handout_model0():
    from hlmshell.commands.mixed import build_output
    from hlmshell.syntax.mixed_call import MixedOptions
    out = build_output(result0(), MixedOptions(), 95)
    got = [line.rstrip() for line in to_text(out).split("\n")]
    assert got[1] == "Mixed-effects ML regression                     Number of obs     =      7,185"
    assert got[8] == "Log likelihood = -23557.905                     Prob > chi2       =          ."
    assert got[13] == "       _cons |   12.63707   .2436178    51.87   0.000     12.15959    13.11455"
    assert got[-1] == "LR test vs. linear model: chibar2(01) = 983.92        Prob >= chibar2 = 0.0000"
    # display options
    short = build_output(result0(), MixedOptions(noheader=True, noretable=True, nolrtest=True), 95)
    assert short.header is None and short.random is None and short.lrtest is None
    assert to_text(short).split("\n")[0].startswith("-----")
