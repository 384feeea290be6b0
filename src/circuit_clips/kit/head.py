"""An attention head drawn as a block holding its four matrices."""

from __future__ import annotations

from manim import DOWN, RIGHT, UP, MathTex, Paragraph, Rectangle, RoundedRectangle, VGroup
from manim.utils.color import ManimColor

from .theme import (
    BACKGROUND_COLOR,
    FONT_SIZE_LABEL,
    KEY_COLOR,
    MATH_SIZE_LABEL,
    QUERY_COLOR,
    TEXT_COLOR,
    VALUE_COLOR,
    head_color,
)

__all__ = ["AttentionHeadBlock", "MatrixTile"]


class MatrixTile(VGroup):
    """A small box standing for one weight matrix, with its name in ``MathTex``.

    Parameters
    ----------
    tex
        The matrix's name, e.g. ``"W_Q"``.
    color
        Frame colour.
    width, height
        Size of the box.
    """

    def __init__(
        self,
        tex: str,
        color: ManimColor | str,
        *,
        width: float = 0.7,
        height: float = 0.55,
        font_size: float = MATH_SIZE_LABEL,
    ) -> None:
        super().__init__()
        self.box = Rectangle(width=width, height=height)
        self.box.set_stroke(color, width=2.5).set_fill(BACKGROUND_COLOR, opacity=1)
        self.tex = MathTex(tex, font_size=font_size, color=TEXT_COLOR).move_to(self.box)
        if self.tex.width > width * 0.9:
            self.tex.scale_to_fit_width(width * 0.9)
        self.color = ManimColor(color)
        self.add(self.box, self.tex)


class AttentionHeadBlock(VGroup):
    """Head ``head`` of layer ``layer`` as a block of its four matrices.

    The block's frame and ``W_O`` are in the head's colour
    (:func:`~circuit_clips.kit.theme.head_color`); ``W_Q``, ``W_K``, ``W_V``
    are framed in the query, key and value colours. Use :attr:`w_q`,
    :attr:`w_k`, :attr:`w_v`, :attr:`w_o` as the ``through`` argument of
    :func:`~circuit_clips.kit.verbs.read`.

    Parameters
    ----------
    layer, head
        Which head (selects its colour and default name).
    name
        Title written inside the block (default ``"head {layer}.{head}"``);
        ``"\\n"`` breaks it into centred lines.
    tile_width, tile_height, gap
        Size of the matrix tiles and the space between them.
    vertical
        Stack the tiles top to bottom (Q, K, V, O) instead of a row, to sit
        beside rows of query, key and value vectors.
    font_size
        Size of the title.

    Examples
    --------
    >>> block = AttentionHeadBlock(1, 0, name="induction head")
    >>> block.color == head_color(1, 0)
    True
    """

    def __init__(
        self,
        layer: int,
        head: int,
        *,
        name: str | None = None,
        tile_width: float = 0.75,
        tile_height: float = 0.55,
        gap: float = 0.15,
        vertical: bool = False,
        font_size: float = FONT_SIZE_LABEL,
    ) -> None:
        super().__init__()
        self.layer, self.head = layer, head
        self.color = head_color(layer, head)
        kw = {"width": tile_width, "height": tile_height}
        self.w_q = MatrixTile("W_Q", QUERY_COLOR, **kw)
        self.w_k = MatrixTile("W_K", KEY_COLOR, **kw)
        self.w_v = MatrixTile("W_V", VALUE_COLOR, **kw)
        self.w_o = MatrixTile("W_O", self.color, **kw)
        direction = DOWN if vertical else RIGHT
        self.tiles = VGroup(self.w_q, self.w_k, self.w_v, self.w_o).arrange(direction, buff=gap)
        if not vertical:
            # a wider gap between the QK pair and the OV pair
            VGroup(self.w_v, self.w_o).shift(RIGHT * gap)

        lines = (name or f"head {layer}.{head}").split("\n")
        self.title = Paragraph(
            *lines, font_size=font_size, color=self.color, alignment="center", line_spacing=0.7
        )
        self.title.next_to(self.tiles, UP, buff=0.15)
        content = VGroup(self.tiles, self.title)
        self.box = RoundedRectangle(
            corner_radius=0.15, width=content.width + 0.4, height=content.height + 0.35
        ).move_to(content)
        self.box.set_stroke(self.color, width=3).set_fill(self.color, opacity=0.08)
        self.add(self.box, self.tiles, self.title)

    def matrix(self, name: str) -> MatrixTile:
        """The tile ``"Q"``, ``"K"``, ``"V"`` or ``"O"``."""
        return {"Q": self.w_q, "K": self.w_k, "V": self.w_v, "O": self.w_o}[name.upper()]
