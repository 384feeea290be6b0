"""A row of tokens, each a word on a tinted rounded tile."""

from __future__ import annotations

from collections.abc import Sequence

from manim import RIGHT, RoundedRectangle, Text, VGroup
from manim.utils.color import ManimColor

from .theme import FONT_SIZE_BODY, STREAM_COLOR, TEXT_COLOR

__all__ = ["TokenRow"]


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
        height = max(w.height for w in self.words) + 0.25
        self.tiles = VGroup()
        for word in self.words:
            tile = RoundedRectangle(corner_radius=0.08, width=max(word.width + 0.25, min_width), height=height)
            tile.set_stroke(color, width=1.5, opacity=0.8).set_fill(color, opacity=0.12)
            self.tiles.add(VGroup(tile, word.move_to(tile)))
        self.tiles.arrange(RIGHT, buff=buff)
        self.add(self.tiles)

    def tile(self, pos: int) -> VGroup:
        """The tile (frame and word) of position ``pos``."""
        return self.tiles[pos]
