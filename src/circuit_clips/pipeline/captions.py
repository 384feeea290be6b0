"""Captions: Manim writes SubRip (``.srt``) subcaptions; browsers want WebVTT (``.vtt``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import srt

__all__ = ["Cue", "read_srt", "to_webvtt", "shifted"]


@dataclass(frozen=True)
class Cue:
    """One caption: shown from ``start`` to ``end`` (seconds)."""

    start: float
    end: float
    text: str


def read_srt(path: Path) -> list[Cue]:
    """The cues of an ``.srt`` file (none if the file does not exist: the scene had no captions)."""
    if not path.exists():
        return []
    return [
        Cue(s.start.total_seconds(), s.end.total_seconds(), s.content)
        for s in srt.parse(path.read_text(encoding="utf-8"))
    ]


def _timestamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def to_webvtt(cues: list[Cue], kind: str | None = None) -> str:
    """A WebVTT document with ``cues``, timings kept to the millisecond."""
    lines = ["WEBVTT" + (f" - {kind}" if kind else ""), ""]
    for i, cue in enumerate(cues, 1):
        text = cue.text.replace("-->", "->")
        lines += [str(i), f"{_timestamp(cue.start)} --> {_timestamp(cue.end)}", text, ""]
    return "\n".join(lines)


def shifted(cues: list[Cue], offset: float) -> list[Cue]:
    """The same cues, ``offset`` seconds later."""
    return [Cue(c.start + offset, c.end + offset, c.text) for c in cues]
