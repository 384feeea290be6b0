"""The residual stream: one rounded column per position, tokens underneath."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from manim import DOWN, LEFT, RIGHT, AnimationGroup, DashedLine, Text, VGroup

from .theme import FONT_SIZE_LABEL, MUTED_TEXT_COLOR, STREAM_COLOR, TEXT_COLOR
from .tokens import align_baselines
from .vector import VectorColumn, subspace_guides

__all__ = ["ResidualStream", "stream_column"]


def stream_column(values: np.ndarray, *, cell_height: float = 0.1, cell_width: float = 0.36, **kwargs) -> VectorColumn:
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

        self.token_labels = VGroup()
        for col, tok in zip(self.columns, self.tokens):
            lab = Text(tok, font_size=font_size, color=TEXT_COLOR)
            lab.next_to(col.outline, DOWN, buff=0.15)
            self.token_labels.add(lab)
        # one baseline for every token, below the lowest label
        align_baselines(self.token_labels)
        top = max(lab.get_top()[1] for lab in self.token_labels)
        limit = self.columns[0].outline.get_bottom()[1] - 0.12
        for lab in self.token_labels:
            lab.shift(DOWN * max(0.0, top - limit))
        self.add(self.token_labels)

        self.boundaries = VGroup()
        self.subspace_labels = VGroup()
        if self.subspaces:
            anchor = self.columns[0] if np.allclose(subspace_side, LEFT) else self.columns[-1]
            self.subspace_labels = subspace_guides(anchor, self.subspaces, side=subspace_side, font_size=font_size)
            self.add(self.subspace_labels)
            left = self.columns[0].outline.get_left()[0]
            right = self.columns[-1].outline.get_right()[0]
            first = anchor.cells[0].get_top()[1]
            for part in list(self.subspaces.values()):
                start = range(res.shape[1])[part].start
                if start == 0:
                    continue
                y = anchor.cells[start].get_top()[1]
                if np.isclose(y, first):
                    continue
                line = DashedLine([left, y, 0], [right, y, 0], dash_length=0.06, stroke_width=1)
                line.set_stroke(MUTED_TEXT_COLOR, opacity=0.5)
                self.boundaries.add(line)
            # behind the columns: seen between them, hidden under the (opaque) cells
            self.add_to_back(self.boundaries)

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
            *[col.animate_values(vec) for col, vec in zip(self.columns, np.asarray(resid, dtype=float))], **kwargs
        )

