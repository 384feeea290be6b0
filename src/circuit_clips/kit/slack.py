"""Slack for the reader: beats held a little past the readers' limit.

:class:`~circuit_clips.kit.scene.ClipScene` with ``pace_to_captions`` holds a beat until its caption
can be read at the readers' limit, 15 characters a second: a viewer who reads at exactly that pace
has no time left to look at the picture. A clip that can afford it mixes in :class:`Unhurried`,
which holds every beat until its caption can be read at :attr:`Unhurried.reading_rate` (slower),
so its cues run a little under the limit.
"""

from __future__ import annotations

from manim.animation.animation import prepare_animation

from .pacing import hold_to_read

__all__ = ["Unhurried"]


class Unhurried:
    """Mix into a :class:`~circuit_clips.kit.scene.ClipScene` (first): every beat lasts at least its
    caption's reading time at :attr:`reading_rate` characters a second.

    Examples
    --------
    ::

        class LinearMaps(Unhurried, ClipScene):
            reading_rate = 14.5
    """

    #: Characters a second the beats are paced to (the readers' limit is 15).
    reading_rate: float = 14.0

    def beat(self, caption: str, *animations, hold: float = 0.6, **play_kwargs) -> None:
        """:meth:`ClipScene.beat <circuit_clips.kit.scene.ClipScene.beat>`, held until ``caption``
        can be read at :attr:`reading_rate`."""
        animations = tuple(prepare_animation(a) for a in animations)  # .animate builders too
        spent = play_kwargs.get("run_time", max((a.run_time for a in animations), default=0.0))
        hold = hold_to_read(
            caption, spent, minimum=hold, rate=self.reading_rate, frame_rate=self.camera.frame_rate
        )
        super().beat(caption, *animations, hold=hold, **play_kwargs)
