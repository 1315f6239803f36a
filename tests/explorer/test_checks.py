"""The shared whole-number check: accepts counts, refuses everything else with the rule and value."""

import numpy as np
import pytest

from explorer.checks import check_whole_number
from explorer.errors import ExplorerInputError, InputSizeError


@pytest.mark.parametrize("value", [3, np.int64(3), 3.0])
def test_accepts_whole_numbers_in_range(value):
    assert check_whole_number(value, "epochs", 1, 10) == 3
    assert type(check_whole_number(value, "epochs", 1, 10)) is int


@pytest.mark.parametrize("value", [True, 2.5, "3", None, float("nan")])
def test_refuses_what_is_not_a_whole_number(value):
    with pytest.raises(ExplorerInputError, match="epochs must be a whole number"):
        check_whole_number(value, "epochs")


def test_names_the_range_and_the_value():
    with pytest.raises(ExplorerInputError, match=r"from 1 to 10\. Received: epochs=11"):
        check_whole_number(11, "epochs", 1, 10)
    with pytest.raises(ExplorerInputError, match=r"a positive whole number\. Received: n=0"):
        check_whole_number(0, "n", 1)


def test_raises_the_subclass_asked_for():
    with pytest.raises(InputSizeError):
        check_whole_number(-1, "input_size", 32, 512, error=InputSizeError)
