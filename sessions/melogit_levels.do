* Three-level and crossed multilevel logits on simulated data: pupils in classes in
* schools (40 schools x 5 classes x 12 pupils), and a crossed design of pupils' primary
* and secondary schools. Run from the repository root:  hlmshell sessions/melogit_levels.do
clear
set seed 20261130
set obs 2400
gen school = ceil(_n/60)
gen class = mod(ceil(_n/12) - 1, 5) + 1
gen x = rnormal()
gen u3 = rnormal()
bysort school: replace u3 = u3[1]
gen u2 = rnormal(0, .7)
bysort school class: replace u2 = u2[1]
gen y = runiform() < invlogit(-.5 + .8*x + u3 + u2)
melogit y x || school: || class:
estat icc
estat group
predict r3 r2, reffects
summarize r3 r2
melogit y x || school: || class:, intmethod(laplace) nolog
* crossed: primary school (30) by secondary school (20), no nesting
gen primary = mod(_n, 30) + 1
gen secondary = mod(ceil(_n/7), 20) + 1
gen p = rnormal(0, .8)
bysort primary: replace p = p[1]
gen s = rnormal(0, .5)
bysort secondary: replace s = s[1]
gen yc = runiform() < invlogit(.2 + .6*x + p + s)
melogit yc x || _all: R.primary || secondary:
