"""Which layers to fine-tune: the data-size x similarity matrix of the notes (SEEDS section 5).

Four situations, four recommendations:

=================  ===========================================  ==============================================
                   little data                                  a lot of data
=================  ===========================================  ==============================================
similar data       retrain only the classifier                  retrain the top few layers
different data     pretraining helps little: linear classifier  retrain many upper layers
                   on features from an earlier stage
=================  ===========================================  ==============================================

Each recommendation comes with a TrainablePlan and a head for the Freeze Lab, computed on
the chosen backbone's layer table so that whole modules train, never half a module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from explorer.errors import ExplorerInputError
from explorer.i18n import N_, _
from explorer.models.blocks import layer_blocks
from explorer.models.heads import HeadConfig, head_code, linear_head
from explorer.models.params import ParamTable, TrainablePlan

if TYPE_CHECKING:  # pragma: no cover
    import keras

DataSize = Literal["small", "large"]
Similarity = Literal["similar", "different"]
SIMILARITIES: tuple[Similarity, ...] = ("similar", "different")
LARGE_PER_CLASS = 1000
"""Labelled images per class from which a data set counts as "a lot" (a rule of thumb)."""
MAX_IMAGES = 100_000_000
MAX_CLASSES = 100_000
TOP_FEW = 0.25
"""Share of the backbone's weight layers retrained with similar data and a lot of it."""
UPPER_MANY = 0.5
"""Share retrained with different data and a lot of it."""
EARLIER_STAGE = 0.6
"""With different data and little of it, features are taken about this deep into the backbone."""

GENERAL_TO_SPECIFIC = N_(
    "Lower layers learn general features (edges, colours, textures) that suit almost any images; "
    "upper layers learn features specific to ImageNet's 1000 classes."
)
REINITIALISED = N_(
    "Retrained layers are re-initialised: the new classifier starts from random weights. Layers you "
    "fine-tune start from their ImageNet weights, so give them a small learning rate (the notes use "
    "Adam 1e-5 in the second stage)."
)


@dataclass(frozen=True)
class Recommendation:
    """What to freeze and what to train, why, and the plan that does it."""

    data_size: DataSize
    similarity: Similarity
    title: str
    action: str
    reasons: tuple[str, ...]
    plan: TrainablePlan
    head: HeadConfig
    trained_layers: int
    """Backbone layers that train under the plan."""
    first_trained: str | None
    """Name of the first backbone layer that trains (None when the backbone stays frozen)."""
    feature_layer: str | None = None
    """For different data and little of it: the earlier layer to take features from."""

    @property
    def quadrant(self) -> tuple[DataSize, Similarity]:
        return self.data_size, self.similarity


