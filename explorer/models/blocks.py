"""Blocks of a backbone: the Keras layer names grouped the way the architecture is drawn.

Keras names the layers of its applications after their block (block3_conv1,
conv4_block2_1_conv, mixed5, block_6_expand); charts that cannot show every layer and
plans that cut a network at a block boundary both read the blocks from here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from explorer.models.params import ParamTable

__all__ = ["layer_blocks"]

_BLOCK_NAME = re.compile(
    r"^(conv\d+_block\d+|conv1|block_?\d+[a-z]?|pool\d+|stem|top|mixed\d+|expanded_conv)(?:_|$)"
)


def layer_blocks(table: ParamTable) -> tuple[str, ...]:
    """A block label per layer from its Keras name (block3, conv4_block2, mixed5).

    Layers without one join the next named block (Inception's branches end in "mixedN");
    those after the last named block are the "top".

    Args:
        table: the backbone's per-layer table (only the layer names are read).

    Returns:
        One label per layer of the table, in order; equal labels are contiguous.
    """
    labels = [_block_from_name(layer.name) for layer in table.layers]
    following = "top"
    for i in range(len(labels) - 1, -1, -1):
        labels[i] = following = labels[i] or following
    return tuple(labels)  # type: ignore[arg-type]


def _block_from_name(name: str) -> str | None:
    match = _BLOCK_NAME.match(name)
    return match.group(1) if match else None
