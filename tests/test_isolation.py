"""Each test process typesets into its own Manim media folder, never the repository's media/."""

from __future__ import annotations

import os
from pathlib import Path

from manim import Text, config

from .conftest import ROOT


def test_this_process_has_its_own_manim_media_folder():
    media = Path(config.media_dir).resolve()
    assert not media.is_relative_to(ROOT), f"{media} is inside the repository"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    assert media.name.startswith(f"circuit-clips-manim-{worker}-")


def test_text_typeset_in_process_lands_in_that_folder():
    word = f"isolation {os.environ.get('PYTEST_XDIST_WORKER', 'main')} {os.getpid()}"
    before = {p for p in (ROOT / "media").rglob("*.svg")} if (ROOT / "media").is_dir() else set()
    Text(word)
    texts = Path(config.get_dir("text_dir"))
    assert texts.is_relative_to(Path(config.media_dir)), texts
    assert list(texts.glob("*.svg")), "the SVG is written under this process's media folder"
    after = {p for p in (ROOT / "media").rglob("*.svg")} if (ROOT / "media").is_dir() else set()
    assert after == before, "nothing typeset into the repository's media/"
