"""Stacks of layers: the receptive field layer by layer, weights per layer, small kernels against big ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from explorer.convolution.validation import ConvolutionInputError, whole_number
from explorer.i18n import _

__all__ = [
    "LayerSpec",
    "ReceptiveFieldRow",
    "StackComparison",
    "StackOption",
    "compare_stacks",
    "conv_params",
    "receptive_field",
]


@dataclass(frozen=True)
class LayerSpec:
    """One layer of a stack, as far as the receptive field is concerned."""

    kernel: int
    stride: int = 1
    dilation: int = 1


@dataclass(frozen=True)
class ReceptiveFieldRow:
    """The receptive field after one more layer of the stack."""

    layer: int
    """1-based layer number."""
    kernel: int
    stride: int
    dilation: int
    jump: int
    """Distance in input pixels between neighbouring outputs of this layer (product of strides)."""
    receptive_field: int
    """Side in input pixels of the patch that one output of this layer sees."""


def receptive_field(layers: Sequence[LayerSpec]) -> tuple[ReceptiveFieldRow, ...]:
    """Receptive field of each layer of a stack: r += (k - 1) * d * jump; jump *= s.

    Raises:
        ConvolutionInputError: a kernel, stride or dilation below 1, or an empty stack.
    """
    if len(layers) == 0:
        raise ConvolutionInputError("A stack needs at least one layer. Received: layers=[]")
    rows, rf, jump = [], 1, 1
    for i, layer in enumerate(layers, start=1):
        k = whole_number(layer.kernel, "kernel", 1)
        s = whole_number(layer.stride, "stride", 1)
        d = whole_number(layer.dilation, "dilation", 1)
        rf += (k - 1) * d * jump
        jump *= s
        rows.append(ReceptiveFieldRow(i, k, s, d, jump, rf))
    return tuple(rows)


def conv_params(
    kernel_rows: int, kernel_cols: int, in_channels: int, out_channels: int, bias: bool = True
) -> int:
    """Weights of a Conv2D layer: kh * kw * C_in * C_out (+ C_out biases).

    Raises:
        ConvolutionInputError: a size or channel count below 1.
    """
    kh = whole_number(kernel_rows, "kernel_rows", 1)
    kw = whole_number(kernel_cols, "kernel_cols", 1)
    cin = whole_number(in_channels, "in_channels", 1)
    cout = whole_number(out_channels, "out_channels", 1)
    return kh * kw * cin * cout + (cout if bias else 0)


@dataclass(frozen=True)
class StackOption:
    """A stack of C -> C convolutions, its receptive field and its weights."""

    label: str
    kernels: tuple[tuple[int, int], ...]
    receptive_field: tuple[int, int]
    weights: int
    """Weights without biases, e.g. 27 C^2 for three 3x3 layers."""
    biases: int
    coefficient: int
    """Weights / C^2."""


@dataclass(frozen=True)
class StackComparison:
    """Two ways to see the same patch: a stack of small kernels against one big one."""

    title: str
    stacked: StackOption
    single: StackOption

    @property
    def saving(self) -> float:
        """Fraction of the single layer's weights that the stack saves."""
        return 1 - self.stacked.weights / self.single.weights


def _option(label: str, kernels: Sequence[tuple[int, int]], channels: int) -> StackOption:
    rf_rows = receptive_field([LayerSpec(kh) for kh, _ in kernels])[-1].receptive_field
    rf_cols = receptive_field([LayerSpec(kw) for _, kw in kernels])[-1].receptive_field
    weights = sum(conv_params(kh, kw, channels, channels, bias=False) for kh, kw in kernels)
    return StackOption(
        label, tuple(kernels), (rf_rows, rf_cols), weights, channels * len(kernels), weights // channels**2
    )


def compare_stacks(channels: int, n: int = 7) -> tuple[StackComparison, ...]:
    """VGG's and Inception's factorisations for C -> C layers with C channels.

    Three 3x3 layers against one 7x7 (27 C^2 vs 49 C^2), two 3x3 against one 5x5
    (18 C^2 vs 25 C^2), and a 1xn then an nx1 against one nxn (2n C^2 vs n^2 C^2).

    Raises:
        ConvolutionInputError: channels or n below 1 (n below 2 for the factorisation).
    """
    c = whole_number(channels, "channels", 1)
    n = whole_number(n, "n", 2)
    return (
        StackComparison(
            _("Three 3×3 vs one 7×7"),
            _option(_("three 3×3"), [(3, 3)] * 3, c),
            _option(_("one 7×7"), [(7, 7)], c),
        ),
        StackComparison(
            _("Two 3×3 vs one 5×5"),
            _option(_("two 3×3"), [(3, 3)] * 2, c),
            _option(_("one 5×5"), [(5, 5)], c),
        ),
        StackComparison(
            _("1×{n} + {n}×1 vs one {n}×{n}").format(n=n),
            _option(_("1×{n} then {n}×1").format(n=n), [(1, n), (n, 1)], c),
            _option(_("one {n}×{n}").format(n=n), [(n, n)], c),
        ),
    )
