* Growth curves on a simulated panel: 40 persons x 6 occasions, a random intercept and
* slope, a treatment that changes the slope. Kenward-Roger small-sample inference (REML),
* then robust standard errors clustered on the person (ML).
clear
set seed 20261130
set obs 40
generate id = _n
generate u0 = rnormal(0, 2)
generate u1 = rnormal(0, .5)
generate treat = mod(_n, 2)
expand 6
sort id
by id: generate time = _n - 1
generate y = 10 + u0 + (1 + u1)*time + .8*treat*time + rnormal(0, 1.5)
mixed y c.time##i.treat || id: time, covariance(unstructured) reml dfmethod(kroger)
estat df
mixed, dftable(pvalue) noheader
mixed y c.time##i.treat || id: time, covariance(unstructured) vce(robust) nolog
estat df, method(residual)
