"""Pacing: a beat lasts at least as long as its caption takes to read."""

from __future__ import annotations

import math

from circuit_clips.readers import MAX_CHARS_PER_SECOND, MIN_CUE_SECONDS

__all__ = ["READING_RATE", "PACING_RATE", "SHORTEST_CUE", "reading_time", "hold_to_read", "whole_frames"]

READING_RATE = MAX_CHARS_PER_SECOND
"""Characters per second a viewer reads in subtitles while also watching the picture: the
pace every published caption cue keeps (:func:`circuit_clips.pipeline.captions.cue_pace`)."""

PACING_RATE = 14.5
"""Characters per second a clip's beats are held for by default (``ClipScene.reading_rate``):
half a character under :data:`READING_RATE`, so that no cue asks a viewer to read at the limit
with no moment left for the picture."""

SHORTEST_CUE = MIN_CUE_SECONDS
"""Seconds a caption cue stays up at the least, however short its text."""


def reading_time(caption: str, rate: float = READING_RATE) -> float:
    """Seconds needed to read ``caption`` at ``rate`` characters per second."""
    if rate <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    return len(caption) / rate


def whole_frames(seconds: float, frame_rate: float) -> float:
    """``seconds`` rounded up to a whole number of frames at ``frame_rate``.

    A render's clock moves in whole frames: Manim writes a still hold of ``t`` s as
    ``int(t * frame_rate)`` frames, so a hold that is not a whole number of frames comes out
    shorter than asked. The result is a hair (a millionth of a frame) over the whole frame, so
    that flooring it gives that frame count back despite float rounding.

    >>> round(whole_frames(1.97, 15) * 15, 3)  # 29.55 frames: 30
    30.0
    >>> int(whole_frames(2.0, 15) * 15)
    30
    """
    if frame_rate <= 0:
        raise ValueError(f"frame_rate must be positive, got {frame_rate}")
    frames = math.ceil(seconds * frame_rate - 1e-9)
    return (frames + 1e-6) / frame_rate


def hold_to_read(
    caption: str,
    run_time: float,
    *,
    minimum: float = 0.6,
    rate: float = READING_RATE,
    frame_rate: float | None = None,
) -> float:
    """How long to hold after ``run_time`` s of animation so that ``caption`` can be read.

    At least ``minimum`` (a beat always rests a moment), otherwise whatever
    :func:`reading_time` (and :data:`SHORTEST_CUE`) still needs once the animations have run. With ``frame_rate``, the
    hold is rounded up to whole frames (:func:`whole_frames`) and counts only the whole frames
    the animations are sure to fill (``floor(run_time * frame_rate)``), so the beat, as
    rendered at that frame rate, lasts at least the caption's reading time.

    Examples
    --------
    >>> hold_to_read("x" * 45, run_time=1.0)
    2.0
    >>> hold_to_read("short", run_time=2.0)
    0.6
    >>> hold_to_read("short", run_time=0.5)  # a cue stays up SHORTEST_CUE s at the least
    1.0
    >>> round(hold_to_read("x" * 44, run_time=1.0, frame_rate=15) * 15, 3)  # 44/15 - 1 = 1.933 s
    29.0
    """
    needed = max(reading_time(caption, rate), SHORTEST_CUE)
    if frame_rate is None:
        return max(minimum, needed - run_time)
    filled = math.floor(run_time * frame_rate + 1e-9) / frame_rate
    return whole_frames(max(minimum, needed - filled), frame_rate)
