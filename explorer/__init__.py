"""CNN & transfer-learning explorer: the UI-free library behind the pages and the CLI.

Importing this package is cheap: TensorFlow is imported only when a model is built.
"""

from explorer.activations import (
    ActivationExtractor,
    Activations,
    GradCam,
    LayerFacts,
    LayerInfo,
    StageInfo,
    UnknownLayerError,
    build_extractor,
    grad_cam,
    list_layers,
)
from explorer.models.backbones import (
    BackboneSpec,
    build_backbone,
    build_classifier,
    check_input_size,
    download_weights,
    get_backbone,
    list_backbones,
    preprocessing_for,
    register_backbone,
)
from explorer.models.codegen import generate_keras_code
from explorer.errors import (
    ExplorerInputError,
    InputSizeError,
    UnknownBackboneError,
    WeightsUnavailableError,
    WorkersLostError,
)
from explorer.models.heads import HeadConfig, LayerSpec, build_model, describe_head, head_layers
from explorer.io.images import ImageInputError, LoadedImage, load_image, load_sample, square_crop
from explorer.models.layer_params import LayerParams
from explorer.models.params import (
    ParamCounts,
    ParamTable,
    TrainablePlan,
    apply_flags,
    build_param_table,
    compute_param_table,
    count_parameters,
    parse_plan,
    plan_flags,
)
from explorer.models.preprocessing import Preprocessing
from explorer.models.presets import FREEZE_PRESETS, FreezePreset

__all__ = [
    "FREEZE_PRESETS",
    "ActivationExtractor",
    "Activations",
    "BackboneSpec",
    "ExplorerInputError",
    "FreezePreset",
    "GradCam",
    "HeadConfig",
    "ImageInputError",
    "InputSizeError",
    "LayerFacts",
    "LayerInfo",
    "LayerParams",
    "LayerSpec",
    "LoadedImage",
    "ParamCounts",
    "ParamTable",
    "Preprocessing",
    "StageInfo",
    "TrainablePlan",
    "UnknownBackboneError",
    "UnknownLayerError",
    "WeightsUnavailableError",
    "WorkersLostError",
    "apply_flags",
    "build_backbone",
    "build_classifier",
    "build_extractor",
    "build_model",
    "build_param_table",
    "check_input_size",
    "compute_param_table",
    "count_parameters",
    "describe_head",
    "download_weights",
    "generate_keras_code",
    "get_backbone",
    "grad_cam",
    "head_layers",
    "list_backbones",
    "list_layers",
    "load_image",
    "load_sample",
    "parse_plan",
    "plan_flags",
    "preprocessing_for",
    "register_backbone",
    "square_crop",
]
