* The Stata language on the HSB data: macros, loops, a program and a power simulation
use hsb.dta, clear

* group-mean centring of several student-level variables, in one loop
local level1 ses female minority
foreach v of local level1 {
    quietly egen m_`v' = mean(`v'), by(id)
    quietly generate c_`v' = `v' - m_`v'
    label variable c_`v' "`v' centred within school"
}
summarize m_*

* one model per variable, each kept with estimates store
local models
foreach v of local level1 {
    quietly mixed mathach c_`v' m_`v' || id:
    estimates store m_`v'
    local models `models' m_`v'
    display as text "`v'" _col(12) "within " %6.3f _b[c_`v'] "   between " %6.3f _b[m_`v']
}
display "stored: `models'"
local n : word count `models'
display "`n' models"

* a small power simulation: 30 schools of 10 students, a within effect of .5
program define power2, rclass
    args schools students effect
    drop _all
    quietly set obs `schools'
    generate school = _n
    generate u = rnormal(0, 2)
    quietly expand `students'
    generate x = rnormal()
    generate y = 10 + `effect'*x + u + rnormal(0, 5)
    quietly mixed y x || school:
    return scalar b = _b[x]
    return scalar z = _b[x]/_se[x]
end
simulate b=r(b) z=r(z), reps(50) seed(2026) nodots: power2 30 10 .5
generate reject = abs(z) > invnormal(.975)
summarize b reject
forvalues k = 1/3 {
    display "replication `k': b = " %6.3f b[`k'] ", z = " %6.3f z[`k']
}