def classify_data_size(images: int, classes: int) -> DataSize:
    """"large" from LARGE_PER_CLASS labelled images per class on, else "small".

    Raises:
        ExplorerInputError: for fewer than 2 classes, or fewer images than classes.
    """
    for name, value, low, high in (("classes", classes, 2, MAX_CLASSES), ("images", images, 1, MAX_IMAGES)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ExplorerInputError(f"The number of {name} must be a whole number from {low:,} to {high:,}. "
                                     f"Received: {name}={value!r}")
    if images < classes:
        raise ExplorerInputError(f"Every class needs at least one labelled image. "
                                 f"Received: images={images}, classes={classes}")
    return "large" if images / classes >= LARGE_PER_CLASS else "small"


def clean_cuts(model: keras.Model) -> tuple[int, ...]:
    """Indices i where the model can be cut: no layer after i reads a layer before i.

    Freezing layers 0..i and training the rest then trains whole modules, and the output
    of layer i is everything the upper layers see (a valid place to take features from).
    """
    from explorer.case_studies.zoo import layer_inbound

    index = {layer.name: i for i, layer in enumerate(model.layers)}
    lowest_input = [min((index[p] for p in layer_inbound(layer) if p in index), default=i)
                    for i, layer in enumerate(model.layers)]
    cuts, lowest_after = [], len(model.layers)
    for i in range(len(model.layers) - 1, -1, -1):
        if lowest_after >= i:
            cuts.append(i)
        lowest_after = min(lowest_after, lowest_input[i])
    return tuple(reversed(cuts))


def _module_ends(table: ParamTable, cuts: tuple[int, ...]) -> list[int]:
    """The clean cuts that end a module: where the block named in the Keras layer names
    changes (block4_pool, conv4_block6_out, block_10_project_BN) or at a merge (mixed7)."""
    blocks = layer_blocks(table)
    last = len(table.layers) - 1
    ends = [i for i in cuts if 0 < i and (i == last or blocks[i] != blocks[i + 1]
                                          or table.layers[i].type in ("Add", "Concatenate"))]
    # An add followed by its ReLU (ResNet's conv4_block3_add, _out): the block ends after the ReLU.
    return [i for i in ends if not (i + 1 in ends and table.layers[i].type == "Add")]


def _weight_layers(table: ParamTable) -> list[int]:
    return [layer.index for layer in table.layers if layer.params and not layer.is_batch_norm]


def _train_top(table: ParamTable, cuts: tuple[int, ...], share: float) -> TrainablePlan:
    """Train the top ``share`` of the weight layers, rounded out to whole modules."""
    weighted = _weight_layers(table)
    target = weighted[-max(1, int(share * len(weighted)))]
    ends = [i for i in _module_ends(table, cuts) if i < target]
    start = ends[-1] + 1 if ends else target
    return TrainablePlan("last", len(table.layers) - start)


def _feature_layer(table: ParamTable, cuts: tuple[int, ...]) -> str:
    """The first module end at or after EARLIER_STAGE of the weight layers."""
    weighted = _weight_layers(table)
    target = weighted[int(EARLIER_STAGE * (len(weighted) - 1))]
    ends = [i for i in _module_ends(table, cuts) if i >= target]
    return table.layers[ends[0] if ends else target].name


def recommend(
    images: int, classes: int, similarity: Similarity, table: ParamTable, cuts: tuple[int, ...]
) -> Recommendation:
    """The notes' advice for a data set, as a plan on one backbone.

    Args:
        images: labelled images in the data set.
        classes: number of classes (2 gives a single sigmoid output).
        similarity: "similar" (photos like ImageNet's) or "different" (X-rays, satellite images...).
        table: the parameter table of the backbone the plan is for.
        cuts: the backbone's clean cuts (clean_cuts on the same model).

    Returns:
        The recommendation, with a TrainablePlan and a HeadConfig for the Freeze Lab.

    Raises:
        ExplorerInputError: for bad counts or an unknown similarity.
    """
    if similarity not in SIMILARITIES:
        raise ExplorerInputError(f"Similarity is 'similar' or 'different'. Received: similarity={similarity!r}")
    size = classify_data_size(images, classes)
    outputs = 1 if classes == 2 else classes
    per_class = images / classes
    amount = _("{images} images in {classes} classes ({per_class} per class)").format(
        images=f"{images:,}", classes=classes, per_class=f"{per_class:,.0f}")
    feature_layer = None
    if size == "small" and similarity == "similar":
        title, action = _("Similar data, little of it"), _("Freeze the whole backbone; retrain only the classifier.")
        plan, hidden = TrainablePlan("none"), 0
        why = (_("{amount}: too few to fine-tune millions of weights without over-fitting.").format(amount=amount),
               _("Your images look like ImageNet's, so even the top, most specific features fit them."),
               _("A GAP head with one Dense layer keeps the new weights few (notes 2)."))
    elif size == "large" and similarity == "similar":
        title, action = _("Similar data, a lot of it"), _("Fine-tune the top few layers together with a new classifier.")
        plan, hidden = _train_top(table, cuts, TOP_FEW), 256
        why = (_("{amount}: enough to adapt the top layers to your classes without over-fitting.").format(amount=amount),
               _("The data resemble ImageNet, so the lower and middle features are already right; "
                 "only the most specific layers need to change (notes 1: VGG16's last 4 layers)."))
    elif size == "large":
        title, action = _("Different data, a lot of it"), _("Fine-tune many upper layers (the upper half of the backbone).")
        plan, hidden = _train_top(table, cuts, UPPER_MANY), 256
        why = (_("{amount}: enough to retrain a large part of the network.").format(amount=amount),
               _("ImageNet's upper, class-specific features do not describe your images; the general lower "
                 "layers still help, so keep those frozen."))
    else:
        title, action = (_("Different data, little of it"),
                         _("Pretraining helps little: train a linear classifier on features from an earlier stage."))
        feature_layer = _feature_layer(table, cuts)
        plan, hidden = TrainablePlan("none"), 0
        why = (_("{amount}: too few to retrain the upper layers, and their ImageNet-specific features "
                 "do not fit your images.").format(amount=amount),
               _("Earlier layers are more general: take the features at `{layer}` and train a "
                 "linear classifier on them.").format(layer=feature_layer))
    head = HeadConfig("gap", hidden, 0.0, outputs)
    flags_from = len(table.layers) - plan.n if plan.kind == "last" else len(table.layers)
    first = table.layers[flags_from].name if flags_from < len(table.layers) else None
    return Recommendation(size, similarity, title, action, (*why, _(GENERAL_TO_SPECIFIC), _(REINITIALISED)),
                          plan, head, len(table.layers) - flags_from, first, feature_layer)


def feature_extractor_code(backbone_code: str, feature_layer: str, head: HeadConfig) -> str:
    """Keras code that cuts a backbone at an earlier layer and puts a linear classifier on it.

    Args:
        backbone_code: code that binds ``base`` (a registry entry's keras_code, formatted).
        feature_layer: the layer to take features from.
        head: gives the number of outputs and their activation; the classifier is its
            linear version (GAP, no hidden layer, no dropout).

    Returns:
        The code; it binds ``model``.
    """
    head_lines = "\n".join(head_code(linear_head(head), "features.output", module="keras.layers"))
    return (f"{backbone_code}\nbase.trainable = False\n"
            f"features = keras.Model(base.input, base.get_layer({feature_layer!r}).output)\n"
            f"# A linear classifier on the earlier features\n{head_lines}\n"
            "model = keras.Model(features.input, outputs)")
