"""Strategy advisor: how much data, how similar to ImageNet -> what to freeze and what to train."""

import streamlit as st

from explorer.advisor import LARGE_PER_CLASS, SIMILARITIES, feature_extractor_code, recommend
from explorer.models.backbones import get_backbone, list_backbones
from explorer.models.codegen import generate_keras_code
from explorer.errors import ExplorerInputError
from explorer.models.params import PLAN_LABELS, count_parameters, plan_flags
from explorer.figures.advisor import advisor_figure
from ui import freeze_state
from ui.zoo import backbone_layout, preset_finetune_lab

IMAGES, CLASSES, SIMILARITY, BACKBONE, OPEN, TRAIN = ("advisor.images", "advisor.classes", "advisor.similarity",
                                                     "advisor.backbone", "advisor.open_freeze_lab", "advisor.open_finetune_lab")
QUADRANTS = {("small", "similar"): "retrain only<br>the classifier", ("large", "similar"): "retrain the<br>top few layers",
             ("small", "different"): "linear<br>classifier on<br>earlier features",
             ("large", "different"): "retrain many<br>upper layers"}

SAVED = "advisor._saved"  # widget state is dropped while another page shows; keep the answers for the way back
for key, value in st.session_state.get(SAVED, {}).items():
    st.session_state.setdefault(key, value)

st.title("Strategy advisor")
st.markdown("*\"I have 300 X-ray images: what should I freeze?\"* Say how much labelled data you have and how "
            "much it looks like ImageNet's photos; the advisor applies the notes' rule and sets up the plan.")
backbones = {s.id: s for s in list_backbones() if s.weights_source != "none"}
cols = st.columns([1, 1, 3, 2])
images = cols[0].number_input("Labelled images", 1, 100_000_000, 300, step=100, key=IMAGES)
classes = cols[1].number_input("Classes", 2, 100_000, 2, step=1, key=CLASSES)
similarity = cols[2].segmented_control(
    "Compared with ImageNet's photos, your images are", SIMILARITIES, default="different", key=SIMILARITY,
    format_func={"similar": "similar (photos of things)", "different": "different (X-ray, satellite...)"}.get,
) or "different"
backbone = cols[3].selectbox("Backbone", list(backbones), format_func=lambda i: backbones[i].label, key=BACKBONE)
st.session_state[SAVED] = {key: st.session_state[key] for key in (IMAGES, CLASSES, SIMILARITY, BACKBONE)}

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
    freeze, train = st.columns(2)
    if freeze.button("Open in the Freeze Lab", key=OPEN, type="primary", icon=":material/ac_unit:", width="stretch"):
        freeze_state.load_config(backbone, spec.default_size, advice.head, advice.plan)
        st.switch_page("app_pages/freeze_lab.py")
    if train.button("Train it in the Fine-tune Lab", key=TRAIN, icon=":material/model_training:", width="stretch"):
        preset_finetune_lab(backbone, advice.head, advice.plan)
        st.switch_page("app_pages/finetune_lab.py")
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

