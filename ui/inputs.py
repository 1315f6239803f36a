"""A whole-number box that never silently ignores what was typed.

Streamlit 1.67's st.number_input with min_value/max_value keeps an out-of-range number in the
box, marks it with a small error icon and sends nothing: the page goes on with the old value
while the box shows the new one (Outputs 100,001, hidden units 16,385). Here the box has no
bounds of its own; a callback, which runs before the page, clamps the value into the range,
so the box shows what is used, and a toast says what happened.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui.i18n import _

__all__ = ["clamp_message", "number_input"]


def clamp_message(label: str, low: int, high: int, received: Any, used: int) -> str:
    """What the toast says: the rule, then the value typed and the value used."""
    return (_("{label} must be from {low} to {high}; {used} is used.").format(
        label=label, low=f"{low:,}", high=f"{high:,}", used=f"{used:,}")
        + f" Received: {received:,}")


def _clamp(key: str, label: str, low: int, high: int) -> None:
    value = st.session_state.get(key)
    if value is None:
        return
    used = int(min(max(value, low), high))
    if used != value:
        st.session_state[key] = used
        st.toast(clamp_message(label, low, high, value, used), icon=":material/warning:")


def number_input(label: str, low: int, high: int, *, key: str, step: int = 1, where: Any = None,
                 help: str | None = None) -> int:
    """st.number_input for a whole number from low to high, clamped visibly (see the module's note).

    The value starts from st.session_state[key] (the page's state sets it).
    """
    start = {} if key in st.session_state else {"value": int(low)}
    return int((where or st).number_input(label, step=int(step), key=key, help=help, on_change=_clamp,
                                          args=(key, label, int(low), int(high)), **start))
