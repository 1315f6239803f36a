"""Activations Lab: a photo goes into a CNN; see what each layer sees and where the evidence is."""

import streamlit as st

from explorer.figures import activations as figs
from explorer.activations import network_strip, short_label
from explorer.models.backbones import list_backbones
from explorer.io.imagenet import imagenet_class_names
from ui import activations as act
from ui.i18n import _, translated_tabs
from ui.state import activations as keys
from ui.upload import error_text, photo_help, photo_uploader

keys.STATE.start()
st.title(_("Activations Lab"))

with st.sidebar:
    specs = {s.id: s for s in list_backbones()}
    st.selectbox(_("Backbone"), list(specs), key=keys.BACKBONE,
                 format_func=lambda i: _(specs[i].label) if specs[i].pretrained_available
                 else f"{_(specs[i].label)} · " + _("random weights"))
    st.radio(_("Sample photo"), keys.STATE.options(keys.SAMPLE), key=keys.SAMPLE, horizontal=True,
             format_func=lambda s: _(s).capitalize())
    photo_uploader(_("Or your own photo"), keys.UPLOAD, help=photo_help() + " " + _("Remove it to go back to the samples."))

photo, error = act.current_photo()
if error:
    st.error(f"{error_text(error)}  \n" + _("Showing the sample photo instead."), icon=":material/broken_image:")
ex = act.extractor(st.session_state[keys.BACKBONE])
pixels = act.network_input(photo.digest, ex.input_size, photo)
shown = act.network_input(photo.digest, act.PHOTO_SIDE, photo)

with st.sidebar:
    st.image(shown, caption=_("What {network} sees: the centre {n}×{n} of {photo} ({w}×{h})").format(
        network=ex.spec.label.split(" (")[0], n=ex.input_size, photo=photo.name, w=photo.original_size[0],
        h=photo.original_size[1]))
if ex.pretrained:
    st.caption((_("**{label}** with ImageNet weights and its classifier, on a {n}×{n} crop.") if ex.has_imagenet_head
                else _("**{label}** with ImageNet weights, on a {n}×{n} crop.")).format(label=_(ex.spec.label),
                                                                                       n=ex.input_size))
else:
    st.caption(":orange[" + _("**{label}**: ImageNet weights are not on this machine, so these filters are random, "
                              "not learned.").format(label=ex.label) + "] "
               + _("EfficientNet-Lite0 is pretrained everywhere."))

# The feature maps rerun on their own (a fragment): a new layer, channel or scale redraws this tab
# only, not the sidebar and its photo. The backbone and the photo rerun the whole page.
@st.fragment
def feature_maps() -> None:
    keys.STATE.follow()
    act.ensure_layer(ex, photo.digest)  # a new stage starts at its own layer
    acts = act.activations(ex.spec.id, photo.digest, (st.session_state[keys.LAYER],), pixels)
    stages = {s.index: s for s in ex.stages}
    # A row of its own for the two choices with long names (a layer's name and shape fit a 1024-px
    # projector); the grid's and the enlarged map's own controls sit above each.
    c1, c2 = st.columns([2, 3])
    c1.selectbox(_("Stage (resolution)"), list(stages), key=keys.STAGE, format_func=lambda i: stages[i].label)
    stage = stages[st.session_state[keys.STAGE]]
    c2.selectbox(_("Layer"), stage.layers, key=keys.LAYER, format_func=lambda n: f"{n} · {ex.layer(n).shape_text}")
    layer = ex.layer(st.session_state[keys.LAYER])
    output, ranking, facts = acts.output(layer.name), acts.ranking(layer.name), acts.facts[layer.name]
    st.markdown(_("**{name}** ({type}) outputs **{shape}**: {n} maps of {h}×{w} · mean activation **{mean}** · "
                  "max {max} · **{zeros}** zeros after ReLU").format(
        name=layer.name, type=layer.type, shape=layer.shape_text, n=facts.channels, h=layer.output_shape[0],
        w=layer.output_shape[1], mean=f"{facts.mean_activation:.3g}", max=f"{facts.max_activation:.3g}",
        zeros=f"{facts.zero_fraction:.0%}"))
    grid, large = st.columns([3, 2])
    g1, g2 = grid.columns([3, 2])
    g1.select_slider(_("Channels in the grid"), figs.CHANNEL_COUNTS, key=keys.COUNT)
    g2.radio(_("Colour scale"), keys.SCALES, key=keys.SCALE, format_func=_)
    r1, r2 = large.columns([3, 2])
    # Option texts must not depend on the photo: the browser keeps a kept value's old text.
    r1.selectbox(_("Channel to enlarge, by activity"), range(layer.channels), key=keys.RANK,
                 format_func=lambda r: _("the most active") if r == 0 else _("#{n} most active").format(n=r + 1))
    r2.slider(_("Map over photo"), 0.0, 1.0, step=0.1, key=keys.OPACITY)
    rank = st.session_state[keys.RANK]
    channel = int(ranking[rank])
    # Both pictures are built before either is sent: once the first reaches the browser, drawing it
    # competes for the CPU with whatever the server still has to do (on a laptop serving itself).
    grid_figure = figs.feature_grid_figure(output, ranking, st.session_state[keys.COUNT],
                                           st.session_state[keys.SCALE] == "shared", layer)
    overlay_figure = figs.channel_overlay_figure(
        shown, output[:, :, channel], st.session_state[keys.OPACITY],
        _("ch {channel} (#{rank}, mean {mean})<br>{h}×{w} cells over the photo").format(
            channel=channel, rank=rank + 1, mean=f"{output[:, :, channel].mean():.3g}",
            h=layer.output_shape[0], w=layer.output_shape[1]))
    grid.plotly_chart(grid_figure, theme=None, key="act.grid_chart", config={"displayModeBar": False})
    large.plotly_chart(overlay_figure, theme=None, key="act.channel_chart", config={"displayModeBar": False})


