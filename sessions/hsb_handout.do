* Two-level HLM handout (SOCY7708, N. Sarkisian): every command, in order.
* Run from the repository root:  hlmshell sessions/hsb_handout.do
* The data files are found through hlmshell's search path (README: "Where data files are found").
* The handout's one typo is fixed: `qui mathach ses || ...` is `qui mixed mathach ses || ...`.

use hsb1.dta, clear
sum
use hsb2.dta, clear
sum
use hsb.dta, clear
sum
egen tag=tag(id)
tab tag
sum size- meanses if tag==1

* Model 0: unconditional model with random intercept
mixed mathach || id:
ereturn list
mat list e(b)
di exp(e(b)[1,2])^2
di exp(e(b)[1,2])^2/(exp(e(b)[1,2])^2 + exp(e(b)[1,3])^2)
estat icc

* Model 1: random intercept with a level-1 covariate
mixed mathach ses || id:
estat icc
qui mixed mathach || id:
mat base=e(b)
qui mixed mathach ses || id:
mat ses=e(b)
mat list base
mat list ses
di exp(base[1,2])^2
di (exp(base[1,2])^2 - exp(ses[1,3])^2)/exp(base[1,2])^2
di (exp(base[1,3])^2 - exp(ses[1,4])^2)/exp(base[1,3])^2
di (exp(base[1,2])^2+ exp(base[1,3])^2 - exp(ses[1,3])^2 - ///
    exp(ses[1,4])^2)/(exp(base[1,2])^2 + exp(base[1,3])^2)

* Model 2: random intercept and random slope
mixed mathach ses || id: ses, cov(unstructured)
estat recov
estat recov, corr
qui mixed mathach ses || id: ses, cov(unstructured)
estat ic
est store slope
qui mixed mathach ses || id:
estat ic
lrtest . slope

* Model 3: means as outcomes
mixed mathach sector || id:
di (exp(base[1,2])^2 - exp(e(b)[1,3])^2)/exp(base[1,2])^2

* Model 4: means as outcomes with a level-1 covariate
mixed mathach ses sector || id: ses, cov(unstr)
qui mixed mathach ses sector || id: ses, cov(unstr)
est store sector
estat ic
qui mixed mathach ses sector || id:
lrtest sector .
estat ic

* Model 5: intercepts and slopes as outcomes (cross-level interaction)
mixed mathach c.ses##i.sector || id: ses, cov(unstr)
mixed mathach c.ses##ib1.sector || id: ses, cov(unstr)
di (0.42-0.07)/0.42
qui mixed mathach c.ses##i.sector || id: ses, cov(unstr)
est store interaction
estat ic
qui mixed mathach c.ses##i.sector || id:
estat ic
lrtest interaction .

* Model 6: nonrandomly varying slopes
mixed mathach c.ses##i.sector || id:
