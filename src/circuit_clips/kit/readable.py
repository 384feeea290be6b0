"""A clip paced a little under the readers' rate, so that a render's whole-frame holds never outrun it.

:class:`~circuit_clips.kit.scene.ClipScene` with ``pace_to_captions`` holds each beat until its
caption can be read at :data:`~circuit_clips.kit.pacing.READING_RATE`; a 480p15 render ends every
animation and hold on a whole frame, which can shave a caption's time below that rate. A
:class:`ReadableClipScene` paces to :data:`SAFE_RATE` instead, keeps every cue at least
:data:`MIN_BEAT` long, and holds its title card until the title and the sentence under it can be
read at that rate.
"""

from __future__ import annotations

from manim.animation.animation import prepare_animation

from .pacing import reading_time
from .scene import ClipScene

__all__ = ["SAFE_RATE", "MIN_BEAT", "TITLE_FADE_IN", "ReadableClipScene"]

SAFE_RATE = 14.5
"""Characters per second a beat is paced to: under the published 15, a frame or two to spare."""

MIN_BEAT = 1.6
"""The shortest beat, in seconds (a cue must last 1.5 s)."""

TITLE_FADE_IN = 1.2
"""How long :meth:`ClipScene.show_title` fades the card in (its cue covers it and the hold)."""


class ReadableClipScene(ClipScene):
    """A :class:`ClipScene` whose beats and title card are held to be read at :data:`SAFE_RATE`."""

    pace_to_captions = True

    @property
    def title_hold(self) -> float:  # type: ignore[override]
        """The title card's hold: its title and sentence read at :data:`SAFE_RATE`, after the fade-in."""
        return max(1.6, reading_time(f"{self.title} {self.description}", SAFE_RATE) - TITLE_FADE_IN)

    def beat(self, caption: str, *animations, hold: float = 0.6, **play_kwargs) -> None:
        """:meth:`ClipScene.beat`, held until ``caption`` reads at :data:`SAFE_RATE` and lasts :data:`MIN_BEAT`."""
        animations = tuple(prepare_animation(a) for a in animations)
        spent = play_kwargs.get("run_time", max((a.run_time for a in animations), default=0.0))
        needed = max(reading_time(caption, SAFE_RATE), MIN_BEAT) - spent
        super().beat(caption, *animations, hold=max(hold, needed), **play_kwargs)
