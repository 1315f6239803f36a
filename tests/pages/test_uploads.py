"""Every page that takes a photo uses the one photo uploader (ui/upload.py): same types, same limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.io.images import MAX_UPLOAD_MB
from ui.state import activations, convolution, finetune
from ui.upload import PHOTO_TYPES

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("page", "setup", "key"), [
    ("activations_lab.py", {}, activations.UPLOAD),
    ("convolution_lab.py", {convolution.TAB: "On a photo", convolution.PHOTO: "upload"}, convolution.UPLOAD),
    ("finetune_lab.py", {}, finetune.PHOTO),
], ids=["activations", "convolution", "finetune"])
def test_each_photo_uploader_takes_the_same_types_up_to_the_same_size(page, setup, key):
    at = AppTest.from_file(str(ROOT / "app_pages" / page), default_timeout=300)
    for name, value in setup.items():
        at.session_state[name] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    (proto,) = [u.proto for u in at.get("file_uploader") if u.key == key]
    assert sorted(t.lstrip(".") for t in proto.type) == sorted(PHOTO_TYPES)
    assert proto.max_upload_size_mb == MAX_UPLOAD_MB


def test_a_zip_over_the_limit_gets_the_same_message_as_a_photo():
    at = AppTest.from_file(str(ROOT / "app_pages" / "finetune_lab.py"), default_timeout=300)
    at.session_state[finetune.DATA] = "zip"
    at.run()
    (proto,) = [u.proto for u in at.get("file_uploader") if u.key == finetune.ZIP]
    assert proto.max_upload_size_mb == MAX_UPLOAD_MB
    at.file_uploader(key=finetune.ZIP).set_value(("big.zip", b"\0" * (MAX_UPLOAD_MB * 2**20 + 1), "application/zip"))
    at.run()
    assert not at.exception
    assert f"Files must be at most {MAX_UPLOAD_MB} MB" in at.error[0].value
