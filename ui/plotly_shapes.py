"""A Plotly chart whose shapes the user drags and resizes, with the new positions back in Python.

Plotly moves a layout shape on the chart when its config allows it (``edits.shapePosition``),
but st.plotly_chart reports only selections and clicks: a shape moved in the browser would
never reach the script. So a tiny component (st.components.v2, inline JavaScript: no files, no
network) listens to the chart's ``plotly_relayout`` event and sends every shape's corners, in
the figure's order, as a one-run trigger value. The chart is found by its key's CSS class, which
Streamlit gives every keyed element (``st-key-<key>``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

Corners = tuple[float, float, float, float]
"""A shape's x0, y0, x1, y1, as the chart reports them (corners in any order)."""

_JS = """
export default function ({ data, setTriggerValue }) {
  const selector = `.st-key-${data.chart} .js-plotly-plot`;
  let graph = null;
  let timer = null;
  const onRelayout = (event) => {
    if (!Object.keys(event || {}).some((name) => name.startsWith("shapes"))) return;
    const shapes = (graph.layout.shapes || []).map((s) => [s.x0, s.y0, s.x1, s.y1].map(Number));
    setTriggerValue("moved", shapes);
  };
  const hook = (tries) => {
    graph = document.querySelector(selector);
    if (!graph || typeof graph.on !== "function") {
      if (tries > 0) timer = setTimeout(() => hook(tries - 1), 100);
      return;
    }
    if (graph.__shapeHook) graph.removeListener("plotly_relayout", graph.__shapeHook);
    graph.__shapeHook = onRelayout;
    graph.on("plotly_relayout", onRelayout);
  };
  hook(300);
  return () => {
    clearTimeout(timer);
    if (graph && graph.__shapeHook === onRelayout) {
      graph.removeListener("plotly_relayout", onRelayout);
      delete graph.__shapeHook;
    }
  };
}
"""

_listener = st.components.v2.component("cnn_explorer.shape_listener", js=_JS)


def _css_key(key: str) -> str:
    """The class suffix Streamlit gives a keyed element: anything but letters, digits, - and _ becomes -."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", key)


def draggable_chart(fig: Any, key: str, config: dict[str, Any],
                    on_move: Callable[[Sequence[Corners]], None]) -> None:
    """Draw a Plotly figure whose shapes can be dragged (config from the figure's module) and
    call on_move with every shape's corners, in order, before the run that follows a drag.

    on_move runs as a widget callback: it may set the page's state (PageState.set) for the
    widgets drawn after it, and the figure is drawn afresh from that state.
    """
    st.plotly_chart(fig, theme=None, key=key, config=config, width="stretch")

    def moved() -> None:
        shapes = (st.session_state.get(f"{key}.shapes") or {}).get("moved")
        if shapes:
            on_move([tuple(float(v) for v in corners) for corners in shapes])

    _listener(key=f"{key}.shapes", data={"chart": _css_key(key)}, on_moved_change=moved, height=0)
