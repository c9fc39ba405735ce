"""`estimates store/restore/replay/dir/drop/table/stats` and `ereturn list` / `return list`."""
import pytest

from session_helpers import hsb_after, hsb_session
from session_helpers import run_lines as run


@pytest.fixture()
def two():
    return hsb_after("quietly mixed mathach || id:", "est sto m0",
                     "quietly mixed mathach ses || id:", "estimates store m1")


def test_store_needs_results_and_one_valid_name():
    s = hsb_session()
    assert run(s, "est store x") == (301, ["last estimation results not found, nothing to store",
                                           "r(301);", "", ""])
    s.run("quietly mixed mathach || id:")
    assert run(s, "est sto a b")[0] == 198
    assert run(s, "est sto 1a")[0] == 198
    assert run(s, "est st x")[0] == 198  # `store` needs at least 3 letters
    assert run(s, "est sto x")[0] == 0


def test_restore_and_unknown_names(two):
    rc, out = run(two, "estimates restore m0")
    assert rc == 0 and out[0] == "(results m0 are active now)"
    assert two.estimates.active is two.estimates.stored["m0"]
    assert two.estimates.active_name == "m0"
    rc, out = run(two, "est res nosuch")
    assert rc == 111 and out[0] == "estimation result nosuch not found"
    assert run(two, "est replay nosuch")[0] == 111
    assert run(two, "est drop nosuch")[0] == 111
    rc, out = run(two, "estimates bogus")
    assert rc == 198 and out[0] == "subcommand estimates bogus is unrecognized"


def test_dir_lists_stored_results(two):
    rc, out = run(two, "est dir")
    assert out[1:7] == ["-" * 55,
                        "        name | command      depvar       npar  title",
                        "-" * 13 + "+" + "-" * 41,
                        "          m0 | mixed        mathach         3",
                        "          m1 | mixed        mathach         4",
                        "-" * 55]


def test_drop_one_and_all(two):
    assert run(two, "est drop m0")[0] == 0
    assert list(two.estimates.stored) == ["m1"]
    assert run(two, "estimates drop _all")[0] == 0
    assert two.estimates.stored == {}
    assert run(two, "est dir") == (0, ["", ""])


def test_replay_rebuilds_the_model_display(two):
    rc, out = run(two, "est replay m0")
    assert rc == 0
    assert out[1] == "-" * 79 and out[2] == "Model m0" and out[3] == "-" * 79
    assert any(line.startswith("Mixed-effects ML regression") for line in out)
    assert any(line.startswith("       _cons |   12.63707") for line in out)
    rc, out = run(two, "estimates replay")
    assert out[2] == "Model m1"  # the active results were stored as m1


def test_table_b_se_stats(two):
    rc, out = run(two, "est tab m0 m1, b se stats(N ll aic bic)")
    assert rc == 0
    assert out[2] == "    Variable |     m0           m1"
    assert out[4] == "mathach      |"
    assert out[5].startswith("         ses |            ")
    assert any(line.startswith("           N |       7185         7185") for line in out)
    assert out[-3] == " " * 28 + "Legend: b/se"
    rc, out = run(two, "est table")
    assert out[2] == "    Variable |   Active"


def test_stats_lists_every_model(two):
    rc, out = run(two, "estimates stats m0 m1")
    assert out[6].startswith("          m0 |      7,185          .  -23557.91       3")
    assert out[7].startswith("          m1 |      7,185          .   -23320.5       4")
    assert two.r.matrices["S"].rownames == ["m0", "m1"]


def test_ereturn_list_matches_handout_layout():
    s = hsb_session()
    s.run("quietly mixed mathach || id:")
    rc, out = run(s, "ereturn list")
    assert out[1] == "scalars:"
    assert out[2] == "               e(rank) =  3"
    assert out[11].startswith("                 e(ll) =  -23557.905108")
    assert '            e(cmdline) : "mixed mathach || id:"' in out
    assert "                  e(b) :  1 x 3" in out
    assert out[-4:-2] == ["functions:", "             e(sample)"]
    assert run(s, "eret li")[1] == out


def test_return_list_after_estat_icc():
    s = hsb_session()
    s.run("quietly mixed mathach || id:")
    s.run("quietly estat icc")
    rc, out = run(s, "return list")
    assert out[1] == "scalars:"
    assert out[2].startswith("               r(icc2) =  .17931")
    assert "                r(ci2) :  1 x 2" in out
    assert run(s, "return foo")[0] == 198


def test_table_formats_and_bad_options(two):
    rc, out = run(two, "est tab m0 m1, b(%9.3f) se(%9.3f)")
    assert rc == 0
    assert out[2] == "    Variable |    m0          m1"
    assert out[7].startswith("       _cons |    12.637      12.658")
    assert run(two, "est tab m0, b(%q)")[0] == 120
    assert run(two, "est tab m0, frobnicate")[0] == 198


def test_query():
    s = hsb_session()
    assert run(s, "est query")[1][0] == "(no estimation results)"
    s.run("quietly mixed mathach || id:")
    assert run(s, "est q")[1][0] == "(active results produced by mixed; not yet stored)"
    s.run("est sto m0")
    assert run(s, "estimates query")[1][0] == "(active results produced by mixed; also stored as m0)"


# ------------------------------------------------------- across regress, xtreg and mixed
def test_table_star_t_p_and_first_equation_matching():
    from session_helpers import hsb_after, run_lines
    s = hsb_after("quietly regress mathach ses", "estimates store ols",
                  "egen school = group(id)", "xtset school", "quietly xtreg mathach ses",
                  "estimates store re", "quietly mixed mathach ses || id:",
                  "estimates store mix")
    rc, lines = run_lines(s, "estimates table ols re mix, star stats(N r2 aic)")
    assert rc == 0
    assert lines[5].startswith("         ses |  3.1838703***    2.4830186***    2.39149"), lines
    assert lines[4] == "mathach      |"        # regress/xtreg joined mixed's first equation
    assert any(l.endswith("    Legend: * p<.05; ** p<.01; *** p<.001") for l in lines)
    aic = next(l for l in lines if l.startswith("         aic |"))
    assert aic.split()[3] == "."                # xtreg, re has no likelihood
    rc, lines = run_lines(s, "estimates table ols, t p")
    assert rc == 0 and "Legend: b/t/p" in [l.strip() for l in lines]
    # t = b/se (regress prints 32.78 for ses) and p from t(df_r)
    assert lines[5].split() == ["|", "32.78"] and lines[6].split() == ["|", "0.0000"]
    rc, lines = run_lines(s, "estimates table ols, star se")
    assert rc == 198 and lines[0] == "option star not allowed with se, t, or p"
