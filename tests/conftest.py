"""Shared test set-up: quiet TensorFlow, run from the repository root."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# Run records (explorer.training.records) of this test session only: a run a test leaves behind
# must not show up as "interrupted by a restart" anywhere else, nor others' runs here.
os.environ.setdefault("EXPLORER_RUNS_DIR", tempfile.mkdtemp(prefix="explorer-test-runs-"))

ROOT = Path(__file__).resolve().parents[1]
os.chdir(ROOT)
