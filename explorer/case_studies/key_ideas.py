"""Each network's key idea, told with numbers computed from its Keras layers and a diagram
of a real block (Graphviz DOT, drawn by the page).

Layers are found by the names Keras gives them on purpose (mixed4, conv2_block2_out,
block_2_add, inception_3a_output), never by generated names such as conv2d_237, which
change with every build in a process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from explorer.models.classic_nets import AUX_AFTER, AUX_LOSS_WEIGHT, auxiliary_classifier_params
from explorer.errors import ExplorerInputError
from explorer.i18n import _
from explorer.case_studies.zoo import (
    ZooLayer,
    ZooModel,
    conv_madds,
    naive_inception_madds,
    stacked_conv_weights,
    stacked_receptive_field,
)

# Layers drawn inside the node of the layer they follow, so diagrams show the structure.
_FOLDED = {"BatchNormalization": "BN", "Activation": "", "ReLU": "", "Dropout": "dropout", "ZeroPadding2D": "pad",
           "Reshape": None, "Flatten": "flatten", "LocalResponseNormalization": "LRN"}
"""Layer types drawn inside the box before them: the word shown ("" = the activation's name, None = nothing)."""
_ACTIVATION_NAMES = {"relu": "ReLU", "silu": "swish", "swish": "swish", "softmax": "softmax", "linear": ""}
_FILL = {"Conv2D": "#CFE8F7", "DepthwiseConv2D": "#CDEFD9", "SeparableConv2D": "#CDEFD9", "Dense": "#FBE0C3",
         "MaxPooling2D": "#FFF2B3", "AveragePooling2D": "#FFF2B3", "GlobalAveragePooling2D": "#FFF2B3"}


@dataclass(frozen=True)
class Fact:
    """One number of a key idea, with what it means."""

    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Diagram:
    """A Graphviz DOT drawing and its caption; `legend` says how to read its boxes (shown once)."""

    caption: str
    dot: str
    legend: str = ""


@dataclass(frozen=True)
class KeyIdea:
    """What a network is remembered for, with computed numbers and diagrams."""

    network: str
    title: str
    text: str
    facts: tuple[Fact, ...]
    diagrams: tuple[Diagram, ...]


def millions(n: float) -> str:
    """15,470,264,320 -> "15.47 G"; 7,077,888 -> "7.08 M"; 864 -> "864"; 20,736 -> "20.7 k"."""
    if abs(n) >= 1e9:
        return f"{n / 1e9:,.2f} G"
    if abs(n) >= 1e6:
        return f"{n / 1e6:,.2f} M"
    return f"{n / 1e3:,.1f} k" if abs(n) >= 1e4 else f"{n:,.0f}"


def module_between(model: ZooModel, start: str, end: str) -> tuple[ZooLayer, ...]:
    """The layers that lead to ``end`` without passing through ``start`` (a block of the graph).

    Args:
        model: a counted network.
        start: the layer whose output enters the block (not included).
        end: the layer that closes it (included).

    Raises:
        ExplorerInputError: if a name is not a layer of the model.
    """
    by_name = {layer.name: layer for layer in model.layers}
    for name in (start, end):
        model.layer(name)
    seen: set[str] = set()
    stack = [end]
    while stack:
        name = stack.pop()
        if name in seen or name == start:
            continue
        seen.add(name)
        stack.extend(by_name[name].inbound)
    return tuple(layer for layer in model.layers if layer.name in seen)


def _shape(layer: ZooLayer) -> str:
    return "x".join(str(d) for d in layer.output_shape)


def _layers_diagram(caption: str, model: ZooModel, start: str, end: str) -> Diagram:
    return Diagram(caption, module_dot(model, start, end),
                   _("Boxes: layer, what is folded into it, output shape · multiply-adds."))


def module_dot(model: ZooModel, start: str, end: str, rankdir: str = "TB") -> str:
    """A DOT drawing of the block between two layers: one box per layer with weights, pooling
    or merge, showing its output shape and multiply-adds; batch norm, activations, LRN,
    padding, dropout and flatten are folded into the box before them."""
    layers = module_between(model, start, end)
    inside = {layer.name for layer in layers}
    owner: dict[str, str] = {start: start}
    extras: dict[str, list[str]] = {}
    for layer in layers:
        parents = [p for p in layer.inbound if p in inside or p == start]
        if layer.type in _FOLDED and len(parents) == 1 and parents[0] != start:
            owner[layer.name] = owner[parents[0]]
            word = _FOLDED[layer.type]
            extra = _ACTIVATION_NAMES.get(layer.label, layer.label) if word == "" else word
            if extra and extra not in extras.setdefault(owner[layer.name], []):
                extras[owner[layer.name]].append(extra)
        else:
            owner[layer.name] = layer.name
    given = _("input")
    lines = [f"digraph {{ rankdir={rankdir}; nodesep=0.2; ranksep=0.22; bgcolor=transparent;",
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=13, '
             'fillcolor="#F2F3F4", color="#5D6D7E", margin="0.12,0.06"];',
             '  edge [color="#5D6D7E", arrowsize=0.7];',
             f'  "{start}" [label="{given}\\n{_shape(model.layer(start))}", fillcolor=white];']
    for layer in layers:
        if owner[layer.name] != layer.name:
            continue
        folded = f"\\n+ {', '.join(extras[layer.name])}" if layer.name in extras else ""
        cost = f" · {millions(layer.madds)}" if layer.madds else ""
        fill = _FILL.get(layer.type, "#E5E7E9")
        lines.append(f'  "{layer.name}" [label="{layer.label}{folded}\\n{_shape(layer)}{cost}", fillcolor="{fill}"];')
    edges = dict.fromkeys(
        (owner[p], layer.name) for layer in layers if owner[layer.name] == layer.name
        for p in layer.inbound if p in owner
    )
    lines += [f'  "{a}" -> "{b}";' for a, b in edges]
    # Folded layers that end the block still need an arrow out of their owner: none needed.
    lines.append("}")
    return "\n".join(lines)


def _sum(layers: tuple[ZooLayer, ...], field: str, types: tuple[str, ...] = ()) -> int:
    return sum(getattr(layer, field) for layer in layers if not types or layer.type in types)


def _kernel_weights(layer: ZooLayer) -> int:
    """Weights without the bias of a Conv2D or Dense layer (biases: one per output channel)."""
    return layer.params - layer.output_shape[-1]


def _share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.1f}%"


