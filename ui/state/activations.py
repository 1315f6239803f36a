"""The Activations Lab's state: backbone, photo, tab, the layer and channel looked at."""

from __future__ import annotations

from explorer import links
from ui.state import PageState

BACKBONE = "act.backbone"
SAMPLE = "act.sample"
TAB = "act.tab"
STAGE = "act.stage"
LAYER = "act.layer"
COUNT = "act.count"
SCALE = "act.scale"
RANK = "act.rank"
OPACITY = "act.opacity"
CAM_CLASS = "act.cam_class"
UPLOAD = "act.upload"
"""The photo uploader (an upload is never kept in a link)."""

TABS = links.ACT_TABS
SCALES = links.ACT_SCALES
TOP_CLASS = links.ACT_TOP_CLASS
"""CAM_CLASS value meaning "whatever class ranks first" (a selectbox shows None as empty)."""

# The fields (link names, defaults, checks) are declared in explorer.links, where the CLI and the
# lessons read them too; this module keeps the widget keys the page uses and the page's helpers.
STATE = PageState(links.ACTIVATIONS, "app_pages/activations_lab.py")
