"""The speed-up engine: Manim renders the clips faster, with the same pixels.

Apart from drawing (the kit draws model values; this only changes how Manim renders them):

* :class:`FastCairoCamera` (:mod:`.camera`) - Manim's Cairo camera with less Python per mobject;
* :class:`HoldOnceFileWriter` (:mod:`.frame_writer`) - a still hold is stored as its first and
  last frame, partial movies are joined by their timestamps;
* :func:`share_svg_paths_in_copies` (:mod:`.copies`) - copies of text glyphs share their parsed
  SVG path;
* :func:`batch_transform_interpolation` (:mod:`.transforms`) - a ``Transform`` interpolates all
  its submobjects in one NumPy batch.

The last two change Manim for the whole process, so nothing is patched on import:
:func:`install` patches (once), and ``ClipScene`` calls it when a clip is constructed. With
``CIRCUIT_CLIPS_PLAIN_MANIM`` set (:data:`PLAIN_MANIM`), nothing is installed and clips render
with Manim exactly as it ships (the benchmark's baseline). What each part measured:
``docs/performance.md``.
"""

from __future__ import annotations

import os

from .camera import FastCairoCamera
from .copies import share_svg_paths_in_copies
from .frame_writer import HoldOnceFileWriter
from .transforms import batch_transform_interpolation

__all__ = [
    "PLAIN_MANIM",
    "FastCairoCamera",
    "HoldOnceFileWriter",
    "batch_transform_interpolation",
    "install",
    "plain_manim",
    "share_svg_paths_in_copies",
]

#: Set (to anything) in the environment, clips render with Manim's renderer exactly as Manim
#: ships it: the benchmark's baseline ("plain Manim") and its near-lossless reference.
PLAIN_MANIM = "CIRCUIT_CLIPS_PLAIN_MANIM"

_installed = False


def plain_manim() -> bool:
    """Whether :data:`PLAIN_MANIM` asks for Manim as it ships (then the engine stays out)."""
    return bool(os.environ.get(PLAIN_MANIM))


def install() -> bool:
    """Patch Manim with the process-wide speed-ups (copies, transforms), once.

    Returns whether the engine is in use: False, and nothing patched, with :data:`PLAIN_MANIM`
    set. Calling it again does nothing more.
    """
    global _installed
    if plain_manim():
        return False
    if not _installed:
        share_svg_paths_in_copies()
        batch_transform_interpolation()
        _installed = True
    return True