def _chain_idea(model: ZooModel, first: str, title: str, text: str, facts: list[Fact]) -> KeyIdea:
    last = model.layers[-1].name
    return KeyIdea(model.spec.id, title, text, tuple(facts),
                   (_layers_diagram(_("The whole {name} from the Keras model.").format(name=model.spec.name),
                                    model, first, last),))


def _alexnet(zoo: Mapping[str, ZooModel]) -> KeyIdea:
    m = zoo["alexnet"]
    dense = _sum(m.layers, "params", ("Dense",))
    conv_madds_ = _sum(m.layers, "madds", ("Conv2D",))
    grouped = [layer for layer in m.layers if "groups" in layer.label]
    saved = sum(_kernel_weights(layer) for layer in grouped)
    return _chain_idea(m, m.layers[0].name, _("Conv-pool-norm blocks, big filters, two GPUs"), _(
        "Five convolutions (11x11 stride 4, then 5x5 and 3x3) with ReLU, max pooling and local response "
        "normalisation, then three dense layers with dropout 0.5. Trained with SGD, momentum 0.9 and "
        "weight decay 0.0005 (paper, section 5), split over two GPUs: conv2, conv4 and conv5 only see the "
        "maps on their own GPU, which is a grouped convolution."), [
        Fact(_("conv1 output"), _shape(m.layer("conv1")), _("11x11 filters, stride 4, on a 227x227 image")),
        Fact(_("Parameters in the 3 dense layers"), f"{dense:,}", _("{share} of all").format(share=_share(dense, m.params))),
        Fact(_("Multiply-adds in the 5 conv layers"), millions(conv_madds_),
             _("{share} of all").format(share=_share(conv_madds_, m.madds))),
        Fact(_("Weights saved by the two-GPU groups"), f"{saved:,}", _("a full conv2/4/5 would have twice the weights")),
    ])


