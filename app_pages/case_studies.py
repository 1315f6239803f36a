"""Case studies: the classic CNNs side by side, each one's key idea, and VGG16's memory per layer."""

import pandas as pd
import streamlit as st

from explorer.case_studies.key_ideas import key_idea, millions
from explorer.case_studies.zoo import BYTES_PER_VALUE, PUBLISHED_PARAMS, TORCHVISION_RESNET50_PARAMS, ZOO
from ui.i18n import _, current_language
from ui.state import case_studies as keys
from ui.zoo import zoo_figures, zoo_models

keys.STATE.start()
st.title(_("Case studies"))
st.caption(_("Every count below comes from a Keras model built on this machine (random weights: the architecture "
             "is what is counted). Years and top-1 accuracies are published figures; the source is in the table."))
zoo = zoo_models()
models = [zoo[spec.id] for spec in ZOO]
bubbles, memory, report = zoo_figures(current_language())

st.plotly_chart(bubbles, width="stretch", theme=None, key="case.bubbles")
rows = [m.summary() for m in models]
table = pd.DataFrame({
    "network": [r["name"] for r in rows], "year": [r["year"] for r in rows],
    "top-1 %": [m.spec.top1_text for m in models], "parameters": [r["params"] for r in rows],
    "multiply-adds (G)": [r["madds"] / 1e9 for r in rows], "depth": [r["depth"] for r in rows],
    "input": [f"{r['input_size']}x{r['input_size']}" for r in rows], "top-1 source": [m.spec.accuracy_note for m in models],
    "published parameters": [PUBLISHED_PARAMS[m.spec.id].text for m in models],
    "parameters source": [PUBLISHED_PARAMS[m.spec.id].source for m in models],
})
st.dataframe(table, hide_index=True, width="stretch", key="case.table", column_config={
    "network": _("network"), "depth": _("depth"), "input": _("input"),
    "year": st.column_config.NumberColumn(_("year"), format="%d"),
    "top-1 %": st.column_config.TextColumn(_("top-1 %")),
    "parameters": st.column_config.NumberColumn(_("parameters (Keras, counted here)"), format="localized"),
    "multiply-adds (G)": st.column_config.NumberColumn(_("multiply-adds (G)"), format="%.2f"),
    "top-1 source": st.column_config.TextColumn(_("top-1 source and protocol"), width="large"),
    "published parameters": _("published parameters"),
    "parameters source": st.column_config.TextColumn(_("parameters source"), width="medium"),
})
with st.expander(_("What is counted, and the sources")):
    st.markdown(_(
        "- **Parameters**: every weight, biases and batch-norm statistics included (Keras' `count_params()`), "
        "with each network's 1000-class classifier.\n"
        "- **Multiply-adds**: one per weight use in Conv2D, DepthwiseConv2D, SeparableConv2D and Dense layers, "
        "for one image at the input size shown (the size the accuracy was measured at). Biases, batch norm, "
        "activations, pooling and residual adds are not counted.\n"
        "- **Depth**: the most layers with weights (the same four kinds) on any path from input to output, the "
        "papers' convention (GoogLeNet: \"22 layers deep when counting only layers with parameters\").\n"
        "- AlexNet, ZFNet and GoogLeNet are built by this app from their papers (`explorer/models/classic_nets.py`); "
        "the others are `keras.applications` models; EfficientNet-Lite0 is this app's own Keras build.\n"
        "- **Top-1 accuracy** (ImageNet validation):\n")
        + "\n".join(f"    - {m.spec.name}: {m.spec.top1_text} ({m.spec.accuracy_note})" for m in models))
