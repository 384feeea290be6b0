"""Matrices as heat maps on the one value scale, attention patterns, and the legend."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    PI,
    RIGHT,
    UP,
    Animation,
    AnimationGroup,
    Create,
    Line,
    Polygon,
    Rectangle,
    SurroundingRectangle,
    Text,
    VGroup,
)
from manim.utils.color import ManimColor

from .theme import (
    CELL_STROKE_COLOR,
    FONT_SIZE_LABEL,
    FONT_SIZE_MIN,
    MUTED_TEXT_COLOR,
    TEXT_COLOR,
    VALUE_SCALE,
    VALUE_TICKS,
)
from .tokens import align_baselines
from .vector import Recolor

__all__ = ["HeatMap", "AttentionPatternMap", "ColorBar"]


class HeatMap(VGroup):
    """A matrix drawn as a grid of cells coloured on the one value scale.

    Row ``i`` is drawn top to bottom, column ``j`` left to right, as the
    matrix is written. Non-finite entries (a masked score, ``-inf``) are drawn
    dark and, with ``mark_masked``, crossed by a thin diagonal line.

    Parameters
    ----------
    matrix
        The values, shape ``[rows, cols]``.
    cell_size
        Side of one (square) cell, or ``(width, height)``.
    row_labels, col_labels
        Optional labels (e.g. tokens) left of the rows and above the columns.
    row_title, col_title
        Optional axis titles, left of the row labels (rotated) and above the
        column labels.
    col_labels_rotated
        Draw the column labels vertically (for long labels in narrow cells).
    outline_color
        Colour of the frame around the grid.
    font_size
        Size of the labels and titles.
    mark_masked
        Draw a diagonal stroke across non-finite cells.

    Examples
    --------
    >>> hm = HeatMap(np.eye(3), row_labels=list("abc"))
    >>> hm.shape
    (3, 3)
    """

    def __init__(
        self,
        matrix: np.ndarray,
        *,
        cell_size: float | tuple[float, float] = 0.4,
        row_labels: Sequence[str] | None = None,
        col_labels: Sequence[str] | None = None,
        row_title: str | None = None,
        col_title: str | None = None,
        col_labels_rotated: bool = False,
        outline_color: ManimColor | str = MUTED_TEXT_COLOR,
        font_size: float = FONT_SIZE_LABEL,
        mark_masked: bool = True,
    ) -> None:
        super().__init__()
        mat = np.asarray(matrix, dtype=float)
        if mat.ndim != 2 or mat.size == 0:
            raise ValueError(f"HeatMap needs a non-empty 2-D matrix, got shape {mat.shape}")
        if font_size < FONT_SIZE_MIN:
            raise ValueError(f"font_size {font_size} is below the readable minimum {FONT_SIZE_MIN}")
        self.values = mat.copy()
        cw, ch = (cell_size, cell_size) if np.isscalar(cell_size) else cell_size
        self.cell_width, self.cell_height = float(cw), float(ch)

        self.cells = self._grid(mat)
        self.add(self.cells)

        self.masks = VGroup()
        self._marked: set[tuple[int, int]] = set()
        self.mark_masked = mark_masked
        if mark_masked:
            self._mark_masked()
        self.add(self.masks)

        self.outline = SurroundingRectangle(self.cells, buff=0.03, color=outline_color, stroke_width=2)
        self.add(self.outline)

        self.row_labels = self._row_labels(row_labels, font_size)
        if row_labels is not None:
            self.add(self.row_labels)
        self.col_labels = self._col_labels(col_labels, font_size, rotated=col_labels_rotated)
        if col_labels is not None:
            self.add(self.col_labels)

        self.row_title = None
        if row_title is not None:
            self.row_title = Text(row_title, font_size=font_size, color=MUTED_TEXT_COLOR).rotate(PI / 2)
            left_of = self.row_labels if len(self.row_labels) else self.outline
            self.row_title.next_to(left_of, LEFT, buff=0.15).match_y(self.cells)
            self.add(self.row_title)

        self.col_title = None
        if col_title is not None:
            self.col_title = Text(col_title, font_size=font_size, color=MUTED_TEXT_COLOR)
            above = self.col_labels if len(self.col_labels) else self.outline
            self.col_title.next_to(above, UP, buff=0.15).match_x(self.cells)
            self.add(self.col_title)

    def _grid(self, mat: np.ndarray) -> VGroup:
        """One filled cell per entry, row by row, the top-left cell's corner at the origin."""
        cw, ch = self.cell_width, self.cell_height
        stroke = 0.6 if min(cw, ch) < 0.15 else 1.0
        cells = VGroup()
        for (i, j), color in zip(np.ndindex(*mat.shape), VALUE_SCALE.colors(mat)):
            cell = Rectangle(width=cw, height=ch)
            cell.set_stroke(CELL_STROKE_COLOR, width=stroke).set_fill(color, opacity=1)
            cell.move_to(RIGHT * (j + 0.5) * cw + DOWN * (i + 0.5) * ch)
            cells.add(cell)
        return cells

    def _row_labels(self, names: Sequence[str] | None, font_size: float) -> VGroup:
        """The row labels, each left of its row's first cell (empty without ``names``)."""
        labels = VGroup()
        if names is None:
            return labels
        n_rows, n_cols = self.values.shape
        if len(names) != n_rows:
            raise ValueError(f"{len(names)} row labels for {n_rows} rows")
        for i, name in enumerate(names):
            lab = Text(str(name), font_size=font_size, color=TEXT_COLOR)
            lab.next_to(self.cells[i * n_cols], LEFT, buff=0.12)
            labels.add(lab)
        return labels

    def _col_labels(self, names: Sequence[str] | None, font_size: float, *, rotated: bool) -> VGroup:
        """The column labels above the grid on one line (empty without ``names``): baselines
        aligned, or bottoms when ``rotated`` to read upwards."""
        labels = VGroup()
        if names is None:
            return labels
        n_cols = self.values.shape[1]
        if len(names) != n_cols:
            raise ValueError(f"{len(names)} column labels for {n_cols} columns")
        for j, name in enumerate(names):
            lab = Text(str(name), font_size=font_size, color=TEXT_COLOR)
            if rotated:
                lab.rotate(PI / 2)
            lab.next_to(self.cells[j], UP, buff=0.12)
            labels.add(lab)
        if not rotated:
            align_baselines(labels)
            low = min(lab.get_bottom()[1] for lab in labels)
            floor = self.cells.get_top()[1] + 0.1
            for lab in labels:
                lab.shift(UP * max(0.0, floor - low))
        else:
            bottom = max(lab.get_bottom()[1] for lab in labels)
            for lab in labels:
                lab.shift(UP * (bottom - lab.get_bottom()[1]))
        return labels

    def _mark_masked(self) -> VGroup:
        """Add a diagonal stroke to every non-finite cell not yet marked; returns the new strokes."""
        n_rows, n_cols = self.values.shape
        new = VGroup()
        for i, j in zip(*np.nonzero(~np.isfinite(self.values))):
            if (i, j) in self._marked:
                continue
            cell = self.cells[i * n_cols + j]
            stroke = Line(cell.get_corner(DOWN + LEFT), cell.get_corner(UP + RIGHT))
            stroke.scale(0.7).set_stroke(MUTED_TEXT_COLOR, width=1.5, opacity=0.6)
            self._marked.add((i, j))
            new.add(stroke)
        self.masks.add(*new)
        return new

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)`` of the matrix drawn."""
        return self.values.shape

    def cell(self, row: int, col: int) -> Rectangle:
        """The cell at ``(row, col)``."""
        return self.cells[row * self.values.shape[1] + col]

    def row(self, row: int) -> VGroup:
        """The cells of one row, left to right."""
        n_cols = self.values.shape[1]
        return VGroup(*self.cells[row * n_cols : (row + 1) * n_cols])

    def column(self, col: int) -> VGroup:
        """The cells of one column, top to bottom."""
        n_rows, n_cols = self.values.shape
        return VGroup(*[self.cells[i * n_cols + col] for i in range(n_rows)])

    def cell_colors(self) -> list[ManimColor]:
        """The fill colour of every cell, row by row."""
        return [cell.get_fill_color() for cell in self.cells]

    def set_values(self, matrix: np.ndarray) -> HeatMap:
        """Show ``matrix`` at once; returns ``self``."""
        mat = self._check(matrix)
        for cell, color in zip(self.cells, VALUE_SCALE.colors(mat)):
            cell.set_fill(color, opacity=1)
        self.values = mat.copy()
        if self.mark_masked:
            self._mark_masked()
        return self

    def animate_values(self, matrix: np.ndarray, **kwargs) -> Animation:
        """An animation recolouring the cells to ``matrix`` (:attr:`values` updates at once).

        Cells that become non-finite (masked) also get their diagonal stroke
        drawn (strokes are never taken away).
        """
        mat = self._check(matrix)
        self.values = mat.copy()
        recolor = Recolor(self.cells, VALUE_SCALE.colors(mat), **kwargs)
        strokes = self._mark_masked() if self.mark_masked else VGroup()
        if not len(strokes):
            return recolor
        # one Create per stroke: each is already part of this map, so none is added twice
        return AnimationGroup(recolor, *[Create(stroke) for stroke in strokes], **kwargs)

    def _check(self, matrix: np.ndarray) -> np.ndarray:
        mat = np.asarray(matrix, dtype=float)
        if mat.shape != self.values.shape:
            raise ValueError(f"expected shape {self.values.shape}, got {mat.shape}")
        return mat


class AttentionPatternMap(HeatMap):
    """An attention pattern ``A[query, key]`` with token labels on both axes.

    Rows are destinations (the query position), columns are sources (the key
    position), as in ``blocks.{l}.attn.hook_pattern[head]``. The frame is
    drawn in the head's colour.

    Parameters
    ----------
    pattern
        Shape ``[n_pos, n_pos]`` (rows destinations, columns sources). Causal
        zeros above the diagonal are drawn as masked.
    tokens
        The string tokens, one per position.
    color
        The head's colour (:func:`~circuit_clips.kit.theme.head_color`).
    cell_size
        Side of one cell.
    font_size
        Size of the token labels and axis titles.
    show_mask
        Mark the causally masked cells (above the diagonal).
    """

    def __init__(
        self,
        pattern: np.ndarray,
        tokens: Sequence[str],
        *,
        color: ManimColor | str = MUTED_TEXT_COLOR,
        cell_size: float = 0.5,
        font_size: float = FONT_SIZE_LABEL,
        show_mask: bool = True,
        col_labels_rotated: bool = False,
        row_title: str = "destination (query)",
        col_title: str = "source (key)",
    ) -> None:
        pat = np.asarray(pattern, dtype=float)
        if pat.ndim != 2 or pat.shape[0] != pat.shape[1] or pat.shape[0] != len(tokens):
            raise ValueError(f"pattern shape {pat.shape} does not match {len(tokens)} tokens")
        shown = pat.copy()
        if show_mask:
            shown[np.triu_indices_from(shown, k=1)] = -np.inf
        super().__init__(
            shown,
            cell_size=cell_size,
            row_labels=list(tokens),
            col_labels=list(tokens),
            row_title=row_title,
            col_title=col_title,
            col_labels_rotated=col_labels_rotated,
            outline_color=color,
            font_size=font_size,
        )
        self.pattern = pat
        self.outline.set_stroke(color, width=3)


class ColorBar(VGroup):
    """The legend of the value scale: a colour bar with its tick values typeset under it.

    The ticks are evenly spaced along the bar (the scale is log-like, so ``0.1``, ``1`` and
    ``10`` get equal room) and the bar's colour between two ticks runs through the scale's
    colours of the values between them (a smooth gradient sampled :attr:`STOPS_PER_TICK` times
    per interval, each sample the scale's own colour). When the last tick is the saturation
    ``+-vmax``, that end of the bar is a point (:attr:`ends`) in the end colour: everything beyond
    looks the same. Tick labels never touch: with the default ticks the bar keeps ``width`` and
    shows as many of :data:`~circuit_clips.kit.theme.VALUE_TICKS` as fit (at the default size all
    seven need 4.3 units; 0 and the ends always show, then +-1, then +-0.1); with ticks given,
    it shows them all and grows beyond ``width`` when they need the room.

    Parameters
    ----------
    width, height
        Size of the bar.
    ticks
        Values to mark, increasing (default: those of
        :data:`~circuit_clips.kit.theme.VALUE_TICKS` that fit).
    title
        Optional word left of the bar.
    font_size
        Size of the tick values and title.
    """

    #: Gradient stops per interval between two ticks.
    STOPS_PER_TICK = 32

    def __init__(
        self,
        *,
        width: float = 4.4,
        height: float = 0.2,
        ticks: Sequence[float] | None = None,
        title: str | None = "value",
        font_size: float = FONT_SIZE_LABEL,
    ) -> None:
        super().__init__()
        vmax = VALUE_SCALE.vmax
        if ticks is None:
            magnitudes = sorted({abs(v) for v in VALUE_TICKS if v})
            for smallest in magnitudes:  # drop +-0.1, then +-1, while they do not fit
                chosen = [v for v in VALUE_TICKS if v == 0 or abs(v) >= smallest]
                if _tick_spacing(self._labels(chosen, font_size)) * (len(chosen) - 1) <= width + 1e-9:
                    break
        else:
            chosen = list(ticks)
        self.ticks = [float(t) for t in chosen]
        if len(self.ticks) < 2 or np.any(np.diff(self.ticks) <= 0) or not np.all(np.isfinite(self.ticks)):
            raise ValueError(
                f"ColorBar ticks must be at least two finite increasing values, got {self.ticks}"
            )
        self.tick_labels = self._labels(self.ticks, font_size)
        spacing = max(width / (len(self.ticks) - 1), _tick_spacing(self.tick_labels))
        width = spacing * (len(self.ticks) - 1)

        self.bar = Rectangle(width=width, height=height, stroke_width=0)
        self.bar.set_fill(
            [ManimColor.from_rgb(tuple(c)) for c in VALUE_SCALE.rgb(self.stop_values())], opacity=1
        )
        self.bar.set_sheen_direction(RIGHT)
        self.add(self.bar)
        self.add(SurroundingRectangle(self.bar, buff=0.0, color=MUTED_TEXT_COLOR, stroke_width=1))
        self.ends = VGroup()
        for tick, side in ((self.ticks[0], LEFT), (self.ticks[-1], RIGHT)):
            if abs(tick) >= vmax:
                base = self.bar.get_corner(side + UP), self.bar.get_corner(side + DOWN)
                point = Polygon(*base, self.bar.get_edge_center(side) + side * 0.7 * height)
                point.set_fill(VALUE_SCALE.color(tick), opacity=1).set_stroke(MUTED_TEXT_COLOR, width=1)
                self.ends.add(point)
        self.add(self.ends)

        left = self.bar.get_left()[0]
        for k, lab in enumerate(self.tick_labels):
            lab.move_to([left + k * spacing, 0, 0]).next_to(self.bar, DOWN, buff=0.08, coor_mask=[0, 1, 0])
        align_baselines(self.tick_labels)
        self.add(self.tick_labels)

        self.title = None
        if title:
            self.title = Text(title, font_size=font_size, color=MUTED_TEXT_COLOR)
            self.title.next_to(VGroup(self.bar, self.ends), LEFT, buff=0.15)
            self.add(self.title)

    @staticmethod
    def _labels(ticks: Sequence[float], font_size: float) -> VGroup:
        return VGroup(*[Text(_format_tick(v), font_size=font_size, color=MUTED_TEXT_COLOR) for v in ticks])

    def stop_values(self) -> np.ndarray:
        """The value shown at each gradient stop, left to right (stops are evenly spaced)."""
        positions = VALUE_SCALE.position(np.asarray(self.ticks))
        steps = np.linspace(0.0, 1.0, self.STOPS_PER_TICK + 1)[:-1]
        inner = (positions[:-1, None] + steps[None, :] * np.diff(positions)[:, None]).ravel()
        return VALUE_SCALE.value_at(np.append(inner, positions[-1]))

    def value_at_x(self, x: float) -> float:
        """The value the bar shows at scene x-coordinate ``x``."""
        u = (x - self.bar.get_left()[0]) / self.bar.width * (len(self.ticks) - 1)
        positions = VALUE_SCALE.position(np.asarray(self.ticks))
        return float(VALUE_SCALE.value_at(np.interp(u, np.arange(len(self.ticks)), positions)))


def _tick_spacing(labels: VGroup) -> float:
    """The least distance between tick centres that keeps neighbouring labels 0.2 apart."""
    widths = [lab.width for lab in labels]
    return max((a + b) / 2 + 0.2 for a, b in zip(widths, widths[1:]))


def _format_tick(value: float) -> str:
    """A tick label, with a true minus sign."""
    return "0" if value == 0 else f"{value:g}".replace("-", "\u2212")
