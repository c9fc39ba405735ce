* Cross-level interaction (the handout's model 5) and generic postestimation
use data/hsb.dta, clear
mixed mathach c.ses##i.sector || id: ses, cov(unstr)

* Wald tests: the SES slope, the sector terms, the interaction
test ses
test (1.sector = 0) (1.sector#c.ses = 0)
testparm i.sector c.ses#i.sector

* the SES slope in Catholic schools
lincom ses + 1.sector#c.ses
nlcom ratio: _b[1.sector#c.ses]/_b[ses]

* predictions by sector at SES -1, 0, 1 and the SES slope by sector
margins sector, at(ses=(-1 0 1))
margins, dydx(ses) at(sector=(0 1))
contrast r.sector
pwcompare sector
