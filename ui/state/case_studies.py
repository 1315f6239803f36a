"""The Case Studies page's state: the network whose key idea is shown."""

from __future__ import annotations

from explorer.case_studies.zoo import ZOO
from ui.state import PageState, choice

NETWORK = "case.network"

STATE = PageState("case_studies", "app_pages/case_studies.py", (
    choice("network", NETWORK, [spec.id for spec in ZOO], "vgg16", optional=True),  # a click can unselect it
))
