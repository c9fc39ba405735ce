"""Output blocks of the course handout (/work/shared/handout/two-level-hlm-handout.txt, as
printed by Stata 17), shared by the tests that compare our output with them: trailing spaces
removed, and the PDF artefacts and the Word export's doubled line breaks undone.

tests/conftest.py puts this folder on sys.path: `from handout_blocks import ...`."""

# ---------------------------------------------------------------------------- data part
# `use hsb2.dta` / `sum`.  The handout prints the rule under the header of this one table
# with a stray leading space (" -----..."), a copy artefact: the same rule is flush left
# in the handout's other summarize tables (hsb1, hsb, `sum size- meanses if tag==1`).
SUM_HSB2 = """\
    Variable |        Obs        Mean    Std. dev.       Min        Max
-------------+---------------------------------------------------------
          id |          0
        size |        160    1097.825    629.5064        100       2713
      sector |        160       .4375    .4976359          0          1
      pracad |        160    .5139375    .2558967          0          1
     disclim |        160    -.015125    .9769777     -2.416      2.756
-------------+---------------------------------------------------------
     himinty |        160        .275    .4479162          0          1
     meanses |        160   -.0001875    .4139731     -1.188       .831"""

# `egen tag=tag(id)` / `tab tag`
TAB_TAG = """\
    tag(id) |      Freq.     Percent        Cum.
------------+-----------------------------------
          0 |      7,025       97.77       97.77
          1 |        160        2.23      100.00
------------+-----------------------------------
      Total |      7,185      100.00"""

# `sum size- meanses if tag==1`
SUM_LEVEL2 = """\
    Variable |        Obs        Mean    Std. dev.       Min        Max
-------------+---------------------------------------------------------
        size |        160    1097.825    629.5064        100       2713
      sector |        160       .4375    .4976359          0          1
      pracad |        160    .5139375    .2558967          0          1
     disclim |        160    -.015125    .9769777     -2.416      2.756
     himinty |        160        .275    .4479162          0          1
-------------+---------------------------------------------------------
     meanses |        160   -.0001875    .4139731     -1.188       .831"""

# ------------------------------------------------------------------------ mixed, model 0
# `mixed mathach || id:`
MIXED_M0 = """\

Mixed-effects ML regression                     Number of obs     =      7,185
Group variable: id                              Number of groups  =        160
                                                Obs per group:
                                                              min =         14
                                                              avg =       44.9
                                                              max =         67
                                                Wald chi2(0)      =          .
Log likelihood = -23557.905                     Prob > chi2       =          .
------------------------------------------------------------------------------
     mathach | Coefficient  Std. err.      z    P>|z|     [95% conf. interval]
-------------+----------------------------------------------------------------
       _cons |   12.63707   .2436178    51.87   0.000     12.15959    13.11455
------------------------------------------------------------------------------
------------------------------------------------------------------------------
  Random-effects parameters  |   Estimate   Std. err.     [95% conf. interval]
-----------------------------+------------------------------------------------
id: Identity                 |
                  var(_cons) |    8.55352   1.068642       6.69575    10.92674
-----------------------------+------------------------------------------------
               var(Residual) |   39.14839   .6606469      37.87473    40.46489
------------------------------------------------------------------------------
LR test vs. linear model: chibar2(01) = 983.92        Prob >= chibar2 = 0.0000
"""

# `ereturn list` after it
ERETURN_M0 = """\

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

# ------------------------------------------------------------------------ mixed, model 2
# `mixed mathach ses || id: ses, cov(unstructured)`: the random-effects table, and the whole
# output, which holds it
RE_M2 = """\
------------------------------------------------------------------------------
  Random-effects parameters  |   Estimate   Std. err.     [95% conf. interval]
-----------------------------+------------------------------------------------
id: Unstructured             |
                    var(ses) |   .3983418   .2324055      .1269513    1.249898
                  var(_cons) |   4.785235   .6648578      3.644499    6.283024
              cov(ses,_cons) |  -.1558654   .2956225     -.7352749    .4235441
-----------------------------+------------------------------------------------
               var(Residual) |   36.83154   .6293445      35.61847    38.08592
------------------------------------------------------------------------------"""

MIXED_M2 = f"""\

Mixed-effects ML regression                     Number of obs     =      7,185
Group variable: id                              Number of groups  =        160
                                                Obs per group:
                                                              min =         14
                                                              avg =       44.9
                                                              max =         67
                                                Wald chi2(1)      =     414.12
Log likelihood = -23318.235                     Prob > chi2       =     0.0000

------------------------------------------------------------------------------
     mathach | Coefficient  Std. err.      z    P>|z|     [95% conf. interval]
-------------+----------------------------------------------------------------
         ses |   2.394934   .1176881    20.35   0.000      2.16427    2.625598
       _cons |   12.66559   .1890996    66.98   0.000     12.29496    13.03621
------------------------------------------------------------------------------
{RE_M2}
LR test vs. linear model: chi2(3) = 461.47                Prob > chi2 = 0.0000

Note: LR test is conservative and provided only for reference.
"""

# ------------------------------------------------------------------------ mixed, model 5
# `mixed mathach c.ses##i.sector || id: ses, cov(unstr)`: the fixed-effects table, and the
# whole output, which holds it
FE_M5 = """\
------------------------------------------------------------------------------
     mathach | Coefficient  Std. err.      z    P>|z|     [95% conf. interval]
-------------+----------------------------------------------------------------
         ses |   2.959745   .1429495    20.70   0.000     2.679569    3.239921
    1.sector |   2.128714   .3434358     6.20   0.000     1.455593    2.801836
             |
sector#c.ses |
          1  |  -1.312909   .2153851    -6.10   0.000    -1.735056   -.8907615
             |
       _cons |   11.75256   .2301634    51.06   0.000     11.30145    12.20368
------------------------------------------------------------------------------"""

MIXED_M5 = f"""\

Mixed-effects ML regression                     Number of obs     =      7,185
Group variable: id                              Number of groups  =        160
                                                Obs per group:
                                                              min =         14
                                                              avg =       44.9
                                                              max =         67
                                                Wald chi2(3)      =     621.52
Log likelihood = -23281.589                     Prob > chi2       =     0.0000

{FE_M5}
------------------------------------------------------------------------------
  Random-effects parameters  |   Estimate   Std. err.     [95% conf. interval]
-----------------------------+------------------------------------------------
id: Unstructured             |
                    var(ses) |    .073949   .0888935      .0070099    .7801067
                  var(_cons) |    3.75385   .5494602      2.817633    5.001144
              cov(ses,_cons) |   .5268683   .3298837     -.1196919    1.173429
-----------------------------+------------------------------------------------
               var(Residual) |   36.77872   .6226819      35.57831    38.01963
------------------------------------------------------------------------------
LR test vs. linear model: chi2(3) = 343.64                Prob > chi2 = 0.0000

Note: LR test is conservative and provided only for reference.
"""
