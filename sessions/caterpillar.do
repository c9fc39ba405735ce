* The README's caterpillar plot: the 160 school intercepts of the handout's model 2
* (random intercept and random slope on ses) with their 95% intervals, ranked.
use data/hsb.dta, clear
quietly mixed mathach ses || id: ses, cov(unstructured)
predict u1 u0, reffects
predict s1 s0, reses
egen tag = tag(id)
sort u0 id
gen rank = sum(tag)
gen lo = u0 - 1.96*s0
gen hi = u0 + 1.96*s0
twoway (rcap lo hi rank if tag, lcolor(gs9)) (scatter u0 rank if tag, msize(small)), ///
    legend(off) yline(0) ytitle("Predicted school intercept (BLUP)") ///
    xtitle("School, ranked by its intercept") ///
    title("School intercepts with 95% intervals")
graph export docs/caterpillar.png, replace width(800)
