"""Strategy advisor: how much data, how similar to ImageNet -> what to freeze and what to train."""

import streamlit as st

from explorer.advisor import LARGE_PER_CLASS, SIMILARITIES, feature_extractor_code, recommend
from explorer.models.backbones import get_backbone
from explorer.models.codegen import generate_keras_code
from explorer.errors import ExplorerInputError
from explorer.models.params import PLAN_LABELS, count_parameters, plan_flags
from explorer.figures.advisor import advisor_figure
from ui.upload import show_error
from ui.i18n import N_, _
from ui.inputs import number_input
from ui.state import advisor as keys, finetune, freeze
from ui.zoo import backbone_layout

QUADRANTS = {("small", "similar"): N_("retrain only<br>the classifier"),
             ("large", "similar"): N_("retrain the<br>top few layers"),
             ("small", "different"): N_("linear<br>classifier on<br>earlier features"),
             ("large", "different"): N_("retrain many<br>upper layers")}

keys.STATE.start()
st.title(_("Strategy advisor"))
st.markdown(_("*\"I have 300 X-ray images: what should I freeze?\"* Say how much labelled data you have and how "
              "much it looks like ImageNet's photos; the advisor applies the notes' rule and sets up the plan."))
# The two answers get a row of their own: beside three other inputs, their buttons broke onto two
# lines even at 1280 px.
cols = st.columns([1, 1, 2])
images = number_input(_("Labelled images"), *keys.STATE.bounds(keys.IMAGES), step=100, key=keys.IMAGES, where=cols[0])
classes = number_input(_("Classes"), *keys.STATE.bounds(keys.CLASSES), step=1, key=keys.CLASSES, where=cols[1])
backbone = cols[2].selectbox(_("Backbone"), keys.pretrained_backbones(), key=keys.BACKBONE,
                             format_func=lambda i: _(get_backbone(i).label))
similarity = st.segmented_control(
    _("Compared with ImageNet's photos, your images are"), SIMILARITIES, key=keys.SIMILARITY,
    format_func={"similar": _("similar (photos of things)"), "different": _("different (X-ray, satellite...)")}.get,
) or "different"

spec = get_backbone(backbone)
table, cuts = backbone_layout(backbone)
try:
    advice = recommend(int(images), int(classes), similarity, table, cuts)
except ExplorerInputError as exc:
    show_error(exc)
    st.stop()

matrix, card = st.columns([1, 1])
matrix.plotly_chart(advisor_figure(advice.quadrant, {q: _(t) for q, t in QUADRANTS.items()}), width="stretch",
                    theme=None, key="advisor.matrix", config={"displayModeBar": False})
matrix.caption(_("\"A lot\" here means {n} or more labelled images per class: a rule of thumb.").format(
    n=f"{LARGE_PER_CLASS:,}"))
with card:
    st.subheader(advice.title)
    st.markdown(f"**{advice.action}**")
    # One above the other: side by side, each had half the card and Streamlit cut their labels.
    if st.button(_("Open in the Freeze Lab"), key=keys.OPEN, type="primary", icon=":material/ac_unit:",
                 width="stretch"):
        freeze.STATE.open(freeze.plan_values(backbone, spec.default_size, advice.head, advice.plan))
    if st.button(_("Train it in the Fine-tune Lab"), key=keys.TRAIN, icon=":material/model_training:",
                 width="stretch"):
        finetune.STATE.open(finetune.plan_values(backbone, advice.head, advice.plan))
    st.caption(_("The Freeze Lab shows what the plan freezes and its Keras code; the Fine-tune Lab trains it at a small "
                 "input size on built-in data or your ZIP.") + ("" if spec.pretrained_available else " " + _(
                 "Offline, {label} has random weights here: for real transfer learning use EfficientNet-Lite0.").format(
                 label=_(spec.label))))
    st.markdown("\n".join(f"- {reason}" for reason in advice.reasons))

st.header(_("The plan on {label}").format(label=_(spec.label)))
counts = count_parameters(table, plan_flags(table, advice.plan), advice.head)
trained = (_("the last {n} of {total} layers, from `{first}` on").format(
    n=advice.trained_layers, total=len(table.layers), first=advice.first_trained)
    if advice.trained_layers else _("none of the {total} backbone layers").format(total=len(table.layers)))
head = advice.head
plan_name = _(PLAN_LABELS[advice.plan.kind]) + (f" ({advice.plan})" if advice.plan.kind == "last" else "")
st.markdown(_("- Backbone: **{plan}**: {trained}.\n- New head (random weights): global average pooling{layers}.").format(
    plan=plan_name, trained=trained,
    layers=f"{f', Dense({head.hidden}, relu)' if head.hidden else ''}, Dense({head.outputs}, {head.activation})"))
for col, label, value in zip(st.columns(3), (_("Total"), _("Trainable"), _("Non-trainable")),
                             (counts.total, counts.trainable, counts.non_trainable)):
    col.metric(label, f"{value:,}", border=True)
if advice.feature_layer:
    st.warning(_("The Freeze Lab and the Fine-tune Lab cannot cut the network at `{layer}` yet: their "
                 "presets freeze the whole backbone and train a linear classifier on its last layer. To take the "
                 "earlier features, use:").format(layer=advice.feature_layer))
    st.code(feature_extractor_code(spec.keras_code.format(size=spec.default_size, weights='"imagenet"'),
                                   advice.feature_layer, head), language="python")
else:
    with st.expander(_("Keras code for this plan")):
        st.code(generate_keras_code(table, head, advice.plan, plan_flags(table, advice.plan)), language="python")

