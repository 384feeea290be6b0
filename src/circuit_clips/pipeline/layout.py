"""The layout check: after every animation of a clip, everything visible is inside the frame
(:data:`~circuit_clips.kit.theme.FRAME_MARGIN` from its left, top and right edges), nothing
visible reaches into the caption band (the bottom
:data:`~circuit_clips.kit.theme.CAPTION_BAND_HEIGHT` of the frame, where players draw captions)
and no piece of text overlaps another.

The scene is run with animations skipped (each ``play`` jumps to its end state), so the check
costs a fraction of a render and looks at exactly the states a viewer sees settle.
"""

from __future__ import annotations

import importlib.util
import itertools
import tempfile
from dataclasses import dataclass, field

import numpy as np
import srt
from manim import MarkupText, MathTex, Mobject, Paragraph, SingleStringMathTex, Tex, Text, tempconfig
from manim.renderer.cairo_renderer import CairoRenderer

from ..kit.theme import CAPTION_BAND_HEIGHT, FRAME_MARGIN
from .captions import Cue
from .project import Project
from .render import check_scene_class

__all__ = [
    "OUTSIDE_MARGIN",
    "IN_CAPTION_BAND",
    "TEXT_OVERLAP",
    "Violation",
    "LayoutReport",
    "frame_violations",
    "check_clip",
    "load_scene_class",
]

#: The rules, as :attr:`Violation.rule` names them.
OUTSIDE_MARGIN = "outside the frame margin"
IN_CAPTION_BAND = "in the caption band"
TEXT_OVERLAP = "text overlaps text"
#: Two texts overlap when their boxes share more than this much in both directions.
OVERLAP_TOLERANCE = 0.02

TEXT_TYPES = (Text, MarkupText, Paragraph, SingleStringMathTex, MathTex, Tex)


@dataclass(frozen=True)
class Violation:
    """A broken layout rule after animation number ``step`` (0 is the first ``play``/``wait``)."""

    step: int
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"after animation {self.step}: {self.rule}: {self.detail}"


def _visible(mob: Mobject) -> bool:
    if not mob.has_points():
        return False
    fill = getattr(mob, "get_fill_opacity", lambda: 0)()
    stroke = getattr(mob, "get_stroke_opacity", lambda: 0)() * (getattr(mob, "stroke_width", 0) or 0)
    return fill > 0.01 or stroke > 0.01


def _box(mob: Mobject) -> tuple[np.ndarray, np.ndarray]:
    points = mob.get_all_points() if hasattr(mob, "get_all_points") else mob.points
    return points.min(axis=0)[:2], points.max(axis=0)[:2]


def _describe(mob: Mobject) -> str:
    text = (
        getattr(mob, "original_text", None) or getattr(mob, "text", None) or getattr(mob, "tex_string", None)
    )
    return f"{type(mob).__name__}({text!r})" if text else type(mob).__name__


def _lowest_part(top: Mobject) -> Mobject:
    """The lowest visible text in ``top`` (or its lowest visible part), to name what is too low."""
    parts = _texts(top) or [m for m in top.family_members_with_points() if _visible(m)]
    return min(parts, key=lambda m: _box(m)[0][1])


def _texts(mob: Mobject) -> list[Mobject]:
    if isinstance(mob, TEXT_TYPES):
        return [mob] if any(_visible(m) for m in mob.family_members_with_points()) else []
    return [t for sub in mob.submobjects for t in _texts(sub)]


@dataclass(frozen=True)
class LayoutReport:
    """What the check saw: the broken rules, how many animations, and the clip's planned length.

    ``frames`` counts what Manim writes at the check's frame rate (15 fps, the lowest quality):
    counted per animation as Manim's Cairo renderer writes them (see :func:`_frames_written`).
    ``cues`` are the captions the scene added, as a render writes them.
    """

    violations: list[Violation]
    animations: int
    duration: float
    frames: int
    cues: list[Cue] = field(default_factory=list)


