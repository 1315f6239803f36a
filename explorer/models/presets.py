"""The lecture notes' configurations (SEEDS.md), ready to load into the Freeze Lab."""

from __future__ import annotations

from dataclasses import dataclass

from explorer.i18n import N_
from explorer.models.heads import HeadConfig
from explorer.models.params import TrainablePlan


@dataclass(frozen=True)
class FreezePreset:
    """A backbone, input size, head and plan from the notes, with what the notes say of it."""

    label: str
    """In English, the preset's id as well; show it with _(label)."""
    backbone: str
    input_size: int
    head: HeadConfig
    plan: TrainablePlan
    note: str
    """In English; show it with _(note)."""


FREEZE_PRESETS: tuple[FreezePreset, ...] = (
    FreezePreset(
        N_("VGG16 + Flatten head, all frozen"), "vgg16", 224,
        HeadConfig("flatten", 1024, 0.0, 1), TrainablePlan("none"),
        N_("Notes 1: total 40,406,849, trainable 25,692,161: only the head learns."),
    ),
    FreezePreset(
        N_("VGG16 + Flatten head, last 4 layers train"), "vgg16", 224,
        HeadConfig("flatten", 1024, 0.0, 1), TrainablePlan("last", 4),
        N_("Notes 1: vgg_conv.layers[:-4] frozen; block 5 fine-tunes and the trainable count grows."),
    ),
    FreezePreset(
        N_("VGG16 + GAP head, 11 classes"), "vgg16", 224,
        HeadConfig("gap", 1024, 0.0, 11), TrainablePlan("none"),
        N_("Notes 1: GAP instead of Flatten; the first dense layer shrinks from 25.7M to 0.5M."),
    ),
    FreezePreset(
        N_("Inception v3, layers from index 200 train"), "inception_v3", 299,
        HeadConfig("gap", 1024, 0.0, 1), TrainablePlan("from", 200),
        N_("Notes 2: layers with index < 200 frozen, the rest trainable."),
    ),
    FreezePreset(
        N_("MobileNetV2 two-stage: stage 1 (head only)"), "mobilenet_v2", 224,
        HeadConfig("gap", 50, 0.0, 1), TrainablePlan("none"),
        N_("Notes 4: GAP -> Dense(50, 'fc1') -> Dense(1, 'output'); Adam(1e-4), only the head learns."),
    ),
    FreezePreset(
        N_("MobileNetV2 two-stage: stage 2 (all but BatchNorm)"), "mobilenet_v2", 224,
        HeadConfig("gap", 50, 0.0, 1), TrainablePlan("all-but-bn"),
        N_("Notes 4: every layer trains except BatchNormalization; recompile with Adam(1e-5)."),
    ),
    FreezePreset(
        N_("Simple CNN on CIFAR-10 (from scratch)"), "simple_cnn", 32,
        HeadConfig("flatten", 64, 0.0, 10), TrainablePlan("all"),
        N_("Notes 3: 122,570 parameters, all trainable."),
    ),
)
