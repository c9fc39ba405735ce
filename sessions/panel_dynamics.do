* Dynamic panel regressions with time-series operators: 150 firms x 8 years, sales depend
* on last year's advertising and on the change in price. The operators (L., D., L(0/2).)
* are computed from xtset's panel and time variables, so gaps give missing lags.
clear
set seed 20261130
set obs 150
generate firm = _n
generate u = rnormal(0, 1)
expand 8
bysort firm: generate year = 2010 + _n
generate adv = 5 + u + rnormal()
generate price = 10 + rnormal()
xtset firm year
generate sales = 20 + 2*u + .8*L.adv - 1.5*D.price + rnormal()
drop if firm == 7 & year == 2014
* last year's advertising and the change in price, pooled and with a firm intercept
regress sales L.adv D.price
xtreg sales L.adv D.price, re
mixed sales L(0/2).adv D.price || firm:, nolog
test L.adv L2.adv
lincom adv + L.adv + L2.adv
* predictions stay with their observations when the data are sorted afterwards
predict fit, fitted
gsort -sales
predict fit2, fitted
assert fit == fit2
tabulate year if e(sample)
