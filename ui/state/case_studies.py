"""The Case Studies page's state: the network whose key idea is shown."""

from __future__ import annotations

from explorer import links
from ui.state import PageState

NETWORK = "case.network"

# The fields (link names, defaults, checks) are declared in explorer.links, where the CLI and the
# lessons read them too; this module keeps the widget keys the page uses and the page's helpers.
STATE = PageState(links.CASE_STUDIES, "app_pages/case_studies.py")
