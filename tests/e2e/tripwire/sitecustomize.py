"""Loaded into the browser tests' server (PYTHONPATH): the first import of TensorFlow or Keras in any
process writes where it came from to $EXPLORER_TF_TRIPWIRE/<pid>.txt, so a test that finds TensorFlow
in the web server can say which code imported it (the workers' own imports are written too)."""

import os
import sys
import traceback


class _Tripwire:
    def find_spec(self, name, path=None, target=None):
        if name in ("tensorflow", "keras"):
            sys.meta_path.remove(self)  # the first one only
            folder = os.environ.get("EXPLORER_TF_TRIPWIRE", "")
            if folder:
                with open(os.path.join(folder, f"{os.getpid()}.txt"), "a", encoding="utf-8") as f:
                    f.write(f"import {name}\n" + "".join(traceback.format_stack()))
        return None


if os.environ.get("EXPLORER_TF_TRIPWIRE"):
    sys.meta_path.insert(0, _Tripwire())