def _zfnet(zoo: Mapping[str, ZooModel]) -> KeyIdea:
    m, a = zoo["zfnet"], zoo["alexnet"]
    return _chain_idea(m, m.layers[0].name, _("AlexNet, tuned by looking inside"), _(
        "Zeiler and Fergus projected feature maps back to pixels (a deconvnet) and saw that AlexNet's "
        "11x11 stride-4 first layer aliased and left dead filters. A 7x7 stride-2 first layer, a stride-2 "
        "conv2 and wider conv3-5 on one GPU fixed it: same depth, more compute, better accuracy."), [
        Fact(_("First layer"), _("7x7/2 instead of 11x11/4"),
             _("output {ours} vs {theirs}").format(ours=_shape(m.layer("conv1")), theirs=_shape(a.layer("conv1")))),
        Fact(_("Multiply-adds"), millions(m.madds), f"AlexNet: {millions(a.madds)}"),
        Fact(_("Parameters"), f"{m.params:,}", f"AlexNet: {a.params:,}"),
        Fact(_("Top-1 (published)"), m.spec.top1_text, f"AlexNet: {a.spec.top1_text}%"),
    ])


def _stack_dot(c: int) -> str:
    sees = [_("sees {n}x{n}").format(n=stacked_receptive_field(n)) for n in (1, 2, 3)]
    seven = _("sees {n}x{n}").format(n=7)  # a 7x7 layer sees 7x7 by itself
    three, one, given, caption = _("three 3x3 layers"), _("one 7x7 layer"), _("input"), _(
        "C = {c} channels in and out").format(c=c)
    return "\n".join([
        'digraph { rankdir=TB; nodesep=0.5; ranksep=0.25; bgcolor=transparent;',
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=13, fillcolor="#CFE8F7", '
        'color="#5D6D7E"]; edge [color="#5D6D7E", arrowsize=0.7];',
        f'  subgraph cluster_a {{ label="{three}"; fontname="Helvetica"; color="#AAB7B8";',
        f'    a0 [label="{given}", fillcolor=white];',
        *(f'    a{i} [label="3x3 conv + ReLU\\n{text}"];' for i, text in enumerate(sees, start=1)),
        '    a0 -> a1 -> a2 -> a3; }',
        f'  subgraph cluster_b {{ label="{one}"; fontname="Helvetica"; color="#AAB7B8";',
        f'    b0 [label="{given}", fillcolor=white];',
        f'    b1 [label="7x7 conv + ReLU\\n{seven}", fillcolor="#FBE0C3"];',
        '    b0 -> b1; }',
        f'  label="{caption}"; labelloc=b; fontname="Helvetica"; fontsize=13;',
        '}',
    ])


def _vgg16(zoo: Mapping[str, ZooModel]) -> KeyIdea:
    m = zoo["vgg16"]
    block5 = [m.layer(f"block5_conv{i}") for i in (1, 2, 3)]
    c = block5[0].output_shape[-1]
    three = sum(_kernel_weights(layer) for layer in block5)
    seven = stacked_conv_weights(1, 7, c)
    convs = [layer for layer in m.layers if layer.type == "Conv2D"]
    return KeyIdea("vgg16", _("Only 3x3 convolutions, stacked"), _(
        "Every convolution is 3x3 with stride 1. Two stacked 3x3 layers see a 5x5 patch of their input "
        "and three see 7x7, like one big filter, but with fewer weights and a ReLU after each layer, so "
        "the function is more non-linear. Below, the weights of VGG16's block 5 (C = {c}) taken from Keras.").format(c=c), (
        Fact(_("Receptive field of 1, 2, 3 stacked 3x3"), ", ".join(f"{stacked_receptive_field(n)}x{stacked_receptive_field(n)}"
                                                                   for n in (1, 2, 3))),
        Fact(_("Three 3x3 layers (block 5, no biases)"), f"{three:,}", _("27 C^2 with C = {c}").format(c=c)),
        Fact(_("One 7x7 layer, same C"), f"{seven:,}",
             _("49 C^2: {share} more than three 3x3").format(share=_share(seven - three, seven))),
        Fact(_("Non-linearities"), _("3 vs 1")),
        Fact(_("3x3 conv layers in VGG16"), _("{n} of {total}").format(
            n=sum(layer.label.startswith('3x3') for layer in convs), total=len(convs))),
    ), (Diagram(_("Same 7x7 view of the input: three 3x3 layers against one 7x7 layer."), _stack_dot(c)),))