tabs = translated_tabs(keys.TABS, key=keys.TAB, on_change="rerun")
if tabs["Feature maps"].open is not False:
    with tabs["Feature maps"]:
        feature_maps()
if not tabs["Feature maps"].open:  # another tab is open: the same photo's strip, facts and predictions
    act.ensure_layer(ex, photo.digest)  # the facts chart marks the layer (the feature maps check it themselves)
    acts = act.activations(ex.spec.id, photo.digest, act.strip_layers(ex), pixels)

if tabs["Through the network"].open:
    with tabs["Through the network"]:
        st.caption(_("One map per stage (its most active channel), from the first convolution to the last "
                     "feature map: edges and colours first, then textures, then parts."))
        st.plotly_chart(figs.network_strip_figure(network_strip(acts)), theme=None, key="act.strip_chart",
                        config={"displayModeBar": False})
        st.plotly_chart(figs.layer_facts_figure([acts.facts[l.name] for l in ex.layers], ex.layers,
                                                st.session_state[keys.LAYER]), theme=None, key="act.facts_chart")

if tabs["First-layer filters"].open:
    with tabs["First-layer filters"]:
        bank = ex.first_layer_filters()
        if bank is None:
            st.info(_("This network has no ordinary convolution on the RGB image."))
        else:
            st.plotly_chart(figs.filters_figure(bank), theme=None, key="act.filters_chart")
            st.caption(_("Each filter's weights are stretched to its own range: bright where an input colour excites "
                         "it, dark where it inhibits. Learned filters look like edge and colour-blob detectors; random "
                         "ones like noise."))

if tabs["Predictions & Grad-CAM"].open:
    with tabs["Predictions & Grad-CAM"]:
        if not ex.has_imagenet_head:
            st.info(_("Predictions and Grad-CAM need {label}'s pretrained ImageNet classifier, which is "
                      "not on this machine. Pick EfficientNet-Lite0: its weights ship with the app.").format(
                label=_(ex.spec.label)))
        else:
            names = imagenet_class_names()
            top = acts.predictions(5)
            left, right = st.columns([2, 3])
            left.plotly_chart(figs.predictions_figure(top), theme=None, key="act.predictions_chart")
            left.selectbox(_("Explain the class"), [keys.TOP_CLASS, *range(len(names))], key=keys.CAM_CLASS,
                           format_func=lambda i: _("the top class") if i == keys.TOP_CLASS
                           else f"{short_label(names[i])} ({i})")
            cam = act.grad_cam(ex.spec.id, photo.digest, st.session_state[keys.CAM_CLASS], pixels)
            right.plotly_chart(figs.grad_cam_figure(shown, cam, names[cam.class_index]), theme=None,
                               key="act.gradcam_chart")
            left.caption(_("Grad-CAM weights the last feature maps by the gradient of the class score: "
                           "bright where the evidence for the class is."))
