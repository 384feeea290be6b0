"""A row of tokens, each a word on a tinted rounded tile."""

from __future__ import annotations

from collections.abc import Sequence

from manim import RIGHT, UP, RoundedRectangle, Text, VGroup
from manim.utils.color import ManimColor

from .theme import FONT_SIZE_BODY, STREAM_COLOR, TEXT_COLOR

__all__ = ["TokenRow", "align_baselines"]


def align_baselines(texts: Sequence[Text], y: float | None = None) -> None:
    """Move ``texts`` vertically so their baselines line up (at ``y``, or the first one's).

    Words differ in ascenders and descenders ("urs", "ley", "D"), so aligning
    tops, centres or bottoms looks ragged. The baseline of each word is found
    by typesetting it after an "x", which sits on the baseline.
    """
    baselines = []
    for text in texts:
        ref = Text("x" + text.text, font_size=text._font_size)
        word = VGroup(*ref.submobjects[1:])
        below = ref.submobjects[0].get_bottom()[1] - word.get_bottom()[1]  # descent below the baseline
        baselines.append(text.get_bottom()[1] + below * text.height / word.height)
    target = baselines[0] if y is None else y
    for text, base in zip(texts, baselines):
        text.shift(UP * (target - base))


class TokenRow(VGroup):
    """Tokens written in a row, each on a tinted rounded tile.

    Parameters
    ----------
    tokens
        The string tokens.
    font_size
        Size of the words.
    color
        Tint and frame colour of the tiles (default: the stream's colour).
    buff
        Space between tiles.
    min_width
        Smallest tile width, so short tokens do not make tiny tiles.

    Examples
    --------
    >>> row = TokenRow(["Mr", "D", "urs"])
    >>> len(row.tiles)
    3
    """

    def __init__(
        self,
        tokens: Sequence[str],
        *,
        font_size: float = FONT_SIZE_BODY,
        color: ManimColor | str = STREAM_COLOR,
        buff: float = 0.15,
        min_width: float = 0.6,
    ) -> None:
        super().__init__()
        self.tokens = list(tokens)
        self.words = VGroup(*[Text(tok, font_size=font_size, color=TEXT_COLOR) for tok in self.tokens])
        align_baselines(self.words, 0.0)
        span = VGroup(*self.words)
        height = span.height + 0.25
        self.tiles = VGroup()
        for word in self.words:
            tile = RoundedRectangle(
                corner_radius=0.08, width=max(word.width + 0.25, min_width), height=height
            )
            tile.set_stroke(color, width=1.5, opacity=0.8).set_fill(color, opacity=0.12)
            tile.move_to([word.get_x(), span.get_y(), 0])
            self.tiles.add(VGroup(tile, word))
        self.tiles.arrange(RIGHT, buff=buff)
        self.add(self.tiles)

    def tile(self, pos: int) -> VGroup:
        """The tile (frame and word) of position ``pos``."""
        return self.tiles[pos]
