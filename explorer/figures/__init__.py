"""Plotly figures, one module per thing drawn, all in one style (explorer.figures.style).

params (the Freeze Lab's parameter bars), convolution (sliding windows, feature maps,
receptive fields), activations (feature-map grids, overlays, Grad-CAM, predictions),
training (curves, run overlays, confusion matrix), zoo (the case studies), detection
(IoU, matches, precision-recall) and advisor (the strategy matrix). Every builder ends in
``_figure`` and returns its figure through ``style.apply_style``; only this package imports
Plotly.
"""
