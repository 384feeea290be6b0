"""Manim's command line, counting how far the render has got.

``python -m circuit_clips.pipeline.manim_runner ARGS`` runs ``manim ARGS``; with
``CIRCUIT_CLIPS_PROGRESS=FILE`` set, it also counts the animations (every ``play`` and ``wait``
goes through the renderer's ``play``) and the frames (the renderer's ``add_frame``) into FILE
(see :class:`.progress.Counter`). Nothing in the scenes or the kit knows about it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .progress import Counter

PROGRESS = "CIRCUIT_CLIPS_PROGRESS"


def count_into(path: Path) -> Counter:
    """Wrap Manim's Cairo renderer so every animation and frame it draws is counted into ``path``."""
    from manim.renderer.cairo_renderer import CairoRenderer

    counter = Counter(path)
    play, add_frame = CairoRenderer.play, CairoRenderer.add_frame

    def counted_play(self, *args, **kwargs):
        try:
            return play(self, *args, **kwargs)
        finally:
            counter.plays += 1
            counter.flush()

    def counted_add_frame(self, frame, num_frames: int = 1):
        add_frame(self, frame, num_frames)
        counter.frames += num_frames
        counter.flush(force=False)

    CairoRenderer.play, CairoRenderer.add_frame = counted_play, counted_add_frame
    counter.flush()
    return counter


def main() -> None:
    if os.environ.get(PROGRESS):
        count_into(Path(os.environ[PROGRESS]))
    from manim.__main__ import main as manim_main

    sys.argv[0] = "manim"
    manim_main()


if __name__ == "__main__":
    main()
