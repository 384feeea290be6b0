"""``manifest.json``: what a site needs to know about every video in a published folder.

The manifest is a function of the folder. Each published MP4 carries its clip's title and
description as tags, written at publish time from the scene class's ``title`` and
``description`` attributes (read with :mod:`ast`: the pipeline never imports a scene), so the
manifest can always be rebuilt from the files themselves, and is, every time it is written.
It is written by the same all-or-nothing step that publishes a clip or the full video, as its
last file, with the folder locked, so it never names a missing file and parallel publishes do
not lose each other's entries.

Layout (``duration`` in seconds, ``size`` in bytes, file names relative to the folder)::

    {"clips": [ENTRY, ...],                 # storyboard order
     "full_video": ENTRY or null}           # MathematicalFramework, with two more keys:
                                            #   "chapters": its chapters file name,
                                            #   "parts": [{"clip", "title", "start", "end"}, ...]
    ENTRY = {"name", "title", "description", "duration", "width", "height", "fps", "size",
             "sha256", "codecs", "mp4", "poster", "captions"}
"""

from __future__ import annotations

import ast
import fcntl
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import av

from ..titles import plain_text
from .captions import read_vtt
from .mp4 import codecs_parameter, probe, tags
from .project import CLIPS, COMPILATION

__all__ = [
    "MANIFEST",
    "scene_text",
    "video_entry",
    "build_manifest",
    "write_manifest",
    "read_manifest",
    "folder_lock",
]

#: The manifest's file name, inside the published folder.
MANIFEST = "manifest.json"

_CLIP_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def scene_text(scene_file: Path, cls: str) -> tuple[str, str]:
    """The ``title`` and ``description`` string attributes of class ``cls`` in ``scene_file``.

    Read with :mod:`ast`, without importing the scene, as plain text
    (:func:`circuit_clips.titles.plain_text`: math between ``$...$``, typeset on the title
    card, loses its ``$`` and TeX markup; whitespace is collapsed to single spaces, the
    description is one line). An attribute that is missing, or not a string literal, reads as
    ``""``: the caller falls back to the clip name for the title.
    """
    tree = ast.parse(scene_file.read_text(encoding="utf-8"), filename=str(scene_file))
    found: dict[str, str] = {}
    for node in tree.body:
        if not (isinstance(node, ast.ClassDef) and node.name == cls):
            continue
        for stmt in node.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                target, value = stmt.targets[0], stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                target, value = stmt.target, stmt.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("title", "description"):
                try:
                    text = ast.literal_eval(value)
                except ValueError:
                    print(
                        f"warning: {scene_file}: {cls}.{target.id} is not a string literal", file=sys.stderr
                    )
                    continue
                if isinstance(text, str):
                    try:
                        found[target.id] = plain_text(text)
                    except ValueError as error:
                        raise ValueError(f"{scene_file}: {cls}.{target.id}: {error}") from None
    return found.get("title", ""), found.get("description", "")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def video_entry(name: str, mp4: Path, *, published_as: str | None = None) -> dict:
    """The manifest entry of video ``name`` whose bytes are in ``mp4``.

    ``mp4`` may still be a temporary file about to be renamed to ``published_as`` (the file
    name the entry gives, default ``NAME.mp4``); the poster and captions are ``NAME.png`` and
    ``NAME.vtt``.
    """
    info = probe(mp4)
    tagged = tags(mp4)
    fps = int(info.fps) if info.fps.denominator == 1 else round(float(info.fps), 3)
    return {
        "name": name,
        "title": tagged.get("title") or name,
        "description": tagged.get("description", ""),
        "duration": round(info.duration, 3),
        "width": info.width,
        "height": info.height,
        "fps": fps,
        "size": mp4.stat().st_size,
        "sha256": _sha256(mp4),
        "codecs": codecs_parameter(mp4),
        "mp4": published_as or f"{name}.mp4",
        "poster": f"{name}.png",
        "captions": f"{name}.vtt",
    }


def _order(name: str) -> tuple[int, str]:
    return (CLIPS.index(name) if name in CLIPS else len(CLIPS), name)


def build_manifest(folder: Path, pending: Mapping[Path, Path] | None = None) -> dict:
    """The manifest of ``folder`` as it will be once ``pending`` (final path -> temporary file)
    is renamed into place. A video is listed only when its MP4, poster and captions (and, for
    the full video, chapters) all exist; a file that is not a readable video is skipped with a
    warning."""
    pending = dict(pending or {})

    def source(final: Path) -> Path | None:
        if final in pending:
            return pending[final]
        return final if final.is_file() else None

    def entry(name: str, *extra: str) -> dict | None:
        needed = [f"{name}.mp4", f"{name}.png", f"{name}.vtt", *extra]
        if any(source(folder / n) is None for n in needed):
            return None
        try:
            return video_entry(name, source(folder / f"{name}.mp4"))
        except (av.FFmpegError, ValueError) as err:
            print(f"warning: {folder / name}.mp4 is left out of the manifest: {err}", file=sys.stderr)
            return None

    names = {p.stem for p in folder.glob("*.mp4")} | {p.stem for p in pending if p.suffix == ".mp4"}
    clips = [e for n in sorted(filter(_CLIP_NAME.match, names), key=_order) if (e := entry(n))]
    chapters = f"{COMPILATION}.chapters.vtt"
    full = entry(COMPILATION, chapters)
    if full is not None:
        full["chapters"] = chapters
        full["parts"] = [
            {"clip": c.identifier, "title": c.text, "start": c.start, "end": c.end}
            for c in read_vtt(source(folder / chapters))
        ]
    return {"clips": clips, "full_video": full}


def write_manifest(path: Path, manifest: dict) -> None:
    """Write ``manifest`` as JSON to ``path`` (a temporary name: rename it into place after)."""
    with open(path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2, ensure_ascii=False)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())


def read_manifest(folder: Path) -> dict:
    """The manifest of a published folder (``FileNotFoundError`` if nothing was published there)."""
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


@contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (``flock`` on the directory itself: no lock file).

    Every writer of the manifest takes it around building the manifest and renaming its files
    into place, so two clips published at once (``make -j``) both end up listed.
    """
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
