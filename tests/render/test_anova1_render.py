"""Layouts of oneway, loneway and ttest from fixed numbers, compared line for line with
public Stata 17/18 logs (the numbers are those logs' printed values, with enough extra
digits that Stata's formats show what the logs show)."""
from __future__ import annotations

from hlmshell.render import to_text
from hlmshell.render.anova1 import (AnovaTable, LonewayOutput, OnewayOutput, SummaryTable,
                                    TRow, TtestOutput)


def test_loneway_layout_matches_public_log():
    # `loneway paid_dummy a7`, a public Stata 17 log (trailing blanks dropped)
    a = AnovaTable(36.2426946, 74.5435058, 251, 1951, 3.7792, 0.0)
    out = LonewayOutput("paid_dummy", "", "a7", 2203, 36.2426946 / (36.2426946 + 74.5435058),
                        a, 0.24195, 0.02871, 0.18568, 0.29822, .1104313, .1954683, 0.73539,
                        8.71)
    assert to_text(out).split("\n") == [
        "",
        "                 One-way analysis of variance for paid_dummy:",
        "",
        "                                             Number of obs =        2,203",
        "                                                 R-squared =       0.3271",
        "",
        "    Source                SS         df      MS            F     Prob > F",
        "-------------------------------------------------------------------------",
        "Between a7             36.242695    251    .14439321      3.78     0.0000",
        "Within a7              74.543506  1,951    .03820785",
        "-------------------------------------------------------------------------",
        "Total                   110.7862  2,202    .05031163",
        "",
        "         Intraclass       Asy.",
        "         correlation      S.E.       [95% conf. interval]",
        "         ------------------------------------------------",
        "            0.24195     0.02871       0.18568     0.29822",
        "",
        "         Estimated SD of a7 effect               .1104313",
        "         Estimated SD within a7                  .1954683",
        "         Est. reliability of a a7 mean            0.73539",
        "              (evaluated at n=8.71)",
    ]


def test_loneway_second_public_log_title_and_rows():
    # `loneway learning stratum if HL4 == 2`: an odd-length title centres one further right
    a = AnovaTable(319826.4, 1449279.0, 62, 4037, 14.37, 0.0)
    out = LonewayOutput("learning", "", "stratum", 4100, 0.1808, a, 0.17165, 0.03329,
                        0.10639, 0.23690, 8.624999, 18.94727, 0.93041, 64.52)
    lines = to_text(out).split("\n")
    assert lines[1] == "                  One-way analysis of variance for learning:"
    assert lines[8] == "Between stratum         319826.4     62    5158.4903     14.37     0.0000"
    assert lines[9] == "Within stratum           1449279  4,037    358.99901"
    assert lines[-4:] == [
        "         Estimated SD of stratum effect          8.624999",
        "         Estimated SD within stratum             18.94727",
        "         Est. reliability of a stratum mean       0.93041",
        "              (evaluated at n=64.52)"]


def test_oneway_anova_rows_match_public_log():
    # `oneway attendance_pa_perc treatment`, a public log (Stata 16 wording of the title and
    # Bartlett line; Stata 17 writes "Analysis of variance" and "Bartlett's
    # equal-variances test: chi2(2) =  45.3332    Prob>chi2 = 0.000", as another log shows)
    a = AnovaTable(9520.75858, 995275.5416, 2, 771, 3.6877, 0.0255, 8.5338, 2, 0.014)
    assert to_text(OnewayOutput(anova=a)).split("\n") == [
        "",
        "                        Analysis of variance",
        "    Source              SS         df      MS            F     Prob > F",
        "------------------------------------------------------------------------",
        "Between groups      9520.75858      2   4760.37929      3.69     0.0255",
        " Within groups      995275.542    771   1290.88916",
        "------------------------------------------------------------------------",
        "    Total            1004796.3    773   1299.86585",
        "",
        "Bartlett's equal-variances test: chi2(2) =   8.5338    Prob>chi2 = 0.014",
    ]


def test_oneway_bartlett_note_and_summary_table():
    a = AnovaTable(3147.53686, 3699.90674, 91, 29520, 275.97, 0.0, 439.3912, 20, 0.0,
                   single_cells=0, flat_cells=71)
    lines = to_text(OnewayOutput(anova=a)).split("\n")
    assert lines[-3:] == ["", "note: Bartlett's test performed on cells with positive variance:",
                          "      71 multiple-observation cells not used"]
    # the `tabulate, summarize()` layout (auto.dta's mpg by foreign, [R] tabulate, summarize())
    t = SummaryTable("Car origin", "Mileage (mpg)", ["Domestic", "Foreign"],
                     [19.826923, 24.772727], [4.7432972, 6.6111869], [52, 22],
                     (21.297297, 5.7855032, 74))
    assert to_text(OnewayOutput(summary=t)).split("\n") == [
        "",
        "            |      Summary of Mileage (mpg)",
        " Car origin |        Mean   Std. dev.       Freq.",
        "------------+------------------------------------",
        "   Domestic |   19.826923   4.7432972          52",
        "    Foreign |   24.772727   6.6111869          22",
        "------------+------------------------------------",
        "      Total |   21.297297   5.7855032          74",
    ]