def _vgg19(zoo: Mapping[str, ZooModel]) -> KeyIdea:
    m, v = zoo["vgg19"], zoo["vgg16"]
    convs = {k: [layer for layer in z.layers if layer.type == "Conv2D"] for k, z in (("16", v), ("19", m))}
    per_block = {k: [sum(layer.name.startswith(f"block{b}_") for layer in cs) for b in range(1, 6)]
                 for k, cs in convs.items()}
    act = {k: sum(layer.activations for layer in z.layers) for k, z in (("16", v), ("19", m))}
    return KeyIdea("vgg19", _("Deeper VGG: more cost, little gain"), _(
        "VGG19 adds one 3x3 layer to each of blocks 3, 4 and 5. Compute and memory grow; in the Keras "
        "table the top-1 accuracy does not move."), (
        Fact(_("Conv layers per block"), " / ".join(map(str, per_block["19"])), "VGG16: " + " / ".join(map(str, per_block["16"]))),
        Fact(_("Extra parameters"), f"{m.params - v.params:,}",
             _("{share} more").format(share=_share(m.params - v.params, v.params))),
        Fact(_("Extra multiply-adds"), millions(m.madds - v.madds),
             _("{share} more").format(share=_share(m.madds - v.madds, v.madds))),
        Fact(_("Extra activations per image"), f"{(act['19'] - act['16']) * 4 / 1e6:,.1f} MB", "float32"),
        Fact(_("Top-1 (Keras table)"), f"{m.spec.top1:.1f}%", f"VGG16: {v.spec.top1:.1f}%"),
    ), (Diagram(_("3x3 conv layers per block, counted in the two Keras models (orange: VGG19's extra layers)."),
                _blocks_dot(per_block["16"], per_block["19"])),))


def _blocks_dot(vgg16: list[int], vgg19: list[int]) -> str:
    lines = ['digraph { rankdir=LR; nodesep=0.15; ranksep=0.2; bgcolor=transparent;',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=13, color="#5D6D7E"];',
             '  edge [color="#5D6D7E", arrowsize=0.6];']
    for name, counts in (("VGG16", vgg16), ("VGG19", vgg19)):
        nodes = [f"{name}_label"]
        lines.append(f'  {name}_label [label="{name}", shape=plaintext, style=""];')
        for b, n in enumerate(counts, start=1):
            extra = n - vgg16[b - 1]
            fill = "#F5CBA7" if extra > 0 else "#CFE8F7"
            block = _("block {b}").format(b=b)
            lines.append(f'  {name}_b{b} [label="{block}\\n{n} x 3x3 conv", fillcolor="{fill}"];')
            nodes.append(f"{name}_b{b}")
        lines.append("  " + " -> ".join(nodes) + ";")
    lines.append("}")
    return "\n".join(lines)


