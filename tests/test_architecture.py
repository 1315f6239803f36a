"""The architecture contracts in pyproject.toml ([tool.importlinter]) hold: lint-imports passes.

They say: explorer/ never imports Streamlit or ui/; only explorer.figures imports Plotly; the
library's layers (figures > concepts > models > io > errors) import only downwards; no cycles.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    run = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
