"""Runnable Keras 3 code that rebuilds a Freeze Lab configuration and prints its counts."""

from __future__ import annotations

from explorer.models.backbones import get_backbone
from explorer.models.heads import HeadConfig, head_code
from explorer.models.params import ParamTable, TrainablePlan, plan_flags

_PLAN_CODE = {
    "none": "for layer in base.layers:\n    layer.trainable = False",
    "all": "for layer in base.layers:\n    layer.trainable = True",
    "last": "for layer in base.layers[:-{n}]:\n    layer.trainable = False",
    "from": "for index, layer in enumerate(base.layers):\n    layer.trainable = index >= {n}",
    "all-but-bn": (
        "for layer in base.layers:\n"
        "    layer.trainable = not isinstance(layer, layers.BatchNormalization)"
    ),
}


def _plan_code(plan: TrainablePlan) -> str:
    if plan.kind == "last" and plan.n == 0:  # base.layers[:-0] would freeze nothing
        return _PLAN_CODE["none"]
    return _PLAN_CODE[plan.kind].format(n=plan.n)


def _names(table: ParamTable, indices: list[int]) -> str:
    return "# " + ", ".join(repr(table.layers[i].name) for i in indices)


def generate_keras_code(
    table: ParamTable,
    head: HeadConfig,
    plan: TrainablePlan,
    flags: tuple[bool, ...] | None = None,
    weights: str | None = "imagenet",
) -> str:
    """Keras 3 code for a backbone + head + freezing + compile that prints the same counts.

    Args:
        table: the backbone's parameter table (gives the id, input size and layer names).
        head: the head configuration.
        plan: the trainable plan, written as a loop a student can read.
        flags: the final per-layer flags; layers that differ from the plan get explicit lines.
        weights: "imagenet" or None (random weights) for the backbone.

    Returns:
        A self-contained script (the efficientnet_lite0 builder lives in this project).
    """
    spec = get_backbone(table.backbone)
    planned = plan_flags(table, plan)
    flags = planned if flags is None else flags
    # By index, not name: Keras numbers auto-named layers (conv2d_7) per process.
    unfreeze = [l.index for l, p, f in zip(table.layers, planned, flags) if f and not p]
    freeze = [l.index for l, p, f in zip(table.layers, planned, flags) if p and not f]

    parts = [
        f"# {spec.label} + {head.kind.upper()} head, rebuilt by the CNN explorer.",
        "import keras\nfrom keras import layers",
        spec.keras_code.format(size=table.input_size, weights=repr(weights)),
        f"# Trainable plan: {plan}\n{_plan_code(plan)}",
    ]
    if unfreeze or freeze:
        lines = ["# Per-layer changes on top of the plan"]
        if unfreeze:
            lines.append(f"{_names(table, unfreeze)}\nfor index in {unfreeze}:\n    base.layers[index].trainable = True")
        if freeze:
            lines.append(f"{_names(table, freeze)}\nfor index in {freeze}:\n    base.layers[index].trainable = False")
        parts.append("\n".join(lines))

    head_lines = [
        "# The new head: always trainable",
        *head_code(head, "base.output"),
        "model = keras.Model(base.input, outputs)",
        f'model.compile(optimizer="adam", loss="{head.loss}", metrics=["accuracy"])',
    ]
    parts.append("\n".join(head_lines))
    parts.append(
        "def count(weights):\n"
        "    return sum(int(keras.ops.size(w)) for w in weights)\n\n"
        "trainable = count(model.trainable_weights)\n"
        "non_trainable = count(model.non_trainable_weights)\n"
        'print(f"Total params: {model.count_params():,}")\n'
        'print(f"Trainable params: {trainable:,}")\n'
        'print(f"Non-trainable params: {non_trainable:,}")'
    )
    return "\n\n".join(parts) + "\n"
