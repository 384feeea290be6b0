"""The readers' report on published clips: each clip's length, cues and fastest cue, and the total.

``python -m circuit_clips.pipeline readers [--quality low] [CLIP ...]`` prints it: what a clip's
author checks after a render (is every cue readable, does the set still fit the full video's
budget). It exits non-zero when a cue breaks the readers' pace or, for the whole set, the clips
together run longer than :data:`~circuit_clips.readers.MAX_FULL_VIDEO_SECONDS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .captions import cue_chars, cue_pace, pace_problems, read_vtt
from .mp4 import probe

__all__ = ["ClipReading", "clip_reading", "readers_report"]


@dataclass(frozen=True)
class ClipReading:
    """One published clip as a reader meets it."""

    name: str
    seconds: float
    cues: int
    chars: int
    fastest_cps: float
    problems: tuple[str, ...]

    def __str__(self) -> str:
        flag = f"  {len(self.problems)} cue(s) too fast or too short" if self.problems else ""
        return (
            f"{self.name:20s} {self.seconds:6.1f} s  {self.cues:3d} cues  {self.chars:5d} chars"
            f"  fastest {self.fastest_cps:4.1f} cps{flag}"
        )


def clip_reading(name: str, folder: Path) -> ClipReading:
    """The reading of clip ``name`` published in ``folder`` (its ``.mp4`` and ``.vtt``)."""
    video, captions = folder / f"{name}.mp4", folder / f"{name}.vtt"
    for path in (video, captions):
        if not path.is_file():
            raise FileNotFoundError(f"{path} does not exist yet: run `make {name}` first")
    cues = read_vtt(captions)
    paces = cue_pace(cues)
    return ClipReading(
        name=name,
        seconds=probe(video).duration,
        cues=len(cues),
        chars=sum(cue_chars(c.text) for c in cues),
        fastest_cps=max((p.cps for p in paces), default=0.0),
        problems=tuple(pace_problems(cues)),
    )


def readers_report(names: list[str], folder: Path, *, budget: float | None) -> tuple[str, bool]:
    """The report's text for ``names`` and whether it passes.

    ``budget`` is the most seconds the clips may run together (the full video's
    :data:`~circuit_clips.readers.MAX_FULL_VIDEO_SECONDS` for the whole set); ``None`` checks
    only the cues (a few clips alone).
    """
    readings = [clip_reading(name, folder) for name in names]
    lines = [str(r) for r in readings]
    lines += [f"  {problem}" for r in readings for problem in r.problems]
    total = sum(r.seconds for r in readings)
    ok = not any(r.problems for r in readings)
    minutes, seconds = divmod(total, 60)
    line = f"{'total':20s} {total:6.1f} s  ({int(minutes)} min {seconds:04.1f} s)"
    if budget is not None:
        over = total > budget
        line += f"  {'over' if over else 'within'} the budget of {budget:g} s"
        ok = ok and not over
    lines.append(line)
    return "\n".join(lines), ok
