"""A heat map for big, mostly-zero matrices, drawn as a handful of mobjects.

A ``d_model x d_model`` matrix of the toy models (``W_OV``, ``W_QK``) has
over a thousand entries but only a few non-zero ones. :class:`HeatMap` draws
one rectangle per entry, and every frame in which such a map moves redraws
all of them (a 36 x 36 map costs about a tenth of a second per 1080p frame).
:class:`SparseHeatMap` draws the same picture from a zero-coloured
background, one grid of cell borders (a single path) and one rectangle per
entry whose colour is not the zero colour.
"""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Rectangle, SurroundingRectangle, VGroup, VMobject
from manim.utils.color import ManimColor

from .theme import CELL_STROKE_COLOR, MUTED_TEXT_COLOR, VALUE_SCALE

__all__ = ["SparseHeatMap"]


class SparseHeatMap(VGroup):
    """A matrix on the one value scale, like :class:`~circuit_clips.kit.heatmap.HeatMap`, in few mobjects.

    Looks the same as a :class:`HeatMap` of the same matrix and cell size
    (zero cells in the zero colour, thin borders in the background colour,
    the frame in ``outline_color``) but has no labels and cannot recolour
    its cells: use it for large matrices that are shown, moved and faded.

    Parameters
    ----------
    matrix
        The values, shape ``[rows, cols]``. Non-finite entries get the masked colour.
    cell_size
        Side of one (square) cell, or ``(width, height)``.
    outline_color
        Colour of the frame around the grid.

    Attributes
    ----------
    marks
        One rectangle per entry whose colour differs from the zero colour.

    Examples
    --------
    >>> hm = SparseHeatMap(np.eye(36), cell_size=0.05)
    >>> hm.shape, len(hm.marks)
    ((36, 36), 36)
    """

    def __init__(
        self,
        matrix: np.ndarray,
        *,
        cell_size: float | tuple[float, float] = 0.1,
        outline_color: ManimColor | str = MUTED_TEXT_COLOR,
    ) -> None:
        super().__init__()
        mat = np.asarray(matrix, dtype=float)
        if mat.ndim != 2 or mat.size == 0:
            raise ValueError(f"SparseHeatMap needs a non-empty 2-D matrix, got shape {mat.shape}")
        self.values = mat.copy()
        cw, ch = (cell_size, cell_size) if np.isscalar(cell_size) else cell_size
        self.cell_width, self.cell_height = float(cw), float(ch)
        n_rows, n_cols = mat.shape
        width, height = n_cols * cw, n_rows * ch
        stroke = 0.6 if min(cw, ch) < 0.15 else 1.0  # as HeatMap's cells

        self.background = Rectangle(width=width, height=height, stroke_width=0)
        self.background.set_fill(VALUE_SCALE.zero, opacity=1).move_to([width / 2, -height / 2, 0])
        self.add(self.background)

        self.grid = VMobject()
        for i in range(n_rows + 1):
            self.grid.start_new_path(np.array([0.0, -i * ch, 0.0]))
            self.grid.add_line_to(np.array([width, -i * ch, 0.0]))
        for j in range(n_cols + 1):
            self.grid.start_new_path(np.array([j * cw, 0.0, 0.0]))
            self.grid.add_line_to(np.array([j * cw, -height, 0.0]))
        self.grid.set_stroke(CELL_STROKE_COLOR, width=stroke).set_fill(opacity=0)
        self.add(self.grid)

        rgb = VALUE_SCALE.rgb(mat)
        zero = np.asarray(VALUE_SCALE.zero.to_rgb())
        self.marks = VGroup()
        self._mark_index: dict[tuple[int, int], int] = {}
        for i, j in zip(*np.nonzero(np.any(np.abs(rgb - zero) > 1e-9, axis=-1))):
            cell = Rectangle(width=cw, height=ch)
            cell.set_stroke(CELL_STROKE_COLOR, width=stroke)
            cell.set_fill(ManimColor.from_rgb(tuple(rgb[i, j])), opacity=1)
            cell.move_to(RIGHT * (j + 0.5) * cw + DOWN * (i + 0.5) * ch)
            self._mark_index[(int(i), int(j))] = len(self.marks)
            self.marks.add(cell)
        self.add(self.marks)

        self.outline = SurroundingRectangle(self.background, buff=0.03, color=outline_color, stroke_width=2)
        self.add(self.outline)

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)`` of the matrix drawn."""
        return self.values.shape

    def cell(self, row: int, col: int) -> Rectangle:
        """The cell at ``(row, col)``: its mark if it has one, else a new rectangle in its place.

        The new rectangle is not part of the map (it stands for a zero cell, e.g. for
        :func:`~circuit_clips.kit.matrix_guides.block_frame`); it is placed where the
        cell is now.
        """
        n_rows, n_cols = self.values.shape
        if not (0 <= row < n_rows and 0 <= col < n_cols):
            raise IndexError(f"cell ({row}, {col}) is outside a {n_rows} x {n_cols} matrix")
        if (row, col) in self._mark_index:
            return self.marks[self._mark_index[(row, col)]]
        cw = self.background.width / n_cols
        ch = self.background.height / n_rows
        corner = self.background.get_corner(UP + LEFT)
        return Rectangle(width=cw, height=ch, stroke_width=0).move_to(
            corner + RIGHT * (col + 0.5) * cw + DOWN * (row + 0.5) * ch
        )
