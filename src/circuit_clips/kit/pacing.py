"""Pacing: a beat lasts at least as long as its caption takes to read."""

from __future__ import annotations

__all__ = ["READING_RATE", "reading_time", "hold_to_read"]

READING_RATE = 15.0
"""Characters per second a viewer reads in subtitles while also watching the picture: the
pace every published caption cue keeps (:func:`circuit_clips.pipeline.captions.cue_pace`)."""


def reading_time(caption: str, rate: float = READING_RATE) -> float:
    """Seconds needed to read ``caption`` at ``rate`` characters per second."""
    if rate <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    return len(caption) / rate


def hold_to_read(caption: str, run_time: float, *, minimum: float = 0.6, rate: float = READING_RATE) -> float:
    """How long to hold after ``run_time`` s of animation so that ``caption`` can be read.

    At least ``minimum`` (a beat always rests a moment), otherwise whatever
    :func:`reading_time` still needs once the animations have run.

    Examples
    --------
    >>> hold_to_read("x" * 45, run_time=1.0)
    2.0
    >>> hold_to_read("short", run_time=2.0)
    0.6
    """
    return max(minimum, reading_time(caption, rate) - run_time)
