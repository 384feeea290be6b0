"""The residual stream: one rounded column per position, tokens underneath."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    Animation,
    AnimationGroup,
    DashedLine,
    FadeIn,
    FadeOut,
    LaggedStart,
    ReplacementTransform,
    Text,
    VGroup,
)

from .theme import FONT_SIZE_LABEL, MUTED_TEXT_COLOR, STREAM_COLOR, TEXT_COLOR
from .tokens import align_baselines
from .vector import SubspaceGuide, SubspaceGuides, VectorColumn, subspace_guides

__all__ = ["ResidualStream", "stream_column"]


def stream_column(
    values: np.ndarray, *, cell_height: float = 0.1, cell_width: float = 0.36, **kwargs
) -> VectorColumn:
    """One residual-stream vector in the stream's shape and colour (rounded, :data:`STREAM_COLOR`)."""
    return VectorColumn(
        values,
        cell_height=cell_height,
        cell_width=cell_width,
        outline_color=STREAM_COLOR,
        outline_width=2.5,
        rounded=True,
        **kwargs,
    )


class ResidualStream(VGroup):
    """The residual stream of a sequence: one column per position.

    Every column is a :class:`VectorColumn` in the stream's shape (rounded
    frame, :data:`~circuit_clips.kit.theme.STREAM_COLOR`); the token of each
    position is written under its column; if ``subspaces`` are given, the
    first column carries their names and faint dashed lines mark the
    boundaries across the whole stream.

    Parameters
    ----------
    resid
        Stream values, shape ``[n_pos, d_model]`` (e.g. ``cache["hook_embed"]
        + cache["hook_pos_embed"]``).
    tokens
        One string per position.
    subspaces
        Optional ``name -> slice`` of the residual stream (``model.subspaces``).
    cell_height, cell_width
        Size of one cell.
    spacing
        Horizontal distance between neighbouring columns (centre to centre).
    font_size
        Size of the token labels and subspace names.
    subspace_side
        Where the subspace names go: ``LEFT`` of the first column or
        ``RIGHT`` of the last.

    Examples
    --------
    >>> stream = ResidualStream(np.zeros((3, 8)), ["a", "b", "c"])
    >>> stream.values.shape
    (3, 8)
    """

    def __init__(
        self,
        resid: np.ndarray,
        tokens: Sequence[str],
        *,
        subspaces: Mapping[str, slice] | None = None,
        cell_height: float = 0.1,
        cell_width: float = 0.36,
        spacing: float = 1.0,
        font_size: float = FONT_SIZE_LABEL,
        subspace_side: np.ndarray = LEFT,
    ) -> None:
        super().__init__()
        res = np.asarray(resid, dtype=float)
        if res.ndim != 2 or res.shape[0] != len(tokens):
            raise ValueError(f"resid shape {res.shape} does not match {len(tokens)} tokens")
        self.tokens = list(tokens)
        self.subspaces = dict(subspaces or {})

        self.columns = VGroup()
        for pos, vec in enumerate(res):
            col = stream_column(vec, cell_height=cell_height, cell_width=cell_width)
            col.move_to(RIGHT * pos * spacing)
            self.columns.add(col)
        self.add(self.columns)

        self.token_labels = self._token_labels(font_size)
        self.add(self.token_labels)

        self.boundaries = VGroup()
        self.subspace_labels = SubspaceGuides()
        if self.subspaces:
            anchor = self.columns[0] if np.allclose(subspace_side, LEFT) else self.columns[-1]
            self.subspace_labels = subspace_guides(
                anchor, self.subspaces, side=subspace_side, font_size=font_size
            )
            self.add(self.subspace_labels)
            self.boundaries = self._subspace_boundaries(anchor, res.shape[1])
            # behind the columns: seen between them, hidden under the (opaque) cells
            self.add_to_back(self.boundaries)

    def _token_labels(self, font_size: float) -> VGroup:
        """Each column's token under it, every token on one baseline below the lowest column."""
        labels = VGroup()
        for col, tok in zip(self.columns, self.tokens):
            lab = Text(tok, font_size=font_size, color=TEXT_COLOR)
            lab.next_to(col.outline, DOWN, buff=0.15)
            labels.add(lab)
        align_baselines(labels)
        top = max(lab.get_top()[1] for lab in labels)
        limit = self.columns[0].outline.get_bottom()[1] - 0.12
        for lab in labels:
            lab.shift(DOWN * max(0.0, top - limit))
        return labels

    def _subspace_boundaries(self, anchor: VGroup, d_model: int) -> VGroup:
        """A faint dashed line across the stream where each subspace but the first begins."""
        left = self.columns[0].outline.get_left()[0]
        right = self.columns[-1].outline.get_right()[0]
        first = anchor.cells[0].get_top()[1]
        lines = VGroup()
        for part in list(self.subspaces.values()):
            start = range(d_model)[part].start
            if start == 0:
                continue
            y = anchor.cells[start].get_top()[1]
            if np.isclose(y, first):
                continue
            line = DashedLine([left, y, 0], [right, y, 0], dash_length=0.06, stroke_width=1)
            line.set_stroke(MUTED_TEXT_COLOR, opacity=0.5)
            lines.add(line)
        return lines

    @property
    def values(self) -> np.ndarray:
        """The numbers the stream shows now, shape ``[n_pos, d_model]``."""
        return np.stack([col.values for col in self.columns])

    @property
    def n_pos(self) -> int:
        """Number of positions (columns)."""
        return len(self.columns)

    def column(self, pos: int) -> VectorColumn:
        """The column of position ``pos``."""
        return self.columns[pos]

    def subspace_cells(self, name: str, pos: int | None = None) -> VGroup:
        """The cells of subspace ``name`` in one column, or in every column."""
        part = self.subspaces[name]
        cols = self.columns if pos is None else [self.columns[pos]]
        return VGroup(*[col.cells_of(part) for col in cols])

    def set_values(self, resid: np.ndarray) -> ResidualStream:
        """Show ``resid`` at once; returns ``self``."""
        for col, vec in zip(self.columns, np.asarray(resid, dtype=float)):
            col.set_values(vec)
        return self

    def animate_values(self, resid: np.ndarray, **kwargs) -> AnimationGroup:
        """Recolour every column to ``resid`` (a plain change of values, not a write)."""
        return AnimationGroup(
            *[col.animate_values(vec) for col, vec in zip(self.columns, np.asarray(resid, dtype=float))],
            **kwargs,
        )

    # --- by name ----------------------------------------------------------------
    def subspace_label(self, name: str) -> SubspaceGuide:
        """The bracket and name of subspace ``name`` (``.bracket``, ``.name_mob``, ``.light(color)``)."""
        return self.subspace_labels.named(name)

    def light_subspace(self, name: str, color, **anim_kwargs) -> list[Animation]:
        """Animations colouring subspace ``name``'s name and bracket (e.g. in the colour of its writer)."""
        return self.subspace_label(name).light(color, **anim_kwargs)

    # --- vectors beside the stream ------------------------------------------------
    def vector_at(
        self,
        pos: int,
        values: np.ndarray,
        color,
        *,
        y: float | None = None,
        cell_height: float | None = None,
        cell_width: float = 0.2,
        gap: float = 0.2,
        outline_width: float = 1.5,
    ) -> VectorColumn:
        """A vector drawn at stream column ``pos``: centred over it at height ``y``, or beside it.

        With ``y``, the vector is centred on the column's ``x`` at height ``y`` (the band above the
        stream, where a head's small vectors go); without, it sits ``gap`` right of the column,
        level with its cells (a write about to be added). ``cell_height`` defaults to the
        column's own, so a ``d_model`` vector lines up cell by cell.
        """
        col = self.column(pos)
        vec = VectorColumn(
            values,
            cell_height=col.cell_height if cell_height is None else cell_height,
            cell_width=cell_width,
            outline_color=color,
            outline_width=outline_width,
        )
        if y is not None:
            return vec.move_to([col.get_x(), y, 0])
        return vec.next_to(col.outline, RIGHT, buff=gap).match_y(col.cells)

    # --- entrance ----------------------------------------------------------------------
    def enter_from(self, token_row, *, lag_ratio: float = 0.1) -> list[Animation]:
        """The stream's entrance from a :class:`~circuit_clips.kit.tokens.TokenRow` on screen.

        Each token's word moves down to become its column's label, the tiles fade, the columns
        fade in one after another, then the subspace names and boundaries. Tiles beyond the
        stream's positions (a trailing ``?``) fade out.
        """
        words = [tile[1] for tile in token_row.tiles]
        return [
            *[ReplacementTransform(word, label) for word, label in zip(words, self.token_labels)],
            *[FadeOut(tile[0]) for tile in token_row.tiles],
            *[FadeOut(word) for word in words[len(self.token_labels) :]],
            LaggedStart(*[FadeIn(col, shift=0.3 * DOWN) for col in self.columns], lag_ratio=lag_ratio),
            FadeIn(self.subspace_labels),
            FadeIn(self.boundaries),
        ]
