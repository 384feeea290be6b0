"""Beats paced with a safety margin: captions held at a slightly slower rate than the rule.

:attr:`ClipScene.pace_to_captions` holds each beat until its caption is read at exactly
:data:`~.pacing.READING_RATE` (15 characters a second). A render ends every hold on a whole frame
(at 480p15, every 1/15 s), which can shorten a cue by a frame and publish it a little over the
rule. :class:`PacedBeats` holds to a slightly slower :attr:`~PacedBeats.reading_rate` instead.
"""

from __future__ import annotations

from manim.animation.animation import prepare_animation

from .pacing import hold_to_read, reading_time

__all__ = ["PacedBeats", "SAFE_READING_RATE", "TITLE_FADE_IN"]

SAFE_READING_RATE = 14.5
"""Characters a second a :class:`PacedBeats` clip paces its captions to (below the 15 of the rule)."""

TITLE_FADE_IN = 1.2
"""Seconds the title card takes to fade in (:meth:`ClipScene.show_title`'s ``run_time``): read time too."""


class PacedBeats:
    """Mix into a :class:`~.scene.ClipScene` (before it) so every beat is held at least until its
    caption is read at :attr:`reading_rate`, and the title card until its title and sentence are::

        class ZeroLayer(PacedBeats, ClipScene): ...
    """

    reading_rate: float = SAFE_READING_RATE

    def beat(self, caption: str, *animations, hold: float = 0.6, **play_kwargs) -> None:
        animations = tuple(prepare_animation(a) for a in animations)  # .animate builders too
        spent = play_kwargs.get("run_time", max((a.run_time for a in animations), default=0.0))
        hold = hold_to_read(caption, spent, minimum=hold, rate=self.reading_rate)
        super().beat(caption, *animations, hold=hold, **play_kwargs)

    def show_title(self, *, hold: float = 1.6):
        text = f"{self.title} {self.description}"  # as the pace check counts them, markup included
        return super().show_title(hold=max(hold, reading_time(text, self.reading_rate) - TITLE_FADE_IN))
