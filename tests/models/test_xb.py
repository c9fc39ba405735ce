"""models/xb.design_from_names rebuilds the fixed design from e(b)'s names: it must equal
the X that models/design.build_design made for the fit (an independent construction, from
the terms rather than the names), including base and omitted columns, to 0 (exact)."""
import numpy as np
import pytest

from hlmshell.models.design import build_design
from hlmshell.models.xb import design_from_names
from hlmshell.session import Session
from hlmshell.syntax.factor import resolver_for
from hlmshell.syntax.mixed_call import parse_mixed


@pytest.mark.parametrize("rhs", ["ses i.sector", "i.sector##c.ses", "c.ses#c.meanses ib1.sector",
                                 "i.minority#i.female ses"])
def test_names_rebuild_the_fit_design(rhs):
    s = Session()
    s.run("use hsb.dta, clear")
    call = parse_mixed(f"mathach {rhs} || id:", resolver_for(s.data.names))
    data = {v: s.data.column(v) for v in call.variables()}
    design = build_design(call.model_spec(), data)
    X = design_from_names(design.fixed_names, data, s.data.nobs)
    np.testing.assert_array_equal(X, design.X_all)


def test_xb_columns_after_mixed():
    s = Session()
    s.run("use hsb.dta, clear\nqui mixed mathach i.sector##c.ses || id: ses")
    eq, idx, names = s.estimates.active.xb_columns()
    assert eq == "mathach" and idx == list(range(6))
    assert names == ["0b.sector", "1.sector", "ses", "0b.sector#co.ses", "1.sector#c.ses", "_cons"]


def test_a_design_past_the_memory_limit_is_refused_before_it_is_built(monkeypatch):
    """r(909) once the regressors would pass MAX_DESIGN_BYTES (here lowered to 1 MB: 7,185
    rows x 20 columns x 8 bytes is 1.1 MB), instead of exhausting the machine's memory."""
    from hlmshell.models import design
    monkeypatch.setattr(design, "MAX_DESIGN_BYTES", 1 << 20)
    s = Session()
    s.run("use hsb.dta, clear")
    assert s.run("regress mathach " + "ses " * 19) == 909
    assert s.run("regress mathach ses sector") == 0
