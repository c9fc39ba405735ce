"""Graph commands → GraphSpec, without drawing (fast). Numeric references are independent
computations run in the test (numpy, scipy, statsmodels), tolerances stated per test."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import hsb_after, hsb_session
from session_helpers import run_lines as _run_lines


def run_lines(s, cmd):
    """(rc, the printed lines without blank ones)."""
    rc, lines = _run_lines(s, cmd)
    return rc, [line for line in lines if line]


def spec_of(session, name=None):
    from hlmshell.graphics.store import graph_store
    return graph_store(session).get(name)


@pytest.fixture(scope="module")
def hsb():
    return hsb_session()


def test_scatter_layers_hold_the_data_in_order(hsb):
    rc, _ = run_lines(hsb, "scatter mathach ses in 1/50")
    assert rc == 0
    spec = spec_of(hsb)
    layer = spec.panels[0].layers[0]
    assert layer.kind == "scatter"
    np.testing.assert_array_equal(layer.x, hsb.data.column("ses")[:50])
    np.testing.assert_array_equal(layer.y, hsb.data.column("mathach")[:50])
    assert spec.panels[0].xaxis.title == "standardized socio-economic status"
    assert spec.panels[0].legend is False


def test_overlay_with_bars_and_parens_agree(hsb):
    run_lines(hsb, "twoway scatter mathach ses || lfit mathach ses ||, title(A) name(a)")
    run_lines(hsb, "twoway (scatter mathach ses) (lfit mathach ses), title(A) name(b)")
    a, b = spec_of(hsb, "a"), spec_of(hsb, "b")
    assert [l.kind for l in a.panels[0].layers] == ["scatter", "line"] == \
        [l.kind for l in b.panels[0].layers]
    assert a.title == b.title == "A"
    np.testing.assert_allclose(a.panels[0].layers[1].y, b.panels[0].layers[1].y)
    assert a.panels[0].legend is True


def test_lfit_matches_numpy_polyfit(hsb):
    run_lines(hsb, "twoway lfit mathach ses if sector == 1")
    layer = spec_of(hsb).panels[0].layers[0]
    sel = hsb.data.column("sector") == 1
    slope, icept = np.polyfit(hsb.data.column("ses")[sel], hsb.data.column("mathach")[sel], 1)
    np.testing.assert_allclose(layer.y, icept + slope * layer.x, rtol=1e-10)  # same LS fit
    assert layer.x.min() == pytest.approx(hsb.data.column("ses")[sel].min())


def test_lfitci_band_matches_the_textbook_formula(hsb):
    from scipy.special import stdtr
    run_lines(hsb, "twoway lfitci mathach ses, level(90)")
    band, line = spec_of(hsb).panels[0].layers
    x, y = hsb.data.column("ses"), hsb.data.column("mathach")
    n, xbar = len(x), x.mean()
    sxx = ((x - xbar) ** 2).sum()
    b = ((x - xbar) * (y - y.mean())).sum() / sxx
    a = y.mean() - b * xbar
    s2 = ((y - a - b * x) ** 2).sum() / (n - 2)
    se = np.sqrt(s2 * (1 / n + (band.x - xbar) ** 2 / sxx))   # stdp of the mean prediction
    q = band.y2[0] - (a + b * band.x[0])
    q = q / se[0]
    assert stdtr(n - 2, q) == pytest.approx(0.95, abs=1e-12)  # the 95th t quantile
    np.testing.assert_allclose(band.y, a + b * band.x - q * se, rtol=1e-9)
    np.testing.assert_allclose(band.y2, a + b * band.x + q * se, rtol=1e-9)
    assert band.label == "90% CI" and line.label == "Fitted values"


def test_lowess_reproduces_a_straight_line():
    s = hsb_after("clear", "set obs 200", "gen double x = _n / 10", "gen double y = 3 - 2 * x")
    run_lines(s, "twoway lowess y x, bwidth(0.3)")
    layer = spec_of(s).panels[0].layers[0]
    np.testing.assert_allclose(layer.y, 3 - 2 * layer.x, atol=1e-10)  # local lines are exact


def test_histogram_bins_and_note(hsb):
    rc, lines = run_lines(hsb, "histogram mathach, frequency")
    assert rc == 0
    x = hsb.data.column("mathach")
    k = int(min(np.sqrt(len(x)), 10 * np.log10(len(x))))   # [R] histogram's default
    assert lines[-1] == f"(bin={k}, start=-2.832, width=.73223684)"
    layer = spec_of(hsb).panels[0].layers[0]
    counts, _ = np.histogram(x, bins=k, range=(x.min(), x.max()))
    np.testing.assert_array_equal(layer.y, counts)
    assert hsb.r.scalars["bin"] == k


def test_histogram_density_normal_overlay(hsb):
    run_lines(hsb, "histogram mathach, width(2) normal")
    panel = spec_of(hsb).panels[0]
    bars, normal = panel.layers
    assert np.sum(bars.y * 2) == pytest.approx(1.0, rel=1e-12)  # densities integrate to 1
    assert normal.label == "Normal density" and panel.yaxis.title == "Density"


def test_kdensity_gaussian_matches_scipy(hsb):
    from scipy.stats import gaussian_kde
    run_lines(hsb, "kdensity mathach, kernel(gaussian) bwidth(1.5) n(20)")
    layer = spec_of(hsb).panels[0].layers[0]
    x = hsb.data.column("mathach")
    ref = gaussian_kde(x, bw_method=1.5 / x.std(ddof=1))(layer.x)
    np.testing.assert_allclose(layer.y, ref, rtol=1e-9)
    assert hsb.r.scalars["bwidth"] == 1.5 and len(layer.x) == 20


def test_qnorm_quantiles(hsb):
    from scipy.stats import norm
    run_lines(hsb, "qnorm ses")
    layer = spec_of(hsb).panels[0].layers[0]
    x = np.sort(hsb.data.column("ses"))
    p = np.arange(1, len(x) + 1) / (len(x) + 1)
    np.testing.assert_allclose(layer.x, x.mean() + x.std(ddof=1) * norm.ppf(p), rtol=1e-10)
    np.testing.assert_array_equal(layer.y, x)


def test_by_makes_one_panel_per_group_and_a_note(hsb):
    run_lines(hsb, "scatter mathach ses, by(sector, cols(2))")
    spec = spec_of(hsb)
    assert [p.title for p in spec.panels] == ["0", "1"]
    assert spec.note.startswith("Graphs by ")
    assert sum(l.npoints for p in spec.panels for l in p.layers) == hsb.data.nobs


def test_function_plot():
    s = hsb_session(data=False)
    run_lines(s, "twoway function y = 2*x + 1, range(-1 1) n(5)")
    layer = spec_of(s).panels[0].layers[0]
    np.testing.assert_allclose(layer.x, [-1, -.5, 0, .5, 1])
    np.testing.assert_allclose(layer.y, [-1, 0, 1, 2, 3])


def test_graph_box_and_bar(hsb):
    run_lines(hsb, "graph box mathach, over(sector)")
    box = spec_of(hsb).panels[0].layers[0]
    sel = hsb.data.column("sector") == 1
    assert box.stats[1]["med"] == pytest.approx(np.median(hsb.data.column("mathach")[sel]))
    run_lines(hsb, "graph bar (mean) mathach, over(sector)")
    bar = spec_of(hsb).panels[0].layers[0]
    assert bar.y[1] == pytest.approx(hsb.data.column("mathach")[sel].mean(), rel=1e-12)
    assert bar.categories == ["0", "1"]


def test_options_are_applied(hsb):
    run_lines(hsb, 'scatter mathach ses, title("One" "Two") xtitle(SES) '
                   'xlabel(-2(1)2) ylabel(, angle(horizontal)) msymbol(Oh) mcolor(maroon) '
                   'legend(order(1 "pupils")) name(opt)')
    spec = spec_of(hsb, "opt")
    panel = spec.panels[0]
    assert spec.title == "One\nTwo" and panel.xaxis.title == "SES"
    assert [v for v, _ in panel.xaxis.labels] == [-2, -1, 0, 1, 2]
    assert panel.yaxis.angle == 0
    layer = panel.layers[0]
    assert layer.style["msymbol"] == "oh" and layer.label == "pupils"
    assert layer.style["mcolor"] == pytest.approx((144 / 255, 53 / 255, 59 / 255))


def test_graph_dir_drop_and_name_replace():
    s = hsb_session()
    run_lines(s, "scatter mathach ses in 1/10, name(g1)")
    rc, lines = run_lines(s, "scatter mathach ses in 1/10, name(g1)")
    assert rc == 110 and lines[-2:] == ["graph g1 already exists", "r(110);"]
    assert run_lines(s, "scatter mathach ses in 1/10, name(g1, replace)")[0] == 0
    run_lines(s, "histogram ses")
    rc, lines = run_lines(s, "graph dir")
    assert "g1" in " ".join(lines) and "Graph" in " ".join(lines)
    assert s.r.macros["list"] == "g1 Graph"
    run_lines(s, "graph drop g1")
    assert run_lines(s, "graph display g1")[0] == 111


@pytest.mark.parametrize("command, code, message", [
    ("twoway foo mathach ses", 198, "foo is not a twoway plot type"),
    ("scatter mathach ses, bogus(1)", 198, "option bogus not allowed"),
    ("scatter mathach", 102, "too few variables specified"),
    ("histogram mathach ses", 103, "too many variables specified"),
    ("scatter mathach nosuch", 111, "variable nosuch not found"),
    ("histogram mathach, bin(0)", 198, "bin() must be a positive integer"),
    ("scatter mathach ses if ses > 100", 2000, "no observations"),
    ("graph pie mathach", 321, "invalid subcommand pie"),
    ("graph bar (sum) mathach ses if 0, over(sector)", 2000, "no observations"),
])
def test_errors(hsb, command, code, message):
    rc, lines = run_lines(hsb, command)
    assert rc == code and lines[-2:] == [message, f"r({code});"]


def test_export_without_a_graph():
    s = hsb_session(data=False)
    assert run_lines(s, "graph export x.png") == (111, ["no graphs in memory", "r(111);"])


def test_string_variable_in_scatter():
    s = hsb_after("gen str5 name = \"a\"")
    rc, lines = run_lines(s, "scatter mathach name")
    assert rc == 109 and "name is a string variable" in lines


def test_a_failed_graph_command_keeps_the_graphs():
    s = hsb_session()
    run_lines(s, "scatter mathach ses in 1/10, name(keep)")
    before = dict(s.graphs.graphs)
    run_lines(s, "twoway (scatter mathach ses) (foo mathach ses), name(new)")
    assert s.graphs.graphs == before and s.graphs.current == "keep"


def test_reference_lines(hsb):
    run_lines(hsb, "scatter mathach ses in 1/20, yline(0 10, lpattern(dash)) xline(0)")
    panel = spec_of(hsb).panels[0]
    assert panel.ylines == [{"at": [0.0, 10.0], "lpattern": "dash"}]
    assert panel.xlines == [{"at": [0.0]}]


def test_lowess_of_many_points_is_drawn_at_400_of_them():
    s = hsb_after("clear", "set obs 5000", "gen double x = _n / 100",
                  "gen double y = 1 + x / 2")
    run_lines(s, "twoway lowess y x")
    layer = spec_of(s).panels[0].layers[0]
    assert len(layer.x) == 400 and layer.x[0] == 0.01 and layer.x[-1] == 50
    np.testing.assert_allclose(layer.y, 1 + layer.x / 2, atol=1e-9)


def test_set_scheme():
    s = hsb_session()
    assert run_lines(s, "set scheme s1mono")[0] == 0
    run_lines(s, "scatter mathach ses in 1/10")
    assert spec_of(s).scheme == "s1mono"
    run_lines(s, "scatter mathach ses in 1/10, scheme(s2color)")
    assert spec_of(s).scheme == "stata2"
    assert run_lines(s, "set scheme nosuch") == (111, ["scheme nosuch not found", "r(111);"])


def test_saving_and_graph_use_round_trip(tmp_path):
    s = hsb_session()
    path = tmp_path / "g.gph"
    rc, lines = run_lines(s, f"twoway (scatter mathach ses in 1/30) (lfit mathach ses), "
                             f"title(T) yline(5) saving({path})")
    assert rc == 0 and lines[-1] == f"(file {path} saved)"
    before = spec_of(s)
    assert run_lines(s, f"scatter mathach ses, saving({path})")[0] == 602
    run_lines(s, "graph drop _all")
    assert run_lines(s, f"graph use {path}, name(back)")[0] == 0
    back = spec_of(s, "back")
    assert back.title == "T" and back.panels[0].ylines == [{"at": [5.0]}]
    for a, b in zip(before.panels[0].layers, back.panels[0].layers):
        assert (a.kind, a.label, a.style) == (b.kind, b.label, b.style)
        np.testing.assert_array_equal(a.x, b.x)
        np.testing.assert_array_equal(a.y, b.y)
    rc, lines = run_lines(s, "graph use data/hsb.dta")
    assert rc == 610 and lines[-2] == "file data/hsb.dta not a Stata graph file"


def test_if_after_parenthesised_plots_restricts_every_plot(hsb):
    run_lines(hsb, "twoway (scatter mathach ses) (lfit mathach ses) if sector == 1 & ses > 0")
    scatter, fit = spec_of(hsb).panels[0].layers
    sel = (hsb.data.column("sector") == 1) & (hsb.data.column("ses") > 0)
    assert scatter.npoints == sel.sum()
    assert fit.x.max() == pytest.approx(hsb.data.column("ses")[sel].max())


def test_axis_label_suboptions(hsb):
    rc, _ = run_lines(hsb, "scatter mathach ses in 1/50, xlabel(#3, grid) "
                           "ylabel(, nogrid format(%4.1f) labsize(small) angle(0))")
    assert rc == 0
    panel = spec_of(hsb).panels[0]
    assert (panel.xaxis.count, panel.xaxis.grid) == (3, True)
    y = panel.yaxis
    assert (y.grid, y.format, y.labsize, y.angle) == (False, "%4.1f", "small", 0)
    assert run_lines(hsb, "scatter mathach ses, ylabel(, format(%q))")[0] == 120
    assert run_lines(hsb, "scatter mathach ses, ylabel(, bogus)")[0] == 198


def test_legend_layout(hsb):
    run_lines(hsb, "twoway (scatter mathach ses in 1/9) (lfit mathach ses), "
                   "legend(ring(0) pos(11) cols(1) size(small))")
    assert spec_of(hsb).panels[0].legend_layout == {"cols": 1, "position": 11, "ring": 0,
                                                     "size": "small"}
    assert run_lines(hsb, "scatter mathach ses, legend(cols(x))")[0] == 198
    assert run_lines(hsb, "scatter mathach ses, legend(bogus(1))")[0] == 198


def test_graph_combine_takes_the_panels_of_named_graphs(hsb):
    run_lines(hsb, "histogram mathach, name(c1, replace) title(First)")
    run_lines(hsb, "scatter mathach ses in 1/10, name(c2, replace) yline(3)")
    assert run_lines(hsb, "graph combine c1 c2, cols(1) title(Both) name(both, replace)")[0] == 0
    both = spec_of(hsb, "both")
    assert [p.title for p in both.panels] == ["First", ""] and both.cols == 1
    assert both.panels[1].ylines == [{"at": [3.0]}] and both.title == "Both"
    assert run_lines(hsb, "graph combine c1 nosuch")[0] == 111


def test_by_suboptions_are_applied(hsb):
    run_lines(hsb, "graph box mathach, by(sector, total rows(1) title(T) subtitle(S))")
    spec = spec_of(hsb)
    assert [p.title for p in spec.panels] == ["0", "1", "Total"]
    assert (spec.cols, spec.title, spec.subtitle) == (3, "T", "S")
    rc, _ = run_lines(hsb, "graph combine Graph, xtitle(x)")
    assert rc == 198   # combine has its own options; axis titles belong to the graphs


def test_marker_options_only_where_there_are_markers(hsb):
    assert run_lines(hsb, "line mathach ses in 1/5, msymbol(O)") == \
        (198, ["option msymbol not allowed", "r(198);"])
    assert run_lines(hsb, "histogram mathach, mcolor(red)")[0] == 198
    assert run_lines(hsb, "twoway connected mathach ses in 1/5, msymbol(D) lpattern(dash)")[0] == 0


# ------------------------------------------------------------------------------- xtline
@pytest.fixture(scope="module")
def panel():
    """Three panels of four times each, given out of time order (xtline sorts by time);
    panel 2 has a missing y and panel 3 a value label."""
    return hsb_after("clear", "set obs 12", "gen p = ceil(_n / 4)", "gen t = 4 - mod(_n - 1, 4)",
                     "gen y = p * 10 + t", "replace y = . in 6",
                     "label define pl 3 \"third\"", "label values p pl", "label var t \"wave\"")


def test_xtline_needs_xtset_with_a_time_variable(panel):
    assert run_lines(panel, "xtline y, nodraw")[0] == 459
    run_lines(panel, "xtset p")
    rc, lines = run_lines(panel, "xtline y, nodraw")
    assert rc == 459 and lines[0] == "time variable not set, use xtset panelvar timevar ..."
    assert run_lines(panel, "xtline y, nodraw i(p) t(t) name(it)")[0] == 0  # i() t() suffice
    run_lines(panel, "xtset p t")


def test_xtline_draws_one_panel_per_panel_in_time_order(panel):
    run_lines(panel, "xtset p t")
    rc, _ = run_lines(panel, "xtline y, nodraw byopts(cols(2) title(By)) name(xb, replace)")
    assert rc == 0
    spec = spec_of(panel, "xb")
    assert [p.title for p in spec.panels] == ["1", "2", "third"]
    assert spec.cols == 2 and spec.title == "By"
    first, second = spec.panels[0].layers[0], spec.panels[1].layers[0]
    np.testing.assert_array_equal(first.x, [1, 2, 3, 4])
    np.testing.assert_array_equal(first.y, [11, 12, 13, 14])
    np.testing.assert_array_equal(second.x, [1, 2, 4])      # the missing y is left out
    assert spec.panels[0].xaxis.title == "wave" and first.kind == "line"


def test_xtline_overlay_is_one_graph_with_a_line_per_panel(panel):
    run_lines(panel, "xtset p t")
    rc, _ = run_lines(panel, "xtline y if p > 1, overlay nodraw name(xo, replace) title(O)")
    assert rc == 0
    spec = spec_of(panel, "xo")
    assert len(spec.panels) == 1 and spec.title == "O"
    layers = spec.panels[0].layers
    assert [l.label for l in layers] == ["2", "third"] and spec.panels[0].legend
    np.testing.assert_array_equal(layers[1].y, [31, 32, 33, 34])


def test_xtline_refusals(panel):
    run_lines(panel, "xtset p t")
    assert run_lines(panel, "xtline y t, overlay nodraw")[0] == 103   # overlay: one varname
    assert run_lines(panel, "xtline y, addplot(line y t) nodraw")[0] == 198
    assert run_lines(panel, "xtline y, overlay(2) nodraw")[0] == 198
    assert run_lines(panel, "xtline y, t() nodraw")[0] == 198


def test_by_panels_are_headed_by_value_labels(hsb):
    run_lines(hsb, 'label define sec 0 "public" 1 "Catholic"')
    run_lines(hsb, "label values sector sec")
    run_lines(hsb, "scatter mathach ses, by(sector)")
    assert [p.title for p in spec_of(hsb).panels] == ["public", "Catholic"]


def test_rvfplot_and_rvpplot_after_regress(hsb):
    # reference: statsmodels OLS fitted values and residuals of the same model (1e-10)
    import statsmodels.api as sm
    run_lines(hsb, "quietly regress mathach ses")
    run_lines(hsb, "rvfplot, yline(0)")
    layer = spec_of(hsb).panels[0].layers[0]
    res = sm.OLS(hsb.data.column("mathach"), sm.add_constant(hsb.data.column("ses"))).fit()
    np.testing.assert_allclose(layer.x, res.fittedvalues, rtol=1e-10)
    np.testing.assert_allclose(layer.y, res.resid, rtol=1e-9, atol=1e-9)
    run_lines(hsb, "rvpplot ses")
    np.testing.assert_array_equal(spec_of(hsb).panels[0].layers[0].x, hsb.data.column("ses"))
    run_lines(hsb, "quietly mixed mathach ses || id:")
    assert run_lines(hsb, "rvfplot")[0] == 301