def _aux_dot() -> str:
    from explorer.models.classic_nets import GOOGLENET_INCEPTION

    names = [name for name, *_ in GOOGLENET_INCEPTION]
    lines = ['digraph { rankdir=LR; nodesep=0.3; ranksep=0.25; bgcolor=transparent;',
             '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=13, fillcolor="#CFE8F7", '
             'color="#5D6D7E"]; edge [color="#5D6D7E", arrowsize=0.7];',
             '  stem [label="' + _("stem") + '\\nconv, pool", fillcolor="#F2F3F4"];']
    chain = ["stem"] + [f"i{n}" for n in names] + ["head"]
    lines += [f'  i{n} [label="{n}"];' for n in names]
    lines.append('  head [label="avg pool\\ndense 1000\\nsoftmax", fillcolor="#FBE0C3"];')
    lines.append("  " + " -> ".join(chain) + ";")
    for k, n in enumerate(AUX_AFTER, start=1):
        text = _("auxiliary {k}").format(k=k) + "\\n" + _("weight {w}").format(w=AUX_LOSS_WEIGHT)
        lines.append(f'  aux{k} [label="{text}", fillcolor="#F5CBA7"];')
        lines.append(f'  i{n} -> aux{k} [style=dashed];')
    lines.append("}")
    return "\n".join(lines)


def _googlenet(zoo: Mapping[str, ZooModel]) -> KeyIdea:
    m = zoo["googlenet"]
    module = module_between(m, "pool2_3x3_s2", "inception_3a_output")
    h, w, c_in = m.layer("pool2_3x3_s2").output_shape
    b1, b3, b5 = (m.layer(f"inception_3a_{k}").output_shape[-1] for k in ("1x1", "3x3", "5x5"))
    with_ = _sum(module, "madds")
    without = naive_inception_madds(h, w, c_in, b1, b3, b5)
    aux = [auxiliary_classifier_params(m.layer(f"inception_{n}_output").output_shape[-1],
                                       m.layer(f"inception_{n}_output").output_shape[0]) for n in AUX_AFTER]
    head = m.layer("loss3_classifier").params
    return KeyIdea("googlenet", _("Inception modules with 1x1 bottlenecks; auxiliary classifiers"), _(
        "Each Inception module runs 1x1, 3x3 and 5x5 convolutions and a 3x3 max pool side by side and "
        "concatenates them. Cheap 1x1 convolutions first shrink the channels that the 3x3 and 5x5 see. "
        "Global average pooling replaces AlexNet's big dense layers. During training two auxiliary "
        "classifiers on inception 4a and 4d add their loss (weight {weight}) so that gradients "
        "reach the lower layers; they are dropped at inference.").format(weight=AUX_LOSS_WEIGHT), (
        Fact(_("Inception 3a with 1x1 bottlenecks"), _("{n} mult-adds").format(n=millions(with_)),
             _("on {shape}, from the Keras layers").format(shape=f"{h}x{w}x{c_in}")),
        Fact(_("The same module without them"), _("{n} mult-adds").format(n=millions(without)),
             _("{ratio}x more").format(ratio=f"{without / with_:.1f}")),
        Fact(_("Auxiliary classifiers (training only)"), " + ".join(f"{p:,}" for p in aux),
             _("parameters; the inference network has {n}").format(n=f"{m.params:,}")),
        Fact(_("Classifier after global average pooling"), f"{head:,}", _("parameters: one dense layer 1024 -> 1000")),
        Fact(_("Depth"), _("{n} layers with weights").format(n=m.depth), _("the paper: 22")),
    ), (_layers_diagram(_("Inception 3a from the Keras model: four branches, concatenated."),
                        m, "pool2_3x3_s2", "inception_3a_output"),
        Diagram(_("Where the auxiliary classifiers sit (training only)."), _aux_dot())))


