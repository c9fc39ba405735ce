* High achievers (mathach above 15) with schools as panels: random-effects and
* conditional fixed-effects logits, a random-effects probit, and a gamma random-effects
* Poisson model of a count made from mathach.
* Run from the repository root:  hlmshell sessions/xtlogit_hsb.do
use hsb.dta, clear
gen hi = mathach > 15
encode id, gen(school)
xtset school
xtlogit hi ses i.sector, re
xtlogit, or
predict p0, pu0
predict pm, pr
summarize p0 pm
xtlogit hi ses female minority, fe nolog
xtprobit hi ses i.sector, nolog
gen cnt = max(0, round(mathach/4))
xtpoisson cnt ses i.sector, nolog irr
