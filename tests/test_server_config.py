"""The server's Streamlit configuration: settings a class's server depends on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_streamlit_reads_no_garbage_collection_after_each_script_run():
    """runner.postScriptGC off: with 20 students on one server, gc.collect(2) after every script
    run (each open Fine-tune page reruns its live panel every second) took two thirds of the
    server's CPU and made opening the Freeze Lab take 77 s instead of 3 s (bench/bench_load.py).
    Read by Streamlit itself, from the app's folder, as `streamlit run app.py` does."""
    code = ("import streamlit.config as c; c.get_config_options(force_reparse=True); "
            "print(c.get_option('runner.postScriptGC'), c.get_option('server.maxUploadSize'))")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    assert out == ["False", "50"]