def _resnet50(zoo: Mapping[str, ZooModel]) -> KeyIdea:
    m = zoo["resnet50"]
    module = module_between(m, "conv2_block1_out", "conv2_block2_out")
    h, w, c = m.layer("conv2_block1_out").output_shape
    bottleneck = _sum(module, "madds")
    basic = 2 * conv_madds(h, w, 3, c, c)
    adds = sum(layer.type == "Add" for layer in m.layers)
    return KeyIdea("resnet50", _("Residual connections and bottleneck blocks"), _(
        "Each block learns a residual F(x) and outputs F(x) + x: the identity path lets the signal and "
        "the gradient skip the block, so a 50-layer network trains better than a shallower plain one. "
        "Bottleneck blocks squeeze the channels with a 1x1 convolution, do the 3x3 on the narrow tensor "
        "and expand back with another 1x1. Batch normalisation after every convolution, no dropout. A "
        "ResNet ensemble won ILSVRC 2015 with 3.57% top-5 error (He et al., Table 5), below the ~5.1% "
        "measured for a trained human (Russakovsky et al. 2015)."), (
        Fact(_("Residual blocks (Add layers)"), str(adds)),
        Fact(_("Bottleneck conv2_block2 on {shape}").format(shape=f"{h}x{w}x{c}"),
             _("{n} mult-adds").format(n=millions(bottleneck)), _("1x1 -> 3x3 -> 1x1, from Keras")),
        Fact(_("Two plain 3x3 convs at {c} channels").format(c=c), _("{n} mult-adds").format(n=millions(basic)),
             _("{ratio}x more").format(ratio=f"{basic / bottleneck:.1f}")),
        Fact(_("Depth"), _("{n} layers with weights").format(n=m.depth)),
    ), (_layers_diagram(_("conv2_block2 from the Keras model: the bottleneck and its identity shortcut."),
                        m, "conv2_block1_out", "conv2_block2_out"),))


def _factorised_pair(module: tuple[ZooLayer, ...], by_name: Mapping[str, ZooLayer]) -> tuple[ZooLayer, ZooLayer]:
    for layer in module:
        if layer.type == "Conv2D" and layer.label.startswith("1x7"):
            for nxt in module:
                if nxt.label.startswith("7x1") and _source(nxt, by_name) is layer:
                    return layer, nxt
    raise ExplorerInputError("This module has no 1x7 -> 7x1 pair. Received: module without one")


def _source(layer: ZooLayer, by_name: Mapping[str, ZooLayer]) -> ZooLayer:
    """The convolution or pooling that feeds a layer, through BN and activations."""
    parent = by_name[layer.inbound[0]]
    while parent.type in _FOLDED:
        parent = by_name[parent.inbound[0]]
    return parent


def _inception_v3(zoo: Mapping[str, ZooModel]) -> KeyIdea:
    m = zoo["inception_v3"]
    by_name = {layer.name: layer for layer in m.layers}
    module = module_between(m, "mixed3", "mixed4")
    first, second = _factorised_pair(module, by_name)
    h, w, c_in = _source(first, by_name).output_shape
    pair = first.madds + second.madds
    full = conv_madds(h, w, 7, c_in, second.output_shape[-1])
    return KeyIdea("inception_v3", _("Factorised convolutions"), _(
        "Big filters are split into small ones: a 5x5 becomes two 3x3 (18 instead of 25 weights per "
        "channel pair, 28% fewer) and an nxn becomes a 1xn followed by an nx1 (for n = 7: 14 instead of 49, "
        "71% fewer). Grids shrink with a stride-2 convolution and a pooling side by side, so no information "
        "bottleneck. Keras' InceptionV3 has no auxiliary head."), (
        Fact(_("Weights per channel pair, 5x5 vs two 3x3"), _("25 vs 18")),
        Fact(_("Weights per channel pair, 7x7 vs 1x7 + 7x1"), _("49 vs 14")),
        Fact(_("1x7 + 7x1 in mixed4 on {shape}").format(shape=f"{h}x{w}x{c_in}"),
             _("{n} mult-adds").format(n=millions(pair)), _("from the Keras layers")),
        Fact(_("One 7x7 with the same channels"), _("{n} mult-adds").format(n=millions(full)),
             _("{ratio}x more").format(ratio=f"{full / pair:.1f}")),
        Fact(_("Grid reduction (mixed3)"), f"{_shape(m.layer('mixed2'))} -> {_shape(m.layer('mixed3'))}"),
    ), (_layers_diagram(_("mixed4 from the Keras model: 7x7 factorised into 1x7 and 7x1."), m, "mixed3", "mixed4"),))


