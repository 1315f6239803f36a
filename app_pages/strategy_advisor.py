"""Strategy advisor: how much data, how similar to ImageNet -> what to freeze and what to train."""

import streamlit as st

from explorer.advisor import LARGE_PER_CLASS, SIMILARITIES, feature_extractor_code, recommend
from explorer.models.backbones import get_backbone
from explorer.models.codegen import generate_keras_code
from explorer.errors import ExplorerInputError
from explorer.models.params import PLAN_LABELS, count_parameters, plan_flags
from explorer.figures.advisor import advisor_figure
from ui.state import advisor as keys, finetune, freeze
from ui.zoo import backbone_layout

QUADRANTS = {("small", "similar"): "retrain only<br>the classifier", ("large", "similar"): "retrain the<br>top few layers",
             ("small", "different"): "linear<br>classifier on<br>earlier features",
             ("large", "different"): "retrain many<br>upper layers"}

keys.STATE.start()
st.title("Strategy advisor")
st.markdown("*\"I have 300 X-ray images: what should I freeze?\"* Say how much labelled data you have and how "
            "much it looks like ImageNet's photos; the advisor applies the notes' rule and sets up the plan.")
cols = st.columns([1, 1, 3, 2])
images = cols[0].number_input("Labelled images", *keys.STATE.bounds(keys.IMAGES), step=100, key=keys.IMAGES)
classes = cols[1].number_input("Classes", *keys.STATE.bounds(keys.CLASSES), step=1, key=keys.CLASSES)
similarity = cols[2].segmented_control(
    "Compared with ImageNet's photos, your images are", SIMILARITIES, key=keys.SIMILARITY,
    format_func={"similar": "similar (photos of things)", "different": "different (X-ray, satellite...)"}.get,
) or "different"
backbone = cols[3].selectbox("Backbone", keys.pretrained_backbones(), key=keys.BACKBONE,
                             format_func=lambda i: get_backbone(i).label)

spec = get_backbone(backbone)
table, cuts = backbone_layout(backbone)
try:
    advice = recommend(int(images), int(classes), similarity, table, cuts)
except ExplorerInputError as exc:
    st.error(str(exc))
    st.stop()

matrix, card = st.columns([1, 1])
matrix.plotly_chart(advisor_figure(advice.quadrant, QUADRANTS), width="stretch", theme=None, key="advisor.matrix")
matrix.caption(f"\"A lot\" here means {LARGE_PER_CLASS:,} or more labelled images per class: a rule of thumb.")
with card:
    st.subheader(advice.title)
    st.markdown(f"**{advice.action}**")
    to_freeze, to_train = st.columns(2)
    if to_freeze.button("Open in the Freeze Lab", key=keys.OPEN, type="primary", icon=":material/ac_unit:",
                        width="stretch"):
        freeze.STATE.open(freeze.plan_values(backbone, spec.default_size, advice.head, advice.plan))
    if to_train.button("Train it in the Fine-tune Lab", key=keys.TRAIN, icon=":material/model_training:",
                       width="stretch"):
        finetune.STATE.open(finetune.plan_values(backbone, advice.head, advice.plan))
    st.caption("The Freeze Lab shows what the plan freezes and its Keras code; the Fine-tune Lab trains it at a small "
               "input size on built-in data or your ZIP" + ("." if spec.pretrained_available else
               f". Offline, {spec.label} has random weights here: for real transfer learning use EfficientNet-Lite0."))
    st.markdown("\n".join(f"- {reason}" for reason in advice.reasons))

st.header(f"The plan on {spec.label}")
counts = count_parameters(table, plan_flags(table, advice.plan), advice.head)
trained = (f"the last {advice.trained_layers} of {len(table.layers)} layers, from `{advice.first_trained}` on"
           if advice.trained_layers else f"none of the {len(table.layers)} backbone layers")
head = advice.head
plan_name = PLAN_LABELS[advice.plan.kind] + (f" ({advice.plan})" if advice.plan.kind == "last" else "")
st.markdown(f"- Backbone: **{plan_name}**: {trained}.\n"
            f"- New head (random weights): global average pooling"
            f"{f', Dense({head.hidden}, relu)' if head.hidden else ''}, Dense({head.outputs}, {head.activation}).")
for col, label, value in zip(st.columns(3), ("Total", "Trainable", "Non-trainable"),
                             (counts.total, counts.trainable, counts.non_trainable)):
    col.metric(label, f"{value:,}", border=True)
if advice.feature_layer:
    st.warning(f"The Freeze Lab and the Fine-tune Lab cannot cut the network at `{advice.feature_layer}` yet: their "
               "presets freeze the whole backbone and train a linear classifier on its last layer. To take the "
               "earlier features, use:")
    st.code(feature_extractor_code(spec.keras_code.format(size=spec.default_size, weights='"imagenet"'),
                                   advice.feature_layer, head), language="python")
else:
    with st.expander("Keras code for this plan"):
        st.code(generate_keras_code(table, head, advice.plan, plan_flags(table, advice.plan)), language="python")

