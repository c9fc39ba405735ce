"""Fixtures shared by every test folder, and this folder on sys.path so that the helper
modules here (session_helpers, handout_blocks, fuzz_commands) import from the test modules
in every subfolder, whatever pytest's import mode."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)


@pytest.fixture
def tmp_cwd(tmp_path, monkeypatch):
    """Work in tmp_path, with no HLMSHELL_DATAPATH from the environment; gives tmp_path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HLMSHELL_DATAPATH", raising=False)
    return tmp_path
