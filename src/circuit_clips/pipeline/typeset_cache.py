"""One store of typeset text for every clip and quality, so LaTeX and Pango run once per string.

Manim keeps the SVG of every ``MathTex``/``Tex`` (``Tex/``) and ``Text`` (``texts/``) it
typesets in its media folder, named by a hash of everything that shapes it (the LaTeX source,
or the text with its font, size and style), and reuses a file that exists. Each clip renders in
its own working folder (:mod:`.render`), so on their own the clips never share that work: the
480p preview typesets again what the 1080p render already did, and so does a clip whose render
was interrupted (its folder is emptied). LaTeX is a third of a preview render's time.

So before a render the working folder is seeded with the store's SVGs, and after a successful
render its new SVGs are added to the store. Only finished renders add, each file is written
under a temporary name and renamed into place, and a name fixes its content, so clips
rendering at once can share the store safely: at worst both typeset the same string.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["CACHES", "seed", "collect"]

#: Manim's folders of typeset SVGs inside its media folder, each named by a content hash.
CACHES = ("Tex", "texts")


def seed(store: Path, work: Path) -> int:
    """Copy the store's SVGs that ``work`` lacks into it; returns how many were copied."""
    copied = 0
    for svg, target in _missing(store, work):
        shutil.copyfile(svg, target)
        copied += 1
    return copied


def collect(work: Path, store: Path) -> int:
    """Add the SVGs ``work`` typeset that the store lacks (each written whole, then renamed)."""
    added = 0
    for svg, target in _missing(work, store):
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{svg.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out, open(svg, "rb") as src:
                shutil.copyfileobj(src, out)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        added += 1
    return added


def _missing(source: Path, destination: Path) -> Iterator[tuple[Path, Path]]:
    """Each SVG of ``source``'s caches that ``destination`` lacks, with where it would go there."""
    for cache in CACHES:
        have = source / cache
        if not have.is_dir():
            continue
        into = destination / cache
        into.mkdir(parents=True, exist_ok=True)
        present = {p.name for p in into.glob("*.svg")}
        for svg in have.glob("*.svg"):
            if svg.name not in present:
                yield svg, into / svg.name
