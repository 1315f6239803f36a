"""Case studies: the classic CNNs side by side, each one's key idea, and VGG16's memory per layer."""

import pandas as pd
import streamlit as st

from explorer.case_studies.key_ideas import key_idea, millions
from explorer.case_studies.zoo import BYTES_PER_VALUE, ZOO
from ui.state import case_studies as keys
from ui.zoo import zoo_figures, zoo_models

keys.STATE.start()
st.title("Case studies")
st.caption("Every count below comes from a Keras model built on this machine (random weights: the architecture "
           "is what is counted). Years and top-1 accuracies are published figures; the source is in the table.")
zoo = zoo_models()
models = [zoo[spec.id] for spec in ZOO]
bubbles, memory, report = zoo_figures()

st.plotly_chart(bubbles, width="stretch", theme=None, key="case.bubbles")
rows = [m.summary() for m in models]
table = pd.DataFrame({
    "network": [r["name"] for r in rows], "year": [r["year"] for r in rows],
    "top-1 %": [r["top1"] for r in rows], "parameters": [r["params"] for r in rows],
    "multiply-adds (G)": [r["madds"] / 1e9 for r in rows], "depth": [r["depth"] for r in rows],
    "input": [f"{r['input_size']}x{r['input_size']}" for r in rows], "top-1 source": [m.spec.top1_cite for m in models],
})
st.dataframe(table, hide_index=True, width="stretch", key="case.table", column_config={
    "year": st.column_config.NumberColumn(format="%d"),
    "top-1 %": st.column_config.NumberColumn(format="%.1f"),
    "parameters": st.column_config.NumberColumn(format="localized"),
    "multiply-adds (G)": st.column_config.NumberColumn(format="%.2f"),
    "top-1 source": st.column_config.TextColumn(width="large"),
})
with st.expander("What is counted, and the sources"):
    st.markdown(
        "- **Parameters**: every weight, biases and batch-norm statistics included (Keras' `count_params()`), "
        "with each network's 1000-class classifier.\n"
        "- **Multiply-adds**: one per weight use in Conv2D, DepthwiseConv2D, SeparableConv2D and Dense layers, "
        "for one image at the input size shown (the size the accuracy was measured at). Biases, batch norm, "
        "activations, pooling and residual adds are not counted.\n"
        "- **Depth**: the most layers with weights (the same four kinds) on any path from input to output, the "
        "papers' convention (GoogLeNet: \"22 layers deep when counting only layers with parameters\").\n"
        "- AlexNet, ZFNet and GoogLeNet are built by this app from their papers (`explorer/models/classic_nets.py`); "
        "the others are `keras.applications` models; EfficientNet-Lite0 is this app's own Keras build.\n"
        "- **Top-1 accuracy** (ImageNet validation):\n"
        + "\n".join(f"    - {m.spec.name}: {m.spec.top1:.1f}% ({m.spec.top1_source})" for m in models))

st.header("Key ideas")
names = {spec.id: spec.name.split(" (")[0] for spec in ZOO}
choice = st.segmented_control("Network", list(names), format_func=names.get, key=keys.NETWORK,
                              label_visibility="collapsed") or "vgg16"
idea = key_idea(choice, zoo)
spec = zoo[choice].spec
st.subheader(f"{spec.name} ({spec.year}): {idea.title}")
st.markdown(idea.text)
numbers, drawings = st.columns([2, 3])
numbers.markdown("| fact | value |\n|---|---|\n" + "".join(
    f"| {f.label} | **{f.value}**{f'<br>{f.note}' if f.note else ''} |\n" for f in idea.facts), unsafe_allow_html=True)
for diagram in idea.diagrams:
    drawings.caption(diagram.caption)
    drawings.graphviz_chart(diagram.dot)
if any("input" in d.dot for d in idea.diagrams):
    drawings.caption("Boxes: layer, what is folded into it, output shape · multiply-adds.")
st.caption(f"Paper: {spec.paper}. Built here with `{spec.keras_code}`.")

st.header("VGG16: memory per layer for one 224x224 image")
early = sum(r.activations for r in report.rows if r.name.startswith(("input", "block1", "block2")))
dense = sum(r.params for r in report.rows if r.type == "Dense")
st.plotly_chart(memory, width="stretch", theme=None, key="case.memory")
left, right = st.columns(2)
left.metric("Activations per image", f"{report.megabytes(report.activations):.1f} MB",
            help=f"{report.activations:,} values x {BYTES_PER_VALUE} bytes (float32)", border=True)
right.metric("Parameters", f"{report.megabytes(report.params):.1f} MB",
             help=f"{report.params:,} weights x {BYTES_PER_VALUE} bytes", border=True)
with_relu = report.activations + report.relu_copies
st.markdown(
    f"Activations sit early: the input and blocks 1-2 hold **{100 * early / report.activations:.0f}%** of them. "
    f"Parameters sit late: the three dense layers hold **{100 * dense / report.params:.0f}%** of them.\n\n"
    f"**How this is counted.** Each Keras layer's output once, the input image included, in float32 (4 bytes; "
    f"1 MB = 10^6 bytes): **{report.activations:,} values = {report.megabytes(report.activations):.1f} MB**. Keras "
    "fuses the ReLU into the convolution; a framework that keeps each convolution's output and its ReLU output "
    f"as two tensors stores {with_relu:,} values = {report.megabytes(with_relu):.1f} MB. The notes' *about 96 MB* "
    "(24 million values x 4 bytes) lies between the two conventions. Training keeps these activations for the "
    "backward pass, so it needs roughly twice as much per image.")
st.caption(f"Parameters: {report.params:,} in total ({millions(report.params)}), as Keras counts them.")
