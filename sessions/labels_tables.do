* Labels and tables on the HSB data: value labels, two-way tables, tabstat, correlations,
* summarize with detail, and a mixed model whose factor rows show the labels.
* Run from the repository root:  hlmshell sessions/labels_tables.do

use hsb.dta, clear
label define sectorlbl 0 "public" 1 "catholic"
label define minlbl 0 "other" 1 "minority"
label define sexlbl 0 "male" 1 "female"
label values sector sectorlbl
label values minority minlbl
label values female sexlbl
label variable sector "school sector"
label list
label dir
describe sector minority female
list id sector minority female in 1/6, sepby(id)

tabulate sector
tabulate sector minority, row chi2
return list
tabulate sector female, cell nofreq lrchi2
tabstat mathach ses, by(sector) statistics(mean sd min max n)
tabstat mathach, by(sector) statistics(mean sd p50 n)
correlate mathach ses meanses
pwcorr mathach ses size, sig
summarize mathach, detail

mixed mathach ses i.sector || id:, nolog
