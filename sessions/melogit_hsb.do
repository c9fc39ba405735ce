* High achievers in the HSB data (mathach above 15) by SES and sector:
* a single-level logit, then random-intercept and random-slope multilevel logits.
* Run from the repository root:  hlmshell sessions/melogit_hsb.do
* (A random slope of ses has a variance on the boundary, zero, in these data; the slope
* model lets the minority gap vary across schools instead.)
use hsb.dta, clear
gen hi = mathach > 15
logit hi ses i.sector
melogit hi ses i.sector || id:
estat icc
melogit, or
melogit hi ses i.sector minority || id:, nolog
estimates store ri
melogit hi ses i.sector minority || id: minority, nolog
lrtest ri .
estat icc
predict p
predict u*, reffects
summarize p u1 u2
