"""The anova table layout from fixed numbers, against two tables Stata 17 printed (public
logs: `anova opt depstat##treat##season`, 240 obs, and `anova score class`, 9 obs), lines
right-stripped (Stata leaves two blanks after the Residual and Total MS)."""
from __future__ import annotations

from hlmshell.render import to_text
from hlmshell.render.anova import AnovaOutput, AnovaRow

STATA_2X2X2 = """
                         Number of obs =        240    R-squared     =  0.5677
                         Root MSE      =    8.01794    Adj R-squared =  0.5546

                  Source | Partial SS         df         MS        F    Prob>F
    ---------------------+----------------------------------------------------
                   Model |  19584.517          7   2797.7881     43.52  0.0000
                         |
                 depstat |  1601.6667          1   1601.6667     24.91  0.0000
                   treat |  13470.017          1   13470.017    209.53  0.0000
           depstat#treat |  35.266667          1   35.266667      0.55  0.4596
                  season |  3713.0667          1   3713.0667     57.76  0.0000
          depstat#season |  220.41667          1   220.41667      3.43  0.0653
            treat#season |  112.06667          1   112.06667      1.74  0.1880
    depstat#treat#season |  432.01667          1   432.01667      6.72  0.0101
                         |
                Residual |  14914.667        232   64.287356
    ---------------------+----------------------------------------------------
                   Total |  34499.183        239   144.34805"""

STATA_CLASS = """
                         Number of obs =          9    R-squared     =  0.5000
                         Root MSE      =          5    Adj R-squared =  0.3333

                  Source | Partial SS         df         MS        F    Prob>F
              -----------+----------------------------------------------------
                   Model |        150          2          75      3.00  0.1250
                         |
                   class |        150          2          75      3.00  0.1250
                         |
                Residual |        150          6          25
              -----------+----------------------------------------------------
                   Total |        300          8        37.5"""


def test_layout_matches_stata_three_way():
    terms = [("depstat", 1601.66667, 24.91, .4596e-20), ("treat", 13470.0167, 209.53, 1e-30),
             ("depstat#treat", 35.2666667, 0.55, .4596), ("season", 3713.06667, 57.76, 1e-12),
             ("depstat#season", 220.416667, 3.43, .0653),
             ("treat#season", 112.066667, 1.74, .1880),
             ("depstat#treat#season", 432.016667, 6.72, .0101)]
    out = AnovaOutput(240, .5677, .5546, 8.01794,
                      AnovaRow("Model", 19584.5167, 7, 43.52, 1e-30),
                      [AnovaRow(n, ss, 1, F, p) for n, ss, F, p in terms],
                      AnovaRow("Residual", 14914.6667, 232), AnovaRow("Total", 34499.1833, 239))
    assert to_text(out) == STATA_2X2X2


def test_layout_matches_stata_one_way_short_names():
    out = AnovaOutput(9, .5, 1 / 3, 5.0, AnovaRow("Model", 150, 2, 3.0, .125),
                      [AnovaRow("class", 150, 2, 3.0, .125)], AnovaRow("Residual", 150, 6),
                      AnovaRow("Total", 300, 8))
    assert to_text(out) == STATA_CLASS


def test_sequential_heading_and_long_names():
    name = "averyverylongname#another_long"        # 30 characters: the column widens
    out = AnovaOutput(1234, .1, .09, .51, AnovaRow("Model", 1.5, 3, 2.0, .1),
                      [AnovaRow(name, 1.5, 3, 2.0, .1)], AnovaRow("Residual", 10, 1230),
                      AnovaRow("Total", 11.5, 1233), sequential=True)
    lines = to_text(out).split("\n")
    assert lines[1].endswith("Number of obs =      1,234    R-squared     =  0.1000")
    assert lines[2].endswith("Root MSE      =        .51    Adj R-squared =  0.0900")
    assert lines[4] == " " * 24 + "Source |    Seq. SS         df         MS        F    Prob>F"
    assert lines[5] == "-" * 31 + "+" + "-" * 52
    assert lines[8] == f"{name} |        1.5          3          .5      2.00  0.1000"
    assert all(line.index("|") == 31 for line in lines[4:] if "|" in line)
