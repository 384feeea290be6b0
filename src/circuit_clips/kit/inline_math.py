"""Text with inline math (``"the path $T = W_U W_E$"``), typeset on one baseline.

The title card (:meth:`.scene.ClipScene.show_title`) draws a clip's title and description
with it: the words in the kit's font (:class:`~manim.Text`), the math between ``$...$`` as
:class:`~manim.MathTex`, each piece moved so that all sit on one baseline.
:func:`circuit_clips.titles.plain_text` is the same text for places that show plain text.
"""

from __future__ import annotations

import textwrap

from manim import DOWN, RIGHT, UP, MathTex, Text, VGroup

from ..titles import split_math
from .theme import TEXT_COLOR

__all__ = ["inline_math", "inline_math_lines", "wrap_keeping_math"]

_NBSP = "\x00"  # stands for a space inside math while wrapping


def _piece(math: bool, chunk: str, font_size: float, color) -> tuple[VGroup, float]:
    """``chunk`` typeset, and the height of its baseline: it is typeset after an "x", which
    sits on the baseline, and the "x" is dropped."""
    if math:
        ref = MathTex("x", chunk, font_size=font_size, color=color)
        return VGroup(*ref[1]), ref[0].get_bottom()[1]
    ref = Text("x" + chunk, font_size=font_size, color=color)
    return VGroup(*ref.submobjects[1:]), ref.submobjects[0].get_bottom()[1]


def inline_math(text: str, *, font_size: float, color=TEXT_COLOR) -> VGroup:
    """One line of ``text``, its ``$...$`` parts typeset as math, all on one baseline.

    Each piece is a submobject, in order (text pieces are :class:`~manim.Text` glyphs, math
    pieces :class:`~manim.MathTex` parts). A space around ``$`` is kept as a word space. The
    math is sized so that its capitals are as tall as the text's (at one ``font_size`` TeX's
    are about 30% smaller than the kit's font).
    """
    space = Text("x x", font_size=font_size).width - Text("xx", font_size=font_size).width
    math_size = font_size * Text("X", font_size=font_size).height / MathTex("X", font_size=font_size).height
    line = VGroup()
    right, spaced = None, False
    for math, chunk in split_math(text):
        stripped = chunk if math else chunk.strip()
        before = spaced or (not math and chunk[:1].isspace())
        spaced = not math and chunk[-1:].isspace()
        if not stripped:
            continue
        piece, baseline = _piece(math, stripped, math_size if math else font_size, color)
        piece.shift(-baseline * UP)
        if right is not None:
            piece.shift((right + (space if before else 0.04 * space) - piece.get_left()[0]) * RIGHT)
        right = piece.get_right()[0]
        line.add(piece)
    return line


def wrap_keeping_math(text: str, width: int) -> list[str]:
    """``text`` wrapped at ``width`` characters, never inside a ``$...$`` part."""
    protected = "".join(
        f"${chunk.replace(' ', _NBSP)}$" if math else chunk.replace("$", "\\$")
        for math, chunk in split_math(text)
    )
    return [
        line.replace(_NBSP, " ")
        for line in textwrap.wrap(protected, width=width, break_long_words=False, break_on_hyphens=False)
    ] or [""]


def inline_math_lines(
    text: str, *, width: int, font_size: float, color=TEXT_COLOR, buff: float = 0.2
) -> VGroup:
    """``text`` wrapped at ``width`` characters (:func:`wrap_keeping_math`), each line
    :func:`inline_math`, the lines centred under one another."""
    lines = VGroup(
        *(inline_math(line, font_size=font_size, color=color) for line in wrap_keeping_math(text, width))
    )
    return lines.arrange(DOWN, buff=buff)