def _inception_resnet_v2(zoo: Mapping[str, ZooModel]) -> KeyIdea:
    m = zoo["inception_resnet_v2"]
    counts = {k: sum(layer.name.startswith(f"{k}_") and layer.name.endswith("_mixed") for layer in m.layers)
              for k in ("block35", "block17", "block8")}
    # The residual add that feeds each block's first ReLU carries the scale in its label.
    scales = {k: m.layer(m.layer(f"{k}_1_ac").inbound[0]).label.removeprefix("add ") for k in counts}
    return KeyIdea("inception_resnet_v2", _("Inception modules inside residual connections"), _(
        "Inception-style branches compute a residual that is scaled down before it is added to the "
        "block's input: scaling by 0.1-0.3 kept very wide residual networks stable in training. It is "
        "the most accurate network here, and one of the most expensive."), tuple(
        Fact(_("{block} residual blocks").format(block=k), str(counts[k]), _("output {scale}").format(scale=scales[k]))
        for k in counts
    ) + (Fact(_("Depth"), _("{n} layers with weights").format(n=m.depth)),
         Fact(_("Top-1 (Keras table)"), f"{m.spec.top1:.1f}%", _("the best of the zoo"))),
        (_layers_diagram(_("block35_1 from the Keras model: three branches, a 1x1 conv, then x + 0.17 r."),
                         m, "mixed_5b", "block35_1_ac"),))


def _mobilenet_v2(zoo: Mapping[str, ZooModel]) -> KeyIdea:
    m = zoo["mobilenet_v2"]
    dw, pw = m.layer("block_2_depthwise"), m.layer("block_2_project")
    h, w, c = dw.output_shape
    c_out = pw.output_shape[-1]
    separable = dw.madds + pw.madds
    standard = conv_madds(h, w, 3, c, c_out)
    depthwise_total = _sum(m.layers, "madds", ("DepthwiseConv2D",))
    return KeyIdea("mobilenet_v2", _("Depthwise-separable convolutions, inverted residuals"), _(
        "A standard 3x3 convolution mixes space and channels at once. MobileNet splits it: a depthwise 3x3 "
        "filters each channel on its own, then a 1x1 convolution mixes channels. The cost falls by about "
        "1/C_out + 1/9. MobileNetV2 wraps this in inverted residual blocks: expand the channels 6x with a 1x1, "
        "filter depthwise, project back to a narrow linear bottleneck, and add the shortcut."), (
        Fact(_("block_2: depthwise 3x3 + 1x1 on {shape}").format(shape=f"{h}x{w}x{c}"),
             _("{n} mult-adds").format(n=millions(separable)), _("-> {c} channels, from Keras").format(c=c_out)),
        Fact(_("A standard 3x3 conv {c_in} -> {c_out}").format(c_in=c, c_out=c_out),
             _("{n} mult-adds").format(n=millions(standard)),
             _("{ratio}x more").format(ratio=f"{standard / separable:.1f}")
             + f" (1/{c_out} + 1/9 = {1 / c_out + 1 / 9:.3f})"),
        Fact(_("Expansion in block_2"), _("{before} -> {after} channels").format(
            before=m.layer('block_1_project_BN').output_shape[-1], after=c),
             f"x{c // m.layer('block_1_project_BN').output_shape[-1]}"),
        Fact(_("Depthwise layers' share of the compute"), _share(depthwise_total, m.madds),
             _("the 1x1 convolutions do most of the work")),
    ), (_layers_diagram(_("block_2 from the Keras model: expand, depthwise, project, add."),
                        m, "block_1_project_BN", "block_2_add"),))