with st.expander(_("Why Keras counts more parameters than torchvision and the papers")):
    resnet = zoo["resnet50"]
    biases, stats = resnet.keras_extras
    st.markdown(_(
        "Keras counts BatchNormalization's moving mean and variance as (non-trainable) parameters; torchvision keeps "
        "them as buffers and the papers leave them out. Keras' ResNet (v1) convolutions also carry biases, which a "
        "convolution followed by BatchNormalization does not need (beta shifts the same channel). ResNet50: Keras "
        "counts **{keras}**, torchvision **{tv}**. The difference, counted from the Keras model built here: {biases} "
        "convolution biases + {stats} moving means and variances = **{extra}** = 3 x {channels} channels; "
        "{keras} - {extra} = {rest}. MobileNetV2 and EfficientNet-B0 differ for the moving statistics alone, which "
        "is why even a fully unfrozen Keras model reports non-trainable parameters.").format(
        keras=f"{resnet.keras_params:,}", tv=f"{TORCHVISION_RESNET50_PARAMS:,}", biases=f"{biases:,}",
        stats=f"{stats:,}", extra=f"{biases + stats:,}", channels=f"{biases:,}",
        rest=f"{resnet.keras_params - biases - stats:,}"))
    st.caption(_("Accuracies differ between sources mostly by protocol: input size (224 or 299), one centre crop "
                 "or ten crops, one model or an ensemble. Each figure above names its source and protocol; where "
                 "no primary source was found the table says \"not published\"."))

st.header(_("Key ideas"))
names = {spec.id: spec.name.split(" (")[0] for spec in ZOO}
choice = st.segmented_control(_("Network"), list(names), format_func=names.get, key=keys.NETWORK,
                              label_visibility="collapsed") or "vgg16"
idea = key_idea(choice, zoo)
spec = zoo[choice].spec
st.subheader(f"{spec.name} ({spec.year}): {idea.title}")
st.markdown(idea.text)
numbers, drawings = st.columns([2, 3])
numbers.markdown("| " + _("fact") + " | " + _("value") + " |\n|---|---|\n" + "".join(
    f"| {f.label} | **{f.value}**{f'<br>{f.note}' if f.note else ''} |\n" for f in idea.facts), unsafe_allow_html=True)
for diagram in idea.diagrams:
    drawings.caption(diagram.caption)
    drawings.graphviz_chart(diagram.dot)
for legend in dict.fromkeys(d.legend for d in idea.diagrams if d.legend):
    drawings.caption(legend)
st.caption(_("Paper: {paper}. Built here with `{code}`.").format(paper=spec.paper, code=spec.keras_code))

st.header(_("VGG16: memory per layer for one 224x224 image"))
early = sum(r.activations for r in report.rows if r.name.startswith(("input", "block1", "block2")))
dense = sum(r.params for r in report.rows if r.type == "Dense")
st.plotly_chart(memory, width="stretch", theme=None, key="case.memory")
left, right = st.columns(2)
left.metric(_("Activations per image"), f"{report.megabytes(report.activations):.1f} MB", border=True,
            help=_("{n} values x {b} bytes (float32)").format(n=f"{report.activations:,}", b=BYTES_PER_VALUE))
right.metric(_("Parameters"), f"{report.megabytes(report.params):.1f} MB", border=True,
             help=_("{n} weights x {b} bytes").format(n=f"{report.params:,}", b=BYTES_PER_VALUE))
with_relu = report.activations + report.relu_copies
st.markdown(_(
    "Activations sit early: the input and blocks 1-2 hold **{early}** of them. "
    "Parameters sit late: the three dense layers hold **{dense}** of them.\n\n"
    "**How this is counted.** Each Keras layer's output once, the input image included, in float32 (4 bytes; "
    "1 MB = 10^6 bytes): **{values} values = {mb} MB**. Keras "
    "fuses the ReLU into the convolution; a framework that keeps each convolution's output and its ReLU output "
    "as two tensors stores {relu_values} values = {relu_mb} MB. The notes' *about 96 MB* "
    "(24 million values x 4 bytes) lies between the two conventions. Training keeps these activations for the "
    "backward pass, so it needs roughly twice as much per image.").format(
    early=f"{100 * early / report.activations:.0f}%", dense=f"{100 * dense / report.params:.0f}%",
    values=f"{report.activations:,}", mb=f"{report.megabytes(report.activations):.1f}",
    relu_values=f"{with_relu:,}", relu_mb=f"{report.megabytes(with_relu):.1f}"))
st.caption(_("Parameters: {n} in total ({short}), as Keras counts them.").format(
    n=f"{report.params:,}", short=millions(report.params)))
