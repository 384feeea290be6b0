"""Rendering one clip with Manim, in its own working folder, then publishing it."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .manifest import scene_text
from .project import Project, Quality, UnknownClipError, class_name
from .publish import publish_clip

__all__ = ["RenderError", "scene_classes", "check_scene_class", "render_clip", "build_clip"]


class RenderError(RuntimeError):
    """Manim failed to render a clip."""


def scene_classes(scene_file: Path) -> list[str]:
    """The names of the classes defined at the top level of a scene file."""
    tree = ast.parse(scene_file.read_text(encoding="utf-8"), filename=str(scene_file))
    return [node.name for node in tree.body if isinstance(node, ast.ClassDef)]


def check_scene_class(project: Project, clip: str) -> str:
    """The clip's Scene class name, after checking its scene file defines it."""
    scene_file = project.scene_file(clip)
    expected = class_name(clip)
    found = scene_classes(scene_file)
    if expected not in found:
        raise UnknownClipError(
            f"{scene_file} must define class {expected} (the clip name in CamelCase); "
            f"it defines: {', '.join(found) or 'no classes'}"
        )
    return expected


def render_clip(project: Project, clip: str, quality: Quality, *, manim_args: list[str] = ()) -> Path:
    """Render ``clip`` with Manim into its working folder and return the MP4's path.

    The working folder (``media/build/<quality>/<clip>``) is Manim's ``media_dir`` for this
    render alone, so clips rendering in parallel never share a LaTeX or text cache.
    """
    scene_file = project.scene_file(clip)
    cls = check_scene_class(project, clip)
    work = project.build_dir(clip, quality)
    out = work / "out" / f"{clip}.mp4"
    shutil.rmtree(out.parent, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "manim", "render",
        "-q", quality.flag,
        "--media_dir", str(work),
        "-o", str(out),
        "--progress_bar", "none",
        "-v", "WARNING",
        *manim_args,
        str(scene_file), cls,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run(cmd, cwd=project.root, env=env)
    if result.returncode != 0:
        raise RenderError(f"manim failed to render {clip} ({scene_file}, exit code {result.returncode})")
    if not out.is_file():
        raise RenderError(f"manim finished {clip} but wrote no video at {out}")
    return out


def build_clip(project: Project, clip: str, quality: Quality, *, manim_args: list[str] = ()) -> Path:
    """Render ``clip`` and publish it into the quality's output folder; returns the published MP4.

    The scene class's ``title`` and ``description`` (read from the scene file, not imported;
    the title falls back to the clip name) are tagged into the MP4 and listed in the manifest.
    """
    title, description = scene_text(project.scene_file(clip), class_name(clip))
    rendered = render_clip(project, clip, quality, manim_args=manim_args)
    return publish_clip(
        rendered, project.output_dir(quality), clip, title=title or clip, description=description
    )
