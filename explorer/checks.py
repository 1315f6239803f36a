"""Checks shared by the whole library: one rule, one message ("rule. Received: name=value")."""

from __future__ import annotations

from numbers import Integral

from explorer.errors import ExplorerInputError


def check_whole_number(
    value: object,
    name: str,
    low: int | None = None,
    high: int | None = None,
    *,
    error: type[ExplorerInputError] = ExplorerInputError,
) -> int:
    """Return value as an int if it is a whole number within [low, high] (either bound optional).

    Bools are refused (True is not a count); NumPy integers and floats with no fraction
    (3.0, as number inputs and JSON give them) are accepted.

    Raises:
        error (ExplorerInputError or a subclass): naming the rule and the value received.
    """
    whole = isinstance(value, Integral) and not isinstance(value, bool)
    if not whole and isinstance(value, float) and value.is_integer():
        value, whole = int(value), True
    if whole and (low is None or value >= low) and (high is None or value <= high):  # type: ignore[operator]
        return int(value)  # type: ignore[arg-type]
    if low is not None and high is not None:
        rule = f"a whole number from {low} to {high}"
    elif low is not None:
        rule = "a positive whole number" if low == 1 else f"a whole number >= {low}"
    elif high is not None:
        rule = f"a whole number <= {high}"
    else:
        rule = "a whole number"
    raise error(f"{name} must be {rule}. Received: {name}={value!r}")
