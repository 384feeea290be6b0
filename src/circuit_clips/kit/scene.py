"""``ClipScene``: the base of every clip (title card, captioned beats, poster frame)."""

from __future__ import annotations

import random
import textwrap
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from manim import (
    DOWN,
    UP,
    AnimationGroup,
    FadeIn,
    FadeOut,
    LaggedStart,
    LaggedStartMap,
    Paragraph,
    Scene,
    Succession,
    Text,
    VGroup,
    config,
)
from manim.animation.animation import prepare_animation
from manim.constants import RendererType
from manim.renderer.cairo_renderer import CairoRenderer

from ..engine import PLAIN_MANIM, FastCairoCamera, HoldOnceFileWriter, install
from ..titles import plain_text, split_math
from .inline_math import inline_math, inline_math_lines
from .pacing import PACING_RATE, hold_to_read
from .theme import BACKGROUND_COLOR, FONT_SIZE_BODY, FONT_SIZE_TITLE, MUTED_TEXT_COLOR, TEXT_COLOR

__all__ = ["ClipScene", "SERIES_NAME", "PLAIN_MANIM"]

SERIES_NAME = "A Mathematical Framework for Transformer Circuits"


class ClipScene(Scene):
    """Base class of every clip: its numbers, title card, story and summary frame.

    A clip is one file: a frozen dataclass of the numbers it shows, one
    module-level function computing them from the model (tests call it
    directly), and the scene, which names that function and tells its
    story as a short list of named beats::

        @dataclass(frozen=True)
        class ResidualStreamNumbers:
            model: AttnOnlyTransformer
            ...

        def numbers() -> ResidualStreamNumbers:
            ...

        class ResidualStream(ClipScene):
            title = "The residual stream"
            description = "Every layer reads from the stream and adds its output back."
            numbers = staticmethod(numbers)

            def story(self):
                self.embed_tokens()      # each method ends in self.beat(...)
                ...

            def summary(self):
                self.end_on_summary("The final stream is the sum of all writes.", ...)

    Scene files do without ``from __future__ import annotations``: the
    pipeline imports them as anonymous modules, where a dataclass with
    string annotations cannot be built.

    :meth:`construct` runs the same steps for every clip: ``self.shown =
    numbers()`` (and ``self.model``, its model), :meth:`lay_out` (build
    what the title card must not wait for; nothing is drawn), the title
    card (:meth:`show_title`), :meth:`story`, then :meth:`summary`, which
    must end on :meth:`end_on_summary`.

    * :meth:`beat` plays animations, holds, and captions the whole span
      (every beat carries a subcaption, which becomes the clip's subtitles);
    * :meth:`end_on_summary` builds the last frame and holds it still (the
      poster).

    Randomness: use :attr:`rng` (``numpy.random.default_rng(seed)``); Python's
    and NumPy's global generators are seeded too.
    """

    title: str = ""
    description: str = ""
    #: Hold every beat at least until its caption can be read (:func:`.pacing.hold_to_read`).
    pace_to_captions: bool = False
    #: With ``pace_to_captions``: the characters a second beats are paced to
    #: (:data:`.pacing.PACING_RATE`, 14.5, half a character under the readers' limit of 15); a
    #: clip that can afford it paces slower still (14, say).
    reading_rate: float = PACING_RATE
    seed: int = 0
    #: How long the title card stays up after fading in (s), at least until it can be read.
    title_hold: float = 1.6
    #: The clip's numbers: a function of no arguments returning a frozen dataclass with a ``model``.
    numbers: Callable[[], Any] | None = None

    def __init__(self, renderer=None, **kwargs) -> None:
        engine = install()  # the speed-ups, unless PLAIN_MANIM asks for Manim as it ships
        if renderer is None and config.renderer == RendererType.CAIRO and engine:
            # Manim's own renderer, drawing with less overhead (see engine.camera) and storing
            # still holds once (see engine.frame_writer).
            renderer = CairoRenderer(
                file_writer_class=HoldOnceFileWriter,
                camera_class=kwargs.get("camera_class", FastCairoCamera),
                skip_animations=kwargs.get("skip_animations", False),
            )
        super().__init__(renderer=renderer, **kwargs)

    def setup(self) -> None:
        super().setup()
        self.camera.background_color = BACKGROUND_COLOR
        random.seed(self.seed)
        np.random.seed(self.seed)
        self.rng = np.random.default_rng(self.seed)

    # --- the clip's shape --------------------------------------------------------
    def construct(self) -> None:
        """Numbers, layout, title card, story, summary frame: the same for every clip."""
        if type(self).numbers is None:
            raise TypeError(f"{type(self).__name__} names no numbers: set numbers = staticmethod(numbers)")
        self.shown = type(self).numbers()
        self.model = self.shown.model
        self._summarised = False
        self.lay_out()
        self.show_title(hold=self.title_hold)
        self.story()
        self.summary()
        if not self._summarised:
            raise RuntimeError(f"{type(self).__name__}.summary() must end with self.end_on_summary(...)")

    def lay_out(self) -> None:
        """Build what must exist before the title card (nothing is drawn). Optional."""

    def story(self) -> None:
        """The clip's beats, in order: a short list of named method calls."""
        raise NotImplementedError(f"{type(self).__name__} tells no story: write story()")

    def summary(self) -> None:
        """The last beat(s), ending on :meth:`end_on_summary` (the poster frame)."""
        raise NotImplementedError(f"{type(self).__name__} has no summary: write summary()")

    # --- beats ---------------------------------------------------------------
    def show_title(self, *, hold: float = 1.6) -> VGroup:
        """Open with the title card (series name, title, description), then clear it.

        ``title`` and ``description`` may hold math between ``$...$``, typeset inline
        (:func:`.inline_math.inline_math`). The card is held ``hold`` s, or longer: until its
        title and sentence can be read (:func:`.pacing.hold_to_read` of both), in whole frames.
        The caption is the title as plain text (:func:`circuit_clips.titles.plain_text`); the
        description is on screen.
        """
        if not self.title:
            raise ValueError(f"{type(self).__name__} has no title")
        series = Text(SERIES_NAME, font_size=FONT_SIZE_BODY - 4, color=MUTED_TEXT_COLOR)
        if len(split_math(self.title)) > 1 or split_math(self.title)[0][0]:
            title = inline_math(self.title, font_size=FONT_SIZE_TITLE, color=TEXT_COLOR)
        else:
            title = Text(self.title, font_size=FONT_SIZE_TITLE, color=TEXT_COLOR)
        max_width = config.frame_width - 1.5
        if title.width > max_width:
            title.scale_to_fit_width(max_width)
        if "$" in self.description:
            description = inline_math_lines(
                self.description, width=56, font_size=FONT_SIZE_BODY, color=MUTED_TEXT_COLOR
            )
        else:
            lines = textwrap.wrap(self.description, width=56) or [""]
            description = Paragraph(
                *lines, font_size=FONT_SIZE_BODY, color=MUTED_TEXT_COLOR, alignment="center", line_spacing=0.8
            )
        card = VGroup(series, title, description).arrange(DOWN, buff=0.45)
        caption = plain_text(self.title)
        fade_in = 1.2
        card_text = f"{caption} {plain_text(self.description)}".strip()
        self.beat(
            caption,
            FadeIn(series, shift=0.2 * DOWN),
            FadeIn(title, shift=0.2 * UP),
            FadeIn(description),
            run_time=fade_in,
            hold=hold_to_read(card_text, fade_in, minimum=hold, frame_rate=self.camera.frame_rate),
        )
        self.play(FadeOut(card), run_time=0.6)
        return card

    def beat(self, caption: str, *animations, hold: float = 0.6, **play_kwargs) -> None:
        """Play ``animations`` together, hold still for ``hold`` s, caption the whole span.

        Parameters
        ----------
        caption
            The subtitle for this beat (one or two short sentences).
        *animations
            Passed to ``Scene.play`` (may be empty: then the beat only holds).
        hold
            Seconds to wait after the animations (the caption stays up).
        **play_kwargs
            Passed to ``Scene.play`` (``run_time``, ``lag_ratio``...).
        """
        if not caption:
            raise ValueError("every beat needs a caption")
        if self.pace_to_captions:
            animations = tuple(prepare_animation(a) for a in animations)  # .animate builders too
            spent = play_kwargs.get("run_time", max((a.run_time for a in animations), default=0.0))
            hold = hold_to_read(
                caption, spent, minimum=hold, rate=self.reading_rate, frame_rate=self.camera.frame_rate
            )
        start = self.time
        if animations:
            self.play(*animations, **play_kwargs)
        if hold > 0:
            self.wait(hold)
        elapsed = self.time - start
        if elapsed > 0:
            self.add_subcaption(caption, duration=elapsed, offset=-elapsed)

    def beat_in_steps(self, caption: str, steps: Iterable[tuple], *, hold: float = 0.6) -> None:
        """One caption over several plays in a row, each step ``(run_time, *animations)``.

        Unlike a ``Succession`` inside one :meth:`beat`, each play ends cleanly (what fades out
        is gone before the next step). A step with no animations is a still moment. ``steps``
        may be a generator: each step is then built after the one before has played (for
        animations that start from what the last step left). With ``pace_to_captions`` the hold
        after the last step lasts until the caption can be read.
        """
        if not caption:
            raise ValueError("every beat needs a caption")
        start, spent = self.time, 0.0
        for run_time, *animations in steps:
            if animations:
                self.play(*animations, run_time=run_time)
            else:
                self.wait(run_time)
            spent += run_time  # as planned, whether or not frames are drawn
        if self.pace_to_captions:
            hold = hold_to_read(
                caption, spent, minimum=hold, rate=self.reading_rate, frame_rate=self.camera.frame_rate
            )
        if hold > 0:
            self.wait(hold)
        elapsed = self.time - start
        self.add_subcaption(caption, duration=elapsed, offset=-elapsed)

    def end_on_summary(self, caption: str, *animations, hold: float = 2.5, **play_kwargs) -> None:
        """Build the summary frame with ``animations``, then hold it still (the poster).

        Nothing may move during the hold: the last frame is the clip's
        poster.
        """
        if hold < 2.0:
            raise ValueError("the summary frame is held at least 2 s")
        self.beat(caption, *animations, hold=hold, **play_kwargs)
        self._summarised = True

    def clear_stage(self, *keep, run_time: float = 0.8) -> AnimationGroup | None:
        """An animation fading out everything except ``keep`` (None if nothing to fade)."""
        kept = {id(m) for k in keep for m in k.get_family()}
        gone = [m for m in self.mobjects if id(m) not in kept]
        if not gone:
            return None
        return AnimationGroup(*[FadeOut(m) for m in gone], run_time=run_time)

    # --- bookkeeping -----------------------------------------------------------
    def get_moving_mobjects(self, *animations) -> list:
        """Redraw each frame only what moves, plus what is drawn over it.

        Manim redraws every mobject that comes after the first moving one in
        the scene, so recolouring one stream column would redraw the whole
        stream, the heat maps and the legend on every frame. Here the moving
        mobjects (those the animations act on, or with updaters) are redrawn,
        together with any later-drawn mobject whose box overlaps one of them
        when the animation starts (a label or frame on top of a recoloured
        cell keeps its place on top); everything else is drawn once into the
        static frame.
        """
        family = self.get_mobject_family_members()
        moving = {id(m) for m in _animated_family(animations)}
        moving |= {id(m) for m in self.foreground_mobjects}
        moving |= {id(m) for m in family if m.updaters}
        flags = np.array([id(m) in moving for m in family], dtype=bool)
        if flags.any():
            first = int(np.argmax(flags))
            boxes = np.array([_box(m) for m in family])
            movers = boxes[flags & ~np.isnan(boxes[:, 0])]
            later = np.arange(len(family)) > first
            candidates = np.nonzero(later & ~flags & ~np.isnan(boxes[:, 0]))[0]
            if len(candidates) and len(movers):
                cand = boxes[candidates]
                overlap = (
                    (cand[:, None, 0] < movers[None, :, 2])
                    & (movers[None, :, 0] < cand[:, None, 2])
                    & (cand[:, None, 1] < movers[None, :, 3])
                    & (movers[None, :, 1] < cand[:, None, 3])
                ).any(axis=1)
                flags[candidates[overlap]] = True
        return [m for m, moves in zip(family, flags) if moves]

    def add_mobjects_from_animations(self, animations: Iterable) -> None:
        """Add the animated mobjects that are not in the scene yet, one by one.

        Manim's default adds the ``Group`` an ``AnimationGroup`` wraps around
        its animations' mobjects; when a temporary copy inside that group is
        later removed, the group is split and mobjects already in the scene
        stay behind as duplicates. Adding leaf mobjects avoids that. Mobjects
        that an introducer (``FadeIn``, ``Create``...) of the same play brings
        in are left to it, so a later step of a ``Succession`` does not show
        them early.
        """
        leaves = _leaf_animations(animations)
        introduced = {id(m) for anim in leaves if anim.is_introducer() for m in anim.mobject.get_family()}
        current = self.get_mobject_family_members()
        for anim in leaves:
            mob = anim.mobject
            if anim.is_introducer() or mob is None or mob in current or id(mob) in introduced:
                continue  # introducers add their mobject when they start (also inside a Succession)
            self.add(mob)
            current += mob.get_family()


