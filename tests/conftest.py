"""Shared test set-up: quiet TensorFlow, run from the repository root."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# Run records (explorer.training.records) of this test session only: a run a test leaves behind
# must not show up as "interrupted by a restart" anywhere else, nor others' runs here.
os.environ.setdefault("EXPLORER_RUNS_DIR", tempfile.mkdtemp(prefix="explorer-test-runs-"))
# No background warm-up (ui.cache.warm_up) in the test process or the browser tests' server: ~25 s
# of CPU on a 2-core machine while tests run. tests/ui/test_warm_up.py checks it; bench_first_paint times it.
os.environ.setdefault("EXPLORER_WARM_UP", "0")
# Counted networks kept between runs (explorer.case_studies.zoo.counted_zoo_model): this session's own.
os.environ.setdefault("EXPLORER_CACHE_DIR", tempfile.mkdtemp(prefix="explorer-test-cache-"))

ROOT = Path(__file__).resolve().parents[1]
os.chdir(ROOT)
