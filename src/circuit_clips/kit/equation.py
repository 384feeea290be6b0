"""The running equation at the top of the frame, and small math labels.

Every clip keeps one equation on screen along the top (:data:`~.layout.EQUATION_LINE`) and
changes it as the story moves on. :class:`EquationStrip` owns that line: where an equation
goes, which equation is showing now, and how one gives way to the next.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import (
    UP,
    Animation,
    FadeIn,
    FadeOut,
    MathTex,
    ReplacementTransform,
    TransformMatchingTex,
    smooth,
    squish_rate_func,
)

from .theme import MATH_SIZE_BODY, MATH_SIZE_LABEL, MUTED_TEXT_COLOR, TEXT_COLOR

__all__ = ["EquationStrip", "TRANSITIONS", "shape_tex"]

TRANSITIONS = ("cross_fade", "slide", "match", "morph")
"""How one equation gives way to the next (:meth:`EquationStrip.change_to`):

* ``"cross_fade"``: the old one fades out in the first half of the time, then the new one fades
  in, in place (never both at once: two equations overlapping read as scrambled glyphs);
* ``"slide"``: the same, both drifting up a little;
* ``"match"``: parts with the same TeX move to their new place (:class:`~manim.TransformMatchingTex`);
  the old equation's other parts fade out in the first 40% of the time, the new one's fade in in the
  last 40%, so no two glyphs ever fade through each other; for equations that share parts;
* ``"morph"``: the first edition's point-by-point morph (:class:`~manim.ReplacementTransform`),
  which scrambles the glyphs of unrelated equations. Kept so that the first edition renders
  unchanged; not for new clips.
"""


class EquationStrip:
    """The equation line at the top of the frame: one equation at a time, in one place.

    Parameters
    ----------
    top_buff
        Gap between the frame's top edge and the equation's top.
    x
        Horizontal centre of every equation (``None``: centred in the frame).
    center
        A fixed centre point for every equation instead (overrides ``top_buff`` and ``x``).
    keep_centre
        Each later equation is centred where the current one is, instead of being placed
        afresh (so a taller equation grows both ways).
    font_size
        Size of equations built by :meth:`tex`.

    Examples
    --------
    ::

        self.strip = EquationStrip(x=2.5)
        self.beat("...", self.strip.show(self.strip.tex("x_0", "=", r"W_E\\,t")))
        self.beat("...", *self.strip.change_to(self.strip.tex(r"x_1 = x_0 + h(x_0)"), "cross_fade"))
    """

    def __init__(
        self,
        *,
        top_buff: float = 0.35,
        x: float | None = None,
        center: Sequence[float] | None = None,
        keep_centre: bool = False,
        font_size: float = MATH_SIZE_BODY,
    ) -> None:
        self.top_buff = top_buff
        self.x = x
        self.center = None if center is None else np.asarray(center, dtype=float)
        self.keep_centre = keep_centre
        self.font_size = font_size
        self.current: MathTex | None = None
        self._placed: set[int] = set()  # equations already in place (placing twice could nudge them)

    # --- building and placing ---------------------------------------------------
    def tex(self, *parts: str, colors: dict[int, object] | None = None, **kwargs) -> MathTex:
        """A ``MathTex`` of ``parts`` at the strip's size; ``colors`` maps part index -> colour."""
        kwargs.setdefault("font_size", self.font_size)
        equation = MathTex(*parts, **kwargs)
        for index, color in (colors or {}).items():
            equation[index].set_color(color)
        return equation

    def place(self, equation: MathTex) -> MathTex:
        """Move ``equation`` to the strip's place (returns it), e.g. to put things beside it first."""
        self._placed.add(id(equation))
        if self.keep_centre and self.current is not None:
            return equation.move_to(self.current)
        if self.center is not None:
            return equation.move_to(self.center)
        equation.to_edge(UP, buff=self.top_buff)
        if self.x is not None:
            equation.set_x(self.x)
        return equation

    def _in_place(self, equation: MathTex) -> MathTex:
        return equation if id(equation) in self._placed else self.place(equation)

    # --- animations ----------------------------------------------------------------
    def show(self, equation: MathTex, **fade_kwargs) -> Animation:
        """Place ``equation``, make it the current one, and return its ``FadeIn``."""
        if self.current is not None:
            raise ValueError("the strip already shows an equation: use change_to(new, transition)")
        self.current = self._in_place(equation)
        return FadeIn(equation, **fade_kwargs)

    def change_to(self, equation: MathTex, transition: str = "cross_fade", **kwargs) -> list[Animation]:
        """Place ``equation`` and return the animations replacing the current one by it.

        ``transition`` is one of :data:`TRANSITIONS`; ``kwargs`` go to the animations.
        """
        if transition not in TRANSITIONS:
            raise ValueError(f"unknown transition {transition!r}: use one of {', '.join(TRANSITIONS)}")
        old = self.current
        if old is None:
            raise ValueError("the strip shows no equation yet: start with show(equation)")
        self._in_place(equation)
        self.current = equation
        if transition == "morph":
            return [ReplacementTransform(old, equation, **kwargs)]
        if transition == "match":
            return [_matched(old, equation, **kwargs)]
        shift = {"shift": 0.25 * UP} if transition == "slide" else {}
        rate = kwargs.pop("rate_func", smooth)
        return [
            FadeOut(old, **shift, rate_func=squish_rate_func(rate, 0.0, 0.5), **kwargs),
            FadeIn(equation, **shift, rate_func=squish_rate_func(rate, 0.5, 1.0), **kwargs),
        ]

    def hide(self, **fade_kwargs) -> Animation:
        """Fade the current equation out; the strip is empty afterwards."""
        if self.current is None:
            raise ValueError("the strip shows no equation")
        old, self.current = self.current, None
        return FadeOut(old, **fade_kwargs)


def _matched(old: MathTex, new: MathTex, **kwargs) -> TransformMatchingTex:
    """``TransformMatchingTex`` with its fades apart: the old leftovers leave before the new parts come."""
    match = TransformMatchingTex(old, new, **kwargs)
    for part in match.animations:
        if isinstance(part, FadeOut):
            part.rate_func = squish_rate_func(smooth, 0.0, 0.4)
        elif isinstance(part, FadeIn):
            part.rate_func = squish_rate_func(smooth, 0.6, 1.0)
    return match


def shape_tex(name: str, rows: int, cols: int, *, font_size: float = MATH_SIZE_LABEL) -> MathTex:
    """``name (rows x cols)`` with the shape in muted grey: ``[0]`` is the name, ``[1]`` the shape."""
    tex = MathTex(name, rf"\;({rows}\times{cols})", font_size=font_size, color=TEXT_COLOR)
    tex[1].set_color(MUTED_TEXT_COLOR)
    return tex
