* Preparing a growth-curve file: six pupils tested four times, stored wide.
clear
set obs 6
generate id = _n
generate female = mod(id, 2)
label define sexlab 0 "boy" 1 "girl"
label values female sexlab
generate score1 = 40 + 2*id
generate score2 = score1 + 3 + mod(id, 3)
generate score3 = score2 + 2 + female
generate score4 = score3 + 4 - mod(id, 2)
replace score3 = . in 4
list, noobs

* wide -> long: one row per pupil and wave
reshape long score, i(id) j(wave)

* one row per pupil and wave, and no wave recorded twice
isid id wave
duplicates report id

* time in years since the first test, and centred at its mean
generate time = wave - 1
recode time (0 1 = 0) (2 3 = 1), generate(late)
summarize time
generate ctime = time - r(mean)

* person means and changes between waves with by/egen
bysort id: egen pmean = mean(score)
by id: egen nscores = count(score)
by id: generate change = score - score[_n-1]
by id: generate first = _n == 1
list id wave time ctime score pmean change in 1/8

* a level-2 file (one row per pupil) made with collapse, merged back
save growth_long, replace
collapse (mean) mscore=score (sd) sdscore=score (count) n=score (firstnm) female, by(id)
list, noobs
save growth_level2, replace
use growth_long, clear
merge m:1 id using growth_level2
tabulate _merge
bysort id (wave): list id wave score mscore n if _n == 1
summarize score mscore ctime
erase growth_long.dta
erase growth_level2.dta

* declare the panel structure: pupils (person) observed at times 0-3
rename id person
xtset person time
xtdescribe
xtsum score time
tabulate female wave if !missing(score)

* a linear growth model: a random intercept for each pupil, girls and boys compared
mixed score time i.female || person:, reml