def _efficientnet_b0(zoo: Mapping[str, ZooModel]) -> KeyIdea:
    m = zoo["efficientnet_b0"]
    se = [layer for layer in m.layers if "_se_" in layer.name]
    se_params = _sum(tuple(se), "params")
    alpha, beta, gamma = 1.2, 1.1, 1.15
    return KeyIdea("efficientnet_b0", _("Compound scaling of a searched base network"), _(
        "B0 is a MobileNet-style network (MBConv blocks with squeeze-and-excitation and swish) found by "
        "architecture search. B1-B7 scale it up in depth, width and input resolution together: depth by "
        "alpha^phi, width by beta^phi, resolution by gamma^phi with alpha = {alpha}, beta = {beta}, "
        "gamma = {gamma} (Tan & Le 2019, section 3.3), so that each step of phi about doubles the compute."
    ).format(alpha=alpha, beta=beta, gamma=gamma), (
        Fact("alpha x beta^2 x gamma^2", f"{alpha * beta ** 2 * gamma ** 2:.2f}", _("compute grows by this per step of phi")),
        Fact(_("Squeeze-excite blocks"), str(sum(layer.name.endswith("_se_excite") for layer in m.layers))),
        Fact(_("Parameters in squeeze-excite"), f"{se_params:,}", _("{share} of all").format(share=_share(se_params, m.params))),
        Fact(_("Multiply-adds"), millions(m.madds),
             _("ResNet50: {madds} for {top1} top-1").format(madds=millions(zoo['resnet50'].madds),
                                                             top1=f"{zoo['resnet50'].spec.top1:.1f}%")),
    ), (_layers_diagram(_("block2b from the Keras model: expand, depthwise, squeeze-excite, project, add."),
                        m, "block2a_project_bn", "block2b_add"),))


def _efficientnet_lite0(zoo: Mapping[str, ZooModel]) -> KeyIdea:
    m, b0 = zoo["efficientnet_lite0"], zoo["efficientnet_b0"]
    relu6 = sum(layer.label == "ReLU6" for layer in m.layers)
    return KeyIdea("efficientnet_lite0", _("EfficientNet for phones"), _(
        "Lite0 removes squeeze-and-excitation and replaces swish with ReLU6, both hard for mobile "
        "accelerators and quantisation, and keeps the stem and head fixed. It costs a couple of points of "
        "top-1. It is the backbone of this app that is pretrained everywhere: its ImageNet weights ship "
        "with a Python package."), (
        Fact(_("Parameters"), f"{m.params:,}", f"B0: {b0.params:,}"),
        Fact(_("Multiply-adds"), millions(m.madds), f"B0: {millions(b0.madds)}"),
        Fact(_("Activations"), f"{relu6} ReLU6", "B0: swish"),
        Fact(_("Top-1 (published)"), f"{m.spec.top1:.1f}%", f"B0: {b0.spec.top1:.1f}%"),
    ), (_layers_diagram(_("block2b from the Keras model: no squeeze-excite, ReLU6."),
                        m, "block2a_project_bn", "block2b_add"),))


_IDEAS: dict[str, Callable[[Mapping[str, ZooModel]], KeyIdea]] = {
    "alexnet": _alexnet, "zfnet": _zfnet, "vgg16": _vgg16, "vgg19": _vgg19, "googlenet": _googlenet,
    "resnet50": _resnet50, "inception_v3": _inception_v3, "inception_resnet_v2": _inception_resnet_v2,
    "mobilenet_v2": _mobilenet_v2, "efficientnet_b0": _efficientnet_b0, "efficientnet_lite0": _efficientnet_lite0,
}


def key_idea(network_id: str, zoo: Mapping[str, ZooModel]) -> KeyIdea:
    """The key idea of one network, computed from the counted zoo.

    Args:
        network_id: a zoo id.
        zoo: counted networks by id (the comparisons need several of them).

    Raises:
        ExplorerInputError: for an unknown id.
    """
    if network_id not in _IDEAS:
        raise ExplorerInputError(f"Unknown network; choose one of {', '.join(_IDEAS)}. Received: network={network_id!r}")
    return _IDEAS[network_id](zoo)
