* OLS beside the multilevel model on the HSB data: pooled regression, cluster-robust
* standard errors, panel estimators (xtreg re, fe, mle) and mixed, compared in one table.
* Run from the repository root:  hlmshell sessions/ols_vs_mixed.do

use data/hsb.dta, clear
egen school = group(id)
xtset school
xtsum mathach ses

regress mathach ses i.sector
estimates store ols
regress mathach ses i.sector, vce(cluster school)
estimates store ols_cl

xtreg mathach ses i.sector, re
estimates store re
xtreg mathach ses i.sector, fe
estimates store fe
xtreg mathach ses i.sector, mle
estimates store mle

mixed mathach ses i.sector || school:
estimates store mixed

* the same coefficients side by side; fe cannot estimate sector (constant within schools)
estimates table ols ols_cl re fe mle mixed, se stats(N ll aic bic r2)
estimates table ols re mixed, star keep(ses 1.sector)
lrtest mixed ols, force
