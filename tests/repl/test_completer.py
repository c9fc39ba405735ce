"""suggest(text_before_cursor, session): what Tab offers where (pure, no terminal)."""
from __future__ import annotations

import io

import numpy as np
import pytest
from prompt_toolkit.document import Document

from hlmshell.commands.registry import REGISTRY
from hlmshell.repl.completer import StataCompleter, analyse, suggest
from hlmshell.session import Session


@pytest.fixture
def s(tmp_path, tmp_cwd):
    for name in ("hsb1.dta", "hsb2.dta", "notes.txt", "model.do", "a.log"):
        (tmp_path / name).write_text("")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "extra.dta").write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.do").write_text("")
    (tmp_path / ".hidden.dta").write_text("")
    session = Session(out=io.StringIO())
    session.data.set_obs(2)
    for name in ("id", "mathach", "meanses", "ses", "sector"):
        session.data.add(name, np.zeros(2), "double")
    return session


def test_command_names(s):
    assert suggest("summ", s) == ["summarize"]
    assert suggest("disp", s) == ["display"]
    assert suggest("es", s) == ["estat", "estimates"]
    assert set(suggest("", s)) >= set(REGISTRY.names()) | {"quietly", "capture", "bysort"}
    assert suggest("qu", s) == ["quietly"]


def test_command_word_after_prefixes(s):
    assert suggest("qui di", s) == ["display"]
    assert suggest("capture noisily di", s) == ["display"]
    assert suggest("by id: di", s) == ["display"]
    assert suggest("bysort id sector: di", s) == ["display"]


def test_variable_names(s):
    assert suggest("di ma", s) == ["mathach"]
    assert suggest("di se", s) == ["ses", "sector"]
    assert suggest("di mathach + me", s) == ["meanses"]
    assert suggest("mixed mathach ses || id: s", s) == ["ses", "sector"]
    assert suggest("mixed mathach i.sec", s) == ["sector"]
    assert suggest("by i", s) == ["id"]
    assert suggest("di nothing", s) == []


def test_scalars_in_display(s):
    s.scalars["myscalar"] = 1.0
    assert suggest("di mys", s) == ["myscalar"]


def test_files_after_use_do_run_save_using(s):
    assert suggest("use hs", s) == ["hsb1.dta", "hsb2.dta"]
    assert suggest("use ", s) == ["data/", "sub/", "hsb1.dta", "hsb2.dta", "extra.dta"]
    assert suggest("save h", s) == ["hsb1.dta", "hsb2.dta"]
    assert suggest("do ", s) == ["data/", "sub/", "model.do"]
    assert suggest("run sub/", s) == ["sub/inner.do"]
    assert suggest("use data/e", s) == ["data/extra.dta"]
    assert suggest('use "hs', s) == ['"hsb1.dta', '"hsb2.dta']
    assert suggest("merge 1:1 id using n", s) == ["notes.txt"]
    assert suggest("log using a", s) == ["a.log"]
    assert suggest("cd ", s) == ["data/", "sub/"]
    assert suggest("use .h", s) == [".hidden.dta"]


def test_subcommands_help_and_options(s):
    assert suggest("estat i", s) == ["ic", "icc"]
    assert suggest("log ", s) == ["close", "off", "on", "query", "using"]
    assert suggest("scalar l", s) == ["list"]
    assert suggest("help dis", s) == ["display"]
    assert suggest("exit, c", s) == ["clear"]
    assert suggest("order ses, f", s) == ["first"]


def test_continued_lines_complete_on_the_logical_line(s):
    assert suggest("di 1 + ///\n  ma", s) == ["mathach"]
    assert suggest("di 1\ndis", s) == ["display"]


def test_prompt_toolkit_completer_replaces_the_fragment(s):
    comps = list(StataCompleter(s).get_completions(Document("di 1 + ma"), None))
    assert [(c.text, c.start_position) for c in comps] == [("mathach", -2)]
    comps = list(StataCompleter(s).get_completions(Document("use sub/i"), None))
    assert comps == []  # sub/ holds no .dta
    assert analyse("run sub/i", s) == ("sub/i", ["sub/inner.do"])
