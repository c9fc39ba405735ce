* Growth curves with autocorrelated errors: 200 persons x 6 occasions, a random intercept
* and slope, and an AR(1) error (rho = .6) built occasion by occasion with a loop.
* mixed's residuals(ar 1, t()) estimates rho next to the random effects (REML).
clear
set seed 20261201
set obs 200
generate person = _n
generate u0 = rnormal(0, 1)
generate u1 = rnormal(0, .3)
expand 6
bysort person: generate time = _n - 1
generate e = rnormal()
local rho = .6
forvalues t = 1/5 {
    bysort person (time): replace e = `rho'*e[_n-1] + sqrt(1 - `rho'^2)*rnormal() if time == `t'
}
generate y = 2 + u0 + (.5 + u1)*time + e
mixed y time || person: time, residuals(ar 1, t(time)) reml
ereturn list, all
estat wcorrelation
display "rho = " (exp(2*_b[r_atr1:_cons]) - 1)/(exp(2*_b[r_atr1:_cons]) + 1)
* the same model with independent residuals, for comparison
mixed y time || person: time, reml nolog
* Small-sample inference with the AR(1) error: Kenward-Roger degrees of freedom (REML).
* rho enters V non-linearly, so the adjusted VCE includes the curvature of V in rho.
mixed y time || person: time, residuals(ar 1, t(time)) reml dfmethod(kroger) nolog
estat df
* tests and combinations afterwards use the same DF method (F and t, not chi2 and z)
test time
lincom _cons + 5*time
* robust (sandwich) standard errors, clustered on the person, need ML
mixed y time || person: time, residuals(ar 1, t(time)) vce(robust) nolog
