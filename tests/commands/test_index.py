"""commands/_index.py lets the shell start without importing every command module; it must
name every registered command with its minimum abbreviation and module."""
from hlmshell.commands import index
from hlmshell.commands._index import INDEX


def test_index_is_current():
    assert INDEX == index.current(), \
        "commands/_index.py is stale: run python -m hlmshell.commands.index"


def test_session_starts_without_the_command_modules(tmp_path):
    import subprocess
    import sys
    code = ("import sys; from hlmshell.session import Session; s = Session(); "
            "print(sorted(m for m in sys.modules if m.startswith('hlmshell.commands.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, env={"PYTHONPATH": str(index.__file__).rsplit("/hlmshell/", 1)[0]})
    loaded = eval(out.stdout)
    assert "hlmshell.commands.regress" not in loaded and "hlmshell.commands.graphs" not in loaded
    assert len(loaded) < 15, loaded
