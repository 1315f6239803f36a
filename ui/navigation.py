"""The one list of pages: the router and the home page both read it."""

from __future__ import annotations

from dataclasses import dataclass

from explorer.i18n import N_


@dataclass(frozen=True)
class PageInfo:
    """A page of the app and what it is for (title and blurb in English: show them with _())."""

    path: str
    title: str
    icon: str
    blurb: str


HOME = PageInfo("app_pages/home.py", N_("Home"), ":material/home:", N_("What each page is for."))
PAGES: tuple[PageInfo, ...] = (
    PageInfo(
        "app_pages/freeze_lab.py",
        N_("Freeze Lab"),
        ":material/ac_unit:",
        N_(
            "Pick a backbone, put a Flatten or GAP head on it, freeze layers and watch the "
            "total and trainable parameter counts change; copy the Keras code."
        ),
    ),
    PageInfo(
        "app_pages/convolution_lab.py",
        N_("Convolution Lab"),
        ":material/grid_on:",
        N_(
            "Slide a kernel over a grid, a photo and a signal with any stride, padding and dilation; "
            "pool, and watch the receptive field grow."
        ),
    ),
    PageInfo(
        "app_pages/activations_lab.py",
        N_("Activations Lab"),
        ":material/visibility:",
        N_(
            "Put a photo through a CNN and see what each layer sees, from edges to parts; the top-5 "
            "guess and where in the picture the evidence came from (Grad-CAM)."
        ),
    ),
    PageInfo(
        "app_pages/case_studies.py",
        N_("Case Studies"),
        ":material/account_tree:",
        N_(
            "AlexNet to EfficientNet side by side: parameters, multiply-adds and depth counted from Keras "
            "models, accuracy against compute, each network's key idea, VGG16's memory per layer."
        ),
    ),
    PageInfo(
        "app_pages/strategy_advisor.py",
        N_("Strategy Advisor"),
        ":material/explore:",
        N_(
            "How many images, how similar to ImageNet: what to freeze and what to train, why, and one "
            "click to open the plan in the Freeze Lab."
        ),
    ),
    PageInfo(
        "app_pages/detection_basics.py",
        N_("Detection Basics"),
        ":material/crop_free:",
        N_(
            "Set two boxes with sliders and watch IoU change; which predictions count as hits at IoU 0.5 and 0.75, AP, "
            "and two-stage against one-stage detectors."
        ),
    ),
    PageInfo(
        "app_pages/finetune_lab.py",
        N_("Fine-tune Lab"),
        ":material/model_training:",
        N_(
            "Train a head on stored features, fine-tune, two-stage or from scratch on built-in shapes, digits or "
            "your ZIP; watch live curves, stop any time, compare runs and download the best model."
        ),
    ),
    PageInfo(
        "app_pages/lessons.py",
        N_("Lessons"),
        ":material/school:",
        N_(
            "Step through a lecture on the live pages: each step opens a page as the notes set it up, says what to "
            "look at and asks the class to predict a number before it shows it."
        ),
    ),
    PageInfo(
        "app_pages/glossary.py",
        N_("Glossary"),
        ":material/translate:",
        N_("The field's terms in English and Korean, as every page uses them."),
    ),
)