def _two_sample(title="Two-sample t test with equal variances", df_label="Degrees of freedom",
                df=4989):
    rows = [TRow("0", 1387, 1366.748, 24.55256, 914.3973, 1318.584, 1414.913),
            TRow("1", 3604, 132.8615, 2.858769, 171.6214, 127.2566, 138.4665)]
    return TtestOutput(title, "Group", rows,
                       TRow("Combined", 4991, 475.759, 10.58387, 747.7191, 455.0099, 496.508),
                       TRow("diff", None, 1233.887, 15.91108, None, 1202.694, 1265.08),
                       "    diff = mean(0) - mean(1)", 77.5489, "H0: diff = 0", df_label, df,
                       ("diff", "0"), 1.0, 0.0, 0.0)


def test_two_sample_ttest_matches_public_log():
    # `ttest consumption_i, by(povertyline)`, a public Stata 17 log
    assert to_text(_two_sample()).split("\n") == [
        "",
        "Two-sample t test with equal variances",
        "------------------------------------------------------------------------------",
        "   Group |     Obs        Mean    Std. err.   Std. dev.   [95% conf. interval]",
        "---------+--------------------------------------------------------------------",
        "       0 |   1,387    1366.748    24.55256    914.3973    1318.584    1414.913",
        "       1 |   3,604    132.8615    2.858769    171.6214    127.2566    138.4665",
        "---------+--------------------------------------------------------------------",
        "Combined |   4,991     475.759    10.58387    747.7191    455.0099     496.508",
        "---------+--------------------------------------------------------------------",
        "    diff |            1233.887    15.91108                1202.694     1265.08",
        "------------------------------------------------------------------------------",
        "    diff = mean(0) - mean(1)                                      t =  77.5489",
        "H0: diff = 0                                     Degrees of freedom =     4989",
        "",
        "    Ha: diff < 0                 Ha: diff != 0                 Ha: diff > 0",
        " Pr(T < t) = 1.0000         Pr(|T| > |t|) = 0.0000          Pr(T > t) = 0.0000",
    ]


def test_unequal_df_lines_match_public_logs():
    out = _two_sample("Two-sample t test with unequal variances", "Welch's degrees of freedom",
                      180179.04)
    assert to_text(out).split("\n")[13] == (
        "H0: diff = 0                             Welch's degrees of freedom =   180179")
    out = _two_sample("x", "Satterthwaite's degrees of freedom", 2050.7743)
    assert to_text(out).split("\n")[13] == (
        "H0: diff = 0                     Satterthwaite's degrees of freedom =  2050.77")


def test_one_sample_and_paired_match_public_logs():
    one = TtestOutput("One-sample t test", "Variable",
                      [TRow("discipline", 53, 925.5283, 163.7075, 1191.809, 597.0252, 1254.031)],
                      left="    mean = mean(discipline)", t=3.8210, h0="H0: mean = 300", df=52,
                      ha=("mean", "300"), p_l=0.9998, p=0.0004, p_u=0.0002)
    assert to_text(one).split("\n")[5:] == [
        "discip~e |      53    925.5283    163.7075    1191.809    597.0252    1254.031",
        "------------------------------------------------------------------------------",
        "    mean = mean(discipline)                                       t =   3.8210",
        "H0: mean = 300                                   Degrees of freedom =       52",
        "",
        "   Ha: mean < 300               Ha: mean != 300               Ha: mean > 300",
        " Pr(T < t) = 0.9998         Pr(|T| > |t|) = 0.0004          Pr(T > t) = 0.0002",
    ]
    pr = TtestOutput("Paired t test", "Variable",
                     [TRow("fgt1", 5000, .561189, .0060163, .4254193, .5493943, .5729837),
                      TRow("fgt1_after", 5000, .5547453, .0060068, .4247434, .5429694,
                           .5665213)],
                     None, TRow("diff", 5000, .0064437, .000553, .0391046, .0053595, .0075278),
                     "     mean(diff) = mean(fgt1 - fgt1_after)", 11.6517,
                     " H0: mean(diff) = 0", "Degrees of freedom", 4999, ("mean(diff)", "0"),
                     1.0, 0.0, 0.0)
    assert to_text(pr).split("\n")[1:] == [
        "Paired t test",
        "------------------------------------------------------------------------------",
        "Variable |     Obs        Mean    Std. err.   Std. dev.   [95% conf. interval]",
        "---------+--------------------------------------------------------------------",
        "    fgt1 |   5,000     .561189    .0060163    .4254193    .5493943    .5729837",
        "fgt1_a~r |   5,000    .5547453    .0060068    .4247434    .5429694    .5665213",
        "---------+--------------------------------------------------------------------",
        "    diff |   5,000    .0064437     .000553    .0391046    .0053595    .0075278",
        "------------------------------------------------------------------------------",
        "     mean(diff) = mean(fgt1 - fgt1_after)                         t =  11.6517",
        " H0: mean(diff) = 0                              Degrees of freedom =     4999",
        "",
        " Ha: mean(diff) < 0           Ha: mean(diff) != 0           Ha: mean(diff) > 0",
        " Pr(T < t) = 1.0000         Pr(|T| > |t|) = 0.0000          Pr(T > t) = 0.0000",
    ]