def frame_violations(mobjects: list[Mobject], width: float, height: float, step: int) -> list[Violation]:
    """The layout rules broken by ``mobjects`` on a ``width`` x ``height`` frame.

    The bottom of the frame is the caption band's top edge: whatever reaches below it is
    reported as in the caption band (naming its lowest text, or part), not as outside the margin.
    """
    found = []
    left, right, top_edge = -width / 2 + FRAME_MARGIN, width / 2 - FRAME_MARGIN, height / 2 - FRAME_MARGIN
    band_top = -height / 2 + CAPTION_BAND_HEIGHT
    for top in mobjects:
        boxes = [_box(m) for m in top.family_members_with_points() if _visible(m)]
        if not boxes:
            continue
        lo = np.min([b[0] for b in boxes], axis=0)
        hi = np.max([b[1] for b in boxes], axis=0)
        span = f"spans {lo.round(2)}..{hi.round(2)}"
        if lo[0] < left - 1e-6 or hi[0] > right + 1e-6 or hi[1] > top_edge + 1e-6:
            found.append(Violation(step, OUTSIDE_MARGIN, f"{_describe(top)} {span}"))
        if lo[1] < band_top - 1e-6:
            lowest = _lowest_part(top)
            part = "" if lowest is top else f" with {_describe(lowest)}"
            found.append(
                Violation(
                    step,
                    IN_CAPTION_BAND,
                    f"{_describe(top)} reaches y = {lo[1]:.2f} (band top {band_top:.2f}){part}",
                )
            )
    texts = [t for top in mobjects for t in _texts(top)]
    boxes = [_box(t) for t in texts]
    for (a, (alo, ahi)), (b, (blo, bhi)) in itertools.combinations(zip(texts, boxes), 2):
        overlap = np.minimum(ahi, bhi) - np.maximum(alo, blo)
        if np.all(overlap > OVERLAP_TOLERANCE):
            found.append(Violation(step, TEXT_OVERLAP, f"{_describe(a)} and {_describe(b)}"))
    return found


def _frames_written(scene) -> int:
    """How many frames Manim's Cairo renderer writes for the animation ``scene`` just played:
    a still hold is ``int(t * fps)`` copies of one frame, anything else one frame per
    ``arange(0, t, 1/fps)`` step."""
    dt = 1 / scene.camera.frame_rate
    if scene.animations and scene.is_current_animation_frozen_frame():
        return int(scene.duration / dt)
    return len(np.arange(0, scene.duration, dt))


def load_scene_class(project: Project, clip: str) -> type:
    """Import a clip's scene file and return its Scene class."""
    path = project.scene_file(clip)
    name = check_scene_class(project, clip)
    spec = importlib.util.spec_from_file_location(f"circuit_clips_scene_{clip}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def check_clip(project: Project, clip: str) -> LayoutReport:
    """Run ``clip`` with animations skipped and report every layout rule it breaks, step by step."""
    scene_class = load_scene_class(project, clip)
    violations: list[Violation] = []

    durations: list[float] = []
    frames: list[int] = []

    class Checked(scene_class):
        step = 0

        def _check(self) -> None:
            violations.extend(
                frame_violations(self.mobjects, self.camera.frame_width, self.camera.frame_height, self.step)
            )
            self.step += 1

        def play(self, *args, **kwargs):  # wait() plays a Wait, so this sees it too
            super().play(*args, **kwargs)
            durations.append(self.duration)
            frames.append(_frames_written(self))
            self._check()

    with (
        tempfile.TemporaryDirectory() as media,
        tempconfig(
            {
                "quality": "low_quality",
                "media_dir": media,
                "disable_caching": True,
                "format": None,
                "dry_run": True,
                "seed": 0,
                "progress_bar": "none",
                "verbosity": "WARNING",
            }
        ),
    ):
        scene = Checked(renderer=CairoRenderer(skip_animations=True))
        scene.render()
    # as a render writes them (srt.compose sorts and cleans them), rounded to the millisecond as
    # the published .vtt has them
    cues = [
        Cue(round(s.start.total_seconds(), 3), round(s.end.total_seconds(), 3), s.content)
        for s in srt.parse(srt.compose(scene.renderer.file_writer.subcaptions))
    ]
    return LayoutReport(violations, len(durations), sum(durations), sum(frames), cues)
