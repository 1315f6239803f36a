"""The wheel's package list; everything else about the build is in pyproject.toml.

pyproject.toml can either find packages or list them, and can map a folder to another package
name, but not find packages under a mapped name. The wheel needs both: explorer/ and all of its
sub-packages as they are (found here, so a new sub-package is never left out), and the app
(app.py, app_pages/, ui/ and its sub-packages) inside `cnn_explorer`, mapped by
[tool.setuptools.package-dir] in pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["explorer", "explorer.*"]),
        "cnn_explorer",
        "cnn_explorer.app_pages",
        *(f"cnn_explorer.{name}" for name in find_packages(include=["ui", "ui.*"])),
    ],
)
