"""Plotly figures, one module per thing drawn, all in one style (explorer.figures.style)."""
