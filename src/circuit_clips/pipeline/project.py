"""Where a project's scenes live, which clips it has, and where their files go.

The pipeline knows clips only by name: clip ``foo_bar`` is ``scenes/foo_bar.py``
with Scene class ``FooBar``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CLIPS",
    "COMPILATION",
    "QUALITIES",
    "Project",
    "Quality",
    "UnknownClipError",
    "class_name",
]

#: The clips in storyboard order: the order of the post's full video.
CLIPS: tuple[str, ...] = (
    "linear_maps",
    "residual_stream",
    "virtual_weights",
    "attention_head",
    "heads_are_additive",
    "qk_ov_circuits",
    "zero_layer",
    "one_layer",
    "induction_heads",
    "composition",
    "trained_model",
)

#: The name of the post's full video, all clips joined.
COMPILATION = "MathematicalFramework"


@dataclass(frozen=True)
class Quality:
    """A render quality: Manim's quality flag, its frame size and rate, and its output folder."""

    name: str
    flag: str
    width: int
    height: int
    fps: int
    folder: str


QUALITIES: dict[str, Quality] = {
    "high": Quality("high", "h", 1920, 1080, 60, "videos"),
    "low": Quality("low", "l", 854, 480, 15, "preview"),
}


class UnknownClipError(ValueError):
    """A clip, scene class or quality name that does not exist."""


def class_name(clip: str) -> str:
    """The Scene class name of a clip: ``residual_stream`` -> ``ResidualStream``."""
    return "".join(part.capitalize() for part in clip.split("_"))


_CLIP_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Project:
    """A checkout: its ``scenes/`` folder and its ``media/`` folder.

    Parameters
    ----------
    root
        The folder holding ``scenes/`` (default: ``$CIRCUIT_CLIPS_ROOT`` or the current folder).
    media
        The media folder (default: ``root/media``).
    """

    root: Path
    media: Path

    @classmethod
    def here(cls) -> Project:
        root = Path(os.environ.get("CIRCUIT_CLIPS_ROOT", ".")).resolve()
        media = Path(os.environ.get("CIRCUIT_CLIPS_MEDIA", root / "media")).resolve()
        return cls(root, media)

    @property
    def scenes_dir(self) -> Path:
        return self.root / "scenes"

    def clips(self) -> list[str]:
        """Every clip with a scene file: storyboard clips first, in order, then any others by name."""
        found = {p.stem for p in self.scenes_dir.glob("*.py") if _CLIP_NAME.match(p.stem)}
        ordered = [c for c in CLIPS if c in found]
        return ordered + sorted(found - set(CLIPS))

    def scene_file(self, clip: str) -> Path:
        """The scene file of ``clip``; an :class:`UnknownClipError` listing the clips if none."""
        path = self.scenes_dir / f"{clip}.py"
        if not _CLIP_NAME.match(clip) or not path.is_file():
            known = ", ".join(self.clips()) or "(none)"
            raise UnknownClipError(f"no clip named {clip!r}: there is no {path}. Clips: {known}")
        return path

    def quality(self, name: str) -> Quality:
        try:
            return QUALITIES[name]
        except KeyError:
            raise UnknownClipError(
                f"unknown quality {name!r}: choose one of {', '.join(QUALITIES)}"
            ) from None

    def output_dir(self, quality: Quality) -> Path:
        """Where finished files are published: ``media/videos`` (high) or ``media/preview`` (low)."""
        return self.media / quality.folder

    def build_dir(self, clip: str, quality: Quality) -> Path:
        """Manim's own working folder for one clip at one quality.

        One folder per clip keeps parallel renders from sharing Manim's LaTeX and text caches.
        """
        return self.media / "build" / quality.name / clip
