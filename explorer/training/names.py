"""A trained model's name carries its class names, so a plain .keras file is self-describing.

Why the name: it is the one free-text field that plain Keras keeps in a .keras file, shows in
``model.summary()`` and gives back as ``model.name`` after ``keras.models.load_model``, with no
custom layer and no file beside the model (the Lab's "classify with a saved model" takes the
.keras alone). The input size needs no storing: it is ``model.input_shape[1]``. TensorFlow
accepts only ``[A-Za-z0-9_.-]`` (and a few more) in a model's name, so each class name is
escaped reversibly: a character outside ``[A-Za-z0-9_]`` becomes ``-<hex code point>-``
("cats vs dogs" -> "cats-20-vs-20-dogs"). Example:
``efficientnet_lite0_two_stage.classes.circle.square.triangle``.
"""

from __future__ import annotations

import re

__all__ = ["class_names_from_name", "model_name"]

_MARK = ".classes."
_PLAIN = re.compile(r"[A-Za-z0-9_]")
_ESCAPE = re.compile(r"-([0-9a-f]+)-")


def _escape(text: str) -> str:
    return "".join(c if _PLAIN.fullmatch(c) else f"-{ord(c):x}-" for c in text)


def model_name(backbone: str, strategy: str, class_names: tuple[str, ...] | list[str]) -> str:
    """The name of a trained model: backbone, strategy and the escaped class names.

    Args:
        backbone: the registry id.
        strategy: the run's strategy.
        class_names: in label order.

    Returns:
        A name TensorFlow and Keras accept, from which class_names_from_name gets the names back.
    """
    return f"{backbone}_{strategy.replace('-', '_')}{_MARK}" + ".".join(_escape(c) for c in class_names)


def class_names_from_name(name: str) -> tuple[str, ...] | None:
    """The class names a model_name holds, or None for a name without them."""
    if _MARK not in name:
        return None
    encoded = name.split(_MARK, 1)[1]
    if not encoded:
        return None
    return tuple(_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), part) for part in encoded.split("."))
