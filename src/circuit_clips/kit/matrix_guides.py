"""Guides on a heat map's axes: which rows or columns belong to which subspace, and block frames.

A weight matrix of the model maps the residual stream's labelled subspaces
(``model.subspaces``) to something else, so its rows (what it writes) or its
columns (what it reads) fall into the same blocks. These helpers mark them:

* :func:`matrix_guides` - a bracket (and optionally a name) per block of rows
  (``side=LEFT``/``RIGHT``) or of columns (``side=UP``/``DOWN``);
* :func:`block_frame` - a frame around the cells of a block of rows and columns
  (e.g. the only non-zero block of ``W_O W_V``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Line, Rectangle, Text, VGroup, VMobject
from manim.utils.color import ManimColor

from .heatmap import HeatMap
from .theme import FONT_SIZE_LABEL, MUTED_TEXT_COLOR, TEXT_COLOR
from .vector import SubspaceGuides

__all__ = ["matrix_guides", "block_frame"]


def _span(n: int, part: slice) -> range:
    return range(n)[part]


def _bracket_ends(
    heatmap: HeatMap, idx: range, side: np.ndarray, buff: float, tick: float = 0.07
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ends ``a``, ``b`` of the bracket beside rows (``side`` ``LEFT``/``RIGHT``) or columns
    (``UP``/``DOWN``) ``idx`` of ``heatmap``, and the tick pointing back at the grid."""
    if abs(side[0]) > abs(side[1]):
        first, last = heatmap.cell(idx[0], 0), heatmap.cell(idx[-1], 0)
        x = heatmap.outline.get_edge_center(side)[0] + side[0] * buff
        a = np.array([x, first.get_top()[1] - 0.02, 0])
        b = np.array([x, last.get_bottom()[1] + 0.02, 0])
        return a, b, -np.sign(side[0]) * tick * RIGHT
    first, last = heatmap.cell(0, idx[0]), heatmap.cell(0, idx[-1])
    y = heatmap.outline.get_edge_center(side)[1] + side[1] * buff
    a = np.array([first.get_left()[0] + 0.02, y, 0])
    b = np.array([last.get_right()[0] - 0.02, y, 0])
    return a, b, -np.sign(side[1]) * tick * UP


def matrix_guides(
    heatmap: HeatMap,
    subspaces: Mapping[str, slice],
    *,
    side: np.ndarray = LEFT,
    names: bool | Mapping[str, str] = True,
    font_size: float = FONT_SIZE_LABEL,
    color: ManimColor | str = MUTED_TEXT_COLOR,
    buff: float = 0.1,
) -> SubspaceGuides:
    """Brackets marking the blocks of rows (``LEFT``/``RIGHT``) or columns (``UP``/``DOWN``) of ``heatmap``.

    Parameters
    ----------
    heatmap
        The matrix drawn.
    subspaces
        ``name -> slice`` of its rows (side ``LEFT``/``RIGHT``) or columns
        (side ``UP``/``DOWN``), e.g. ``model.subspaces``.
    side
        Where the brackets go.
    names
        ``True``: write each subspace's name beside its bracket; ``False``: brackets
        only; a mapping: write ``names[name]`` for the names it holds (others get
        no name), e.g. ``{"previous token": "prev"}``.
    font_size, color, buff
        Size and colour of the names; distance from the grid's outline.

    Returns
    -------
    SubspaceGuides
        One ``VGroup(bracket[, name])`` per non-empty subspace, in order; ``.named(name)`` is
        the guide of subspace ``name`` (each guide's ``.subspace``).

    Examples
    --------
    >>> hm = HeatMap(np.eye(4), cell_size=0.2)
    >>> guides = matrix_guides(hm, {"a": slice(0, 1), "b": slice(1, 4)})
    >>> len(guides), guides.named("b").subspace
    (2, 'b')
    """
    vertical = abs(side[0]) > abs(side[1])  # brackets run vertically, along rows
    n_rows, n_cols = heatmap.shape
    guides = SubspaceGuides()
    for label, part in subspaces.items():
        idx = _span(n_rows if vertical else n_cols, part)
        if len(idx) == 0:
            continue
        a, b, inward = _bracket_ends(heatmap, idx, side, buff)
        bracket = VMobject(stroke_color=color, stroke_width=2)
        bracket.set_points_as_corners([a + inward, a, b, b + inward])
        guide = VGroup(bracket)
        guide.subspace = label
        text = label if names is True else (names.get(label) if isinstance(names, Mapping) else None)
        if text:
            name = Text(text, font_size=font_size, color=color)
            name.next_to(Line(a, b), side, buff=0.08)
            guide.add(name)
        guides.add(guide)
    return guides


def block_frame(
    heatmap: HeatMap,
    rows: slice = slice(None),
    cols: slice = slice(None),
    *,
    color: ManimColor | str = TEXT_COLOR,
    buff: float = 0.03,
    stroke_width: float = 3.0,
) -> Rectangle:
    """A rectangle framing the cells ``heatmap[rows, cols]`` (not added to ``heatmap``)."""
    n_rows, n_cols = heatmap.shape
    r, c = _span(n_rows, rows), _span(n_cols, cols)
    if len(r) == 0 or len(c) == 0:
        raise ValueError(f"empty block rows={rows} cols={cols} of a {n_rows} x {n_cols} matrix")
    top_left = heatmap.cell(r[0], c[0]).get_corner(UP + LEFT)
    bottom_right = heatmap.cell(r[-1], c[-1]).get_corner(DOWN + RIGHT)
    width, height = bottom_right[0] - top_left[0] + 2 * buff, top_left[1] - bottom_right[1] + 2 * buff
    frame = Rectangle(width=width, height=height).move_to((top_left + bottom_right) / 2)
    return frame.set_stroke(color, width=stroke_width).set_fill(opacity=0)