def _box(mob) -> tuple[float, float, float, float]:
    """``(xmin, ymin, xmax, ymax)`` of a mobject's own points (NaN if it has none)."""
    points = mob.points
    if len(points) == 0:
        return (np.nan, np.nan, np.nan, np.nan)
    lo, hi = points.min(axis=0), points.max(axis=0)
    return (lo[0], lo[1], hi[0], hi[1])


def _animated_family(animations: Iterable) -> list:
    """Every mobject (with its family) that the animations, nested ones included, act on."""
    found = []
    for anim in animations:
        found.extend(anim.mobject.get_family())
        if isinstance(anim, AnimationGroup):
            found.extend(_animated_family(anim.animations))
    return found


def _leaf_animations(animations: Iterable) -> list:
    """The animations inside plain groups (``AnimationGroup``, ``Succession``, ``LaggedStart``).

    Subclasses that manage their own group (``TransformMatchingTex``...) are
    kept whole: they remove exactly that group when they finish.
    """
    leaves = []
    for anim in animations:
        if type(anim) in _PLAIN_GROUPS:
            leaves.extend(_leaf_animations(anim.animations))
        else:
            leaves.append(anim)
    return leaves


_PLAIN_GROUPS = (AnimationGroup, Succession, LaggedStart, LaggedStartMap)
