"""numlists as [U] 11.1.8 defines them."""
import pytest

from hlmshell.errors import StataError
from hlmshell.syntax.numlist import parse_numlist


@pytest.mark.parametrize("text, want", [
    ("-1 0 1", [-1, 0, 1]), ("-2(0.5)2", [-2, -1.5, -1, -.5, 0, .5, 1, 1.5, 2]),
    ("1/5", [1, 2, 3, 4, 5]), ("5/3", [5, 4, 3]), ("0 1 to 3", [0, 1, 2, 3]),
    ("1[2]7", [1, 3, 5, 7]), ("10 8 : 4", [10, 8, 6, 4]), ("0(.1).3", [0, .1, .2, .3]),
    ("1, 2", [1, 2]), ("-3/-1", [-3, -2, -1]), ("1 (2) 5", [1, 3, 5])])
def test_numlists(text, want):
    assert parse_numlist(text) == pytest.approx(want, abs=1e-15)


@pytest.mark.parametrize("text", ["a", "1(0)3", "1(-1)3", "1 to 3", "1/", "(1)"])
def test_invalid_numlist_is_121(text):
    with pytest.raises(StataError) as e:
        parse_numlist(text)
    assert e.value.code == 121


def test_too_many_elements_is_123():
    with pytest.raises(StataError) as e:
        parse_numlist("1/100000")
    assert e.value.code == 123
