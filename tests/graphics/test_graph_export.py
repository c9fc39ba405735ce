"""Drawing: graph export writes valid, non-blank PNG/SVG/PDF files (these cost time: a few)."""
from __future__ import annotations

import numpy as np
import pytest

from session_helpers import hsb_session
from session_helpers import run_lines as _run_lines

pytest.importorskip("matplotlib")


def run_lines(s, cmd):
    rc, lines = _run_lines(s, cmd)
    return rc, [line for line in lines if line]


@pytest.fixture(scope="module")
def drawn():
    s = hsb_session()
    assert run_lines(s, "twoway (scatter mathach ses in 1/400) (lfit mathach ses in 1/400), by(sector) "
                        'title("Math achievement")')[0] == 0
    return s


def test_png_is_valid_and_not_blank(drawn, tmp_path):
    from matplotlib.image import imread
    path = tmp_path / "g.png"
    rc, lines = run_lines(drawn, f"graph export {path}, width(400)")
    assert rc == 0 and lines[-1] == f"(file {path} written in PNG format)"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    img = imread(str(path))
    assert img.shape[1] == 400
    assert np.unique(img.reshape(-1, img.shape[2]), axis=0).shape[0] > 20  # drawn, not blank


def test_replace_of_a_new_file_notes_it(drawn, tmp_path):
    path = tmp_path / "new.svg"
    rc, lines = run_lines(drawn, f"graph export {path}, replace")
    assert lines[-2:] == [f"(file {path} not found)", f"(file {path} written in SVG format)"]


def test_svg_and_pdf(drawn, tmp_path):
    svg, pdf = tmp_path / "g.svg", tmp_path / "g.pdf"
    assert run_lines(drawn, f"graph export {svg}")[0] == 0
    assert run_lines(drawn, f"graph export {pdf}")[0] == 0
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text and "Math achievement" in text
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 2000


def test_export_refusals(drawn, tmp_path):
    path = tmp_path / "old.png"
    path.write_bytes(b"x")
    rc, lines = run_lines(drawn, f"graph export {path}")
    assert rc == 602 and lines[-2] == f"file {path} already exists"
    assert path.read_bytes() == b"x"
    rc, lines = run_lines(drawn, f"graph export {tmp_path / 'g.bmp'}")
    assert rc == 198 and not (tmp_path / "g.bmp").exists()
    rc, lines = run_lines(drawn, f"graph export {tmp_path / 'g.png'}, bogus")
    assert rc == 198 and lines[-2] == "option bogus not allowed"


def test_a_large_scatter_is_rasterised(tmp_path):
    from hlmshell.graphics.draw import export_bytes
    from hlmshell.graphics.spec import GraphSpec, Layer, Panel
    rng = np.random.default_rng(1)
    x = rng.standard_normal(30_000)
    spec = GraphSpec("twoway", [Panel([Layer("scatter", x, x + rng.standard_normal(len(x)))])])
    svg = export_bytes(spec, "svg")
    assert b"<image" in svg and len(svg) < 3_000_000  # one embedded bitmap, not 30k paths


def test_repl_hook_without_a_desktop_says_where_the_png_is(monkeypatch):
    from hlmshell.graphics.viewer import repl_hook
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    s = hsb_session()
    s.graph_hook = repl_hook(s)
    rc, lines = run_lines(s, "scatter mathach ses in 1/20")
    assert rc == 0 and lines[-1].startswith("(graph Graph drawn to ")
    path = lines[-1][len("(graph Graph drawn to "):-1]
    with open(path, "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    rc, lines = run_lines(s, "scatter mathach ses in 1/20, nodraw name(quiet)")
    assert rc == 0 and lines == ["scatter mathach ses in 1/20, nodraw name(quiet)"] or \
        not any("drawn to" in line for line in lines)


def test_a_failed_drawing_keeps_the_graphs_as_they_were():
    from hlmshell.errors import StataError
    s = hsb_session()
    run_lines(s, "scatter mathach ses in 1/5, name(old)")

    def broken(spec):
        raise StataError(198, "drawing failed")
    s.graph_hook = broken
    assert run_lines(s, "scatter mathach ses in 1/5, name(new)") == \
        (198, ["drawing failed", "r(198);"])
    assert list(s.graphs.graphs) == ["old"]
