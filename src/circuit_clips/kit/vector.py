"""A vector drawn as a column of value-coloured cells."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    Animation,
    Line,
    MathTex,
    Mobject,
    Rectangle,
    RoundedRectangle,
    Text,
    VGroup,
    VMobject,
)
from manim.utils.color import ManimColor, interpolate_color

from .theme import (
    CELL_STROKE_COLOR,
    FONT_SIZE_LABEL,
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    TEXT_COLOR,
    VALUE_SCALE,
)

__all__ = ["Recolor", "SubspaceGuide", "SubspaceGuides", "VectorColumn", "make_label", "subspace_guides"]


def make_label(label: str | Mobject, *, font_size: float = MATH_SIZE_LABEL, color=TEXT_COLOR) -> Mobject:
    """A label mobject: strings are typeset as ``MathTex``; mobjects pass through."""
    if isinstance(label, Mobject):
        return label
    return MathTex(label, font_size=font_size, color=color)


class Recolor(Animation):
    """Animate the fill colours of ``cells`` to ``colors`` (one per cell).

    Cheaper than a ``Transform``: only the fill colour of each cell is
    interpolated, never its points.

    Parameters
    ----------
    cells
        A group whose submobjects are the cells, in order.
    colors
        The final fill colour of each cell.
    """

    def __init__(self, cells: VGroup, colors: Sequence[ManimColor], **kwargs) -> None:
        if len(colors) != len(cells):
            raise ValueError(f"{len(colors)} colours for {len(cells)} cells")
        self.end_colors = list(colors)
        self.start_colors = [cell.get_fill_color() for cell in cells]
        super().__init__(cells, **kwargs)

    def interpolate_mobject(self, alpha: float) -> None:
        t = self.rate_func(alpha)
        for cell, start, end in zip(self.mobject, self.start_colors, self.end_colors):
            cell.set_fill(interpolate_color(start, end, t), opacity=1)


class VectorColumn(VGroup):
    """A vector as a column of cells coloured by value on the one value scale.

    Index 0 is the top cell. The column keeps its numbers in :attr:`values`,
    so animations (:meth:`animate_values`, :func:`~circuit_clips.kit.verbs.write`)
    can compute what the cells must show.

    Parameters
    ----------
    values
        The vector, shape ``[n]``.
    cell_height, cell_width
        Size of one cell (scene units).
    label
        Optional label under the column (a string is typeset as ``MathTex``).
    subspaces
        Optional ``name -> slice`` mapping; draws a bracket and a name beside
        each block of cells (on ``subspace_side``).
    subspace_side
        ``LEFT`` or ``RIGHT``.
    outline_color
        Colour of the frame around the cells (default: muted grey).
    rounded
        Draw the frame with rounded corners (the residual stream's shape).
    label_font_size, subspace_font_size
        Sizes of the label and of the subspace names.

    Examples
    --------
    >>> col = VectorColumn(np.array([1.0, 0.0, -0.5]), label="x")
    >>> len(col.cells)
    3
    """

    def __init__(
        self,
        values: Sequence[float] | np.ndarray,
        *,
        cell_height: float = 0.22,
        cell_width: float = 0.32,
        label: str | Mobject | None = None,
        subspaces: Mapping[str, slice] | None = None,
        subspace_side: np.ndarray = LEFT,
        outline_color: ManimColor | str | None = None,
        outline_width: float = 2.0,
        rounded: bool = False,
        label_font_size: float = MATH_SIZE_LABEL,
        subspace_font_size: float = FONT_SIZE_LABEL,
    ) -> None:
        super().__init__()
        vals = np.asarray(values, dtype=float)
        if vals.ndim != 1 or vals.size == 0:
            raise ValueError(f"VectorColumn needs a non-empty 1-D vector, got shape {vals.shape}")
        self.values = vals.copy()
        self.cell_height = cell_height
        self.cell_width = cell_width

        self.cells = self._build_cells(vals, cell_height, cell_width)
        self.add(self.cells)

        pad = min(0.06, cell_width * 0.2)
        frame_w, frame_h = cell_width + 2 * pad, len(vals) * cell_height + 2 * pad
        color = outline_color if outline_color is not None else MUTED_TEXT_COLOR
        if rounded:
            radius = min(0.12, frame_w / 3)
            self.outline = RoundedRectangle(corner_radius=radius, width=frame_w, height=frame_h)
        else:
            self.outline = Rectangle(width=frame_w, height=frame_h)
        self.outline.set_stroke(color, width=outline_width).set_fill(opacity=0).move_to(self.cells)
        self.add(self.outline)

        self.brackets = VGroup()
        if subspaces:
            self.brackets = subspace_guides(self, subspaces, side=subspace_side, font_size=subspace_font_size)
            self.add(self.brackets)

        self.label: Mobject | None = None
        if label is not None:
            self.label = make_label(label, font_size=label_font_size)
            self.label.next_to(self.outline, DOWN, buff=0.15)
            self.add(self.label)

    # --- building ------------------------------------------------------------
    @staticmethod
    def _build_cells(vals: np.ndarray, cell_height: float, cell_width: float) -> VGroup:
        stroke = 0.6 if cell_height < 0.15 else 1.0
        cells = VGroup()
        for i, color in enumerate(VALUE_SCALE.colors(vals)):
            cell = Rectangle(width=cell_width, height=cell_height)
            cell.set_stroke(CELL_STROKE_COLOR, width=stroke).set_fill(color, opacity=1)
            cell.move_to(DOWN * (i + 0.5) * cell_height)
            cells.add(cell)
        return cells

    # --- reading -----------------------------------------------------------
    @property
    def size(self) -> int:
        """The number of entries (cells)."""
        return len(self.values)

    @property
    def body(self) -> VGroup:
        """The cells and their frame, without label or brackets."""
        return VGroup(self.cells, self.outline)

    def cell(self, index: int) -> VMobject:
        """The cell of entry ``index``."""
        return self.cells[index]

    def cells_of(self, part: slice | Sequence[int]) -> VGroup:
        """The cells of a slice (e.g. a subspace) or a list of indices."""
        idx = range(len(self.values))[part] if isinstance(part, slice) else part
        return VGroup(*[self.cells[i] for i in idx])

    def cell_colors(self) -> list[ManimColor]:
        """The current fill colour of every cell, top to bottom."""
        return [cell.get_fill_color() for cell in self.cells]

    # --- changing values -------------------------------------------------------
    def _check(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        vals = np.asarray(values, dtype=float)
        if vals.shape != self.values.shape:
            raise ValueError(f"expected shape {self.values.shape}, got {vals.shape}")
        return vals

    def set_values(self, values: Sequence[float] | np.ndarray) -> VectorColumn:
        """Show ``values`` at once (no animation); returns ``self``."""
        vals = self._check(values)
        for cell, color in zip(self.cells, VALUE_SCALE.colors(vals)):
            cell.set_fill(color, opacity=1)
        self.values = vals.copy()
        return self

    def animate_values(self, values: Sequence[float] | np.ndarray, **kwargs) -> Animation:
        """An animation recolouring the cells to ``values``.

        :attr:`values` is updated immediately (the number the column will
        show); the cells catch up when the animation plays.
        """
        vals = self._check(values)
        self.values = vals.copy()
        return Recolor(self.cells, VALUE_SCALE.colors(vals), **kwargs)


class SubspaceGuide(VGroup):
    """One subspace's bracket and name (``[0]`` the bracket, ``[1]`` the name), lit as one."""

    def __init__(self, name: str, bracket: VMobject, name_mob: Text) -> None:
        super().__init__(bracket, name_mob)
        self.subspace = name
        self.bracket = bracket
        self.name_mob = name_mob

    def light(self, color, **anim_kwargs) -> list:
        """Animations colouring the name and the bracket in ``color`` (e.g. the head that writes there)."""
        return [
            self.name_mob.animate(**anim_kwargs).set_color(color),
            self.bracket.animate(**anim_kwargs).set_stroke(color),
        ]


class SubspaceGuides(VGroup):
    """The guide of every subspace of a column (:class:`SubspaceGuide`) or of a matrix's rows or
    columns (:func:`~circuit_clips.kit.matrix_guides.matrix_guides`), in order, found by name."""

    def named(self, name: str) -> SubspaceGuide:
        """The guide of subspace ``name``."""
        for guide in self.submobjects:
            if guide.subspace == name:
                return guide
        raise KeyError(
            f"no subspace named {name!r}: the guides are {', '.join(g.subspace for g in self.submobjects)}"
        )


def subspace_guides(
    column: VectorColumn,
    subspaces: Mapping[str, slice],
    *,
    side: np.ndarray = LEFT,
    font_size: float = FONT_SIZE_LABEL,
    color=MUTED_TEXT_COLOR,
    buff: float = 0.1,
) -> SubspaceGuides:
    """Brackets and names for the subspaces of ``column``, on ``side``.

    Each subspace gets a thin bracket spanning its cells and its name,
    aligned to the bracket's middle. Returns the :class:`SubspaceGuide` of
    each (non-empty) subspace, in the order of ``subspaces``; look one up by
    name with :meth:`SubspaceGuides.named`.
    """
    guides = SubspaceGuides()
    edge = column.outline.get_edge_center(side)[0] + side[0] * buff
    tick = 0.07 * side[0]
    for name, part in subspaces.items():
        cells = column.cells_of(part)
        if len(cells) == 0:
            continue
        top = cells[0].get_top()[1] - 0.02
        bottom = cells[-1].get_bottom()[1] + 0.02
        bracket = VMobject(stroke_color=color, stroke_width=2)
        bracket.set_points_as_corners(
            [[edge - tick, top, 0], [edge, top, 0], [edge, bottom, 0], [edge - tick, bottom, 0]]
        )
        name_mob = Text(name, font_size=font_size, color=color)
        name_mob.next_to(Line([edge, top, 0], [edge, bottom, 0]), side, buff=0.08)
        guides.add(SubspaceGuide(name, bracket, name_mob))
    return guides
