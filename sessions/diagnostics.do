* Checks a researcher runs around a multilevel model of the HSB data: is a random-intercept
* model needed (Breusch-Pagan), are random effects consistent (Hausman), collinearity and
* heteroskedasticity of the pooled regression, a piecewise (spline) effect of ses, quartiles
* of ses with their mean achievement, and a nonlinear test.
* Run from the repository root:  hlmshell sessions/diagnostics.do

version 17
use data/hsb.dta, clear
egen school = group(id)
xtset school

quietly xtreg mathach ses minority female, fe
estimates store fe
quietly xtreg mathach ses minority female, re
estimates store re
hausman fe re
xttest0

quietly regress mathach ses minority female
estat vif
estat hettest
estat ovtest

xtile sesq = ses, nquantiles(4)
tabulate sesq, summarize(mathach)

mkspline ses_lo 0 ses_hi = ses
mixed mathach ses_lo ses_hi minority female || school:, reml nolog
testnl _b[ses_lo] / _b[ses_hi] = 1
lincom ses_lo - ses_hi
