"""A vector over the vocabulary (logits, probabilities, a column of a circuit) with its token names."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import LEFT, RIGHT, AnimationGroup, FadeIn, FadeOut, Text, Transform, VGroup
from manim.utils.color import ManimColor

from .theme import FONT_SIZE_LABEL, MUTED_TEXT_COLOR, TEXT_COLOR
from .vector import VectorColumn

__all__ = ["VocabColumn", "format_value"]


def format_value(value: float, digits: int = 2, *, sign: bool = False) -> str:
    """``value`` with ``digits`` decimals and a true minus sign: the one way clips print a number.

    A value that rounds to zero prints without a minus (``-0.001`` -> ``0.00``); with ``sign``,
    every other value carries its sign (``+0.50``, ``\u22120.50``) and zero a plus.
    """
    text = f"{value:{'+' if sign else ''}.{digits}f}"
    if text.lstrip("-+").strip("0.") == "":
        text = ("+" if sign else "") + text.lstrip("-+")
    return text.replace("-", "\u2212")


class VocabColumn(VGroup):
    """A :class:`VectorColumn` indexed by tokens: one name per cell, optional value readouts.

    The column is an ordinary vector (value-coloured cells on the one scale);
    the names sit beside the cells on ``side``, and readouts (the numbers,
    for values the colour scale saturates) sit right of everything, aligned
    in one column. Readouts follow :attr:`values` only when asked
    (:meth:`update_readouts`), so a scene decides when a number appears.

    Parameters
    ----------
    values
        The vector, shape ``[d_vocab]``.
    vocab
        One token name per entry.
    side
        ``RIGHT`` or ``LEFT``: where the names go.
    readout
        Which entries print their value at first: ``None`` (none), ``"all"``,
        ``"nonzero"`` or a list of indices.
    digits
        Decimals of the readouts.
    cell_height, cell_width, outline_color, label
        Passed to :class:`VectorColumn`.
    font_size
        Size of the names and readouts.

    Examples
    --------
    >>> col = VocabColumn(np.array([0.0, 2.5]), ["a", "b"], readout="nonzero")
    >>> sorted(col.readouts)
    [1]
    """

    def __init__(
        self,
        values: Sequence[float] | np.ndarray,
        vocab: Sequence[str],
        *,
        side: np.ndarray = RIGHT,
        readout: str | Sequence[int] | None = None,
        digits: int = 2,
        cell_height: float = 0.3,
        cell_width: float = 0.36,
        outline_color: ManimColor | str | None = None,
        label: str | None = None,
        font_size: float = FONT_SIZE_LABEL,
        name_color: ManimColor | str = TEXT_COLOR,
    ) -> None:
        super().__init__()
        vals = np.asarray(values, dtype=float)
        if len(vocab) != vals.size:
            raise ValueError(f"{len(vocab)} token names for {vals.size} values")
        self.vocab = list(vocab)
        self.digits = digits
        self.font_size = font_size
        self.column = VectorColumn(
            vals, cell_height=cell_height, cell_width=cell_width, outline_color=outline_color, label=label
        )
        self.add(self.column)

        self.names = VGroup()
        for tok, cell in zip(self.vocab, self.column.cells):
            name = Text(tok, font_size=font_size, color=name_color)
            name.next_to(cell, side, buff=0.15)
            name.set_y(cell.get_y())
            self.names.add(name)
        # names read as a list: left-aligned on the right, right-aligned on the left
        if side[0] > 0:
            left = min(n.get_left()[0] for n in self.names)
            for n in self.names:
                n.shift(RIGHT * (left - n.get_left()[0]))
        else:
            right = max(n.get_right()[0] for n in self.names)
            for n in self.names:
                n.shift(RIGHT * (right - n.get_right()[0]))
        self.add(self.names)

        self._readout_anchor = self.names if side[0] > 0 else self.column.outline
        self.readouts: dict[int, Text] = {}
        for i in self._indices(readout):
            self.readouts[i] = self._readout(i)
            self.add(self.readouts[i])

    # --- reading ---------------------------------------------------------------
    @property
    def values(self) -> np.ndarray:
        """The numbers the column shows (or will show once its animation plays)."""
        return self.column.values

    @property
    def cells(self) -> VGroup:
        return self.column.cells

    def cell(self, index: int):
        return self.column.cell(index)

    def index(self, token: str) -> int:
        """The entry of ``token``."""
        return self.vocab.index(token)

    def row(self, index: int) -> VGroup:
        """Cell, name and readout (if any) of entry ``index``: for highlighting one token."""
        parts = [self.column.cell(index), self.names[index]]
        if index in self.readouts:
            parts.append(self.readouts[index])
        return VGroup(*parts)

    # --- readouts ----------------------------------------------------------------
    def _indices(self, which: str | Sequence[int] | None) -> list[int]:
        if which is None:
            return []
        if isinstance(which, str):
            if which == "all":
                return list(range(len(self.vocab)))
            if which == "nonzero":
                return [int(i) for i in np.nonzero(np.round(self.values, self.digits))[0]]
            raise ValueError(f"readout must be None, 'all', 'nonzero' or indices, got {which!r}")
        return [int(i) for i in which]

    @property
    def readout_x(self) -> float:
        """Where the readouts start (left edge), wherever the column has moved."""
        return self._readout_anchor.get_right()[0] + 0.2

    def _readout(self, index: int) -> Text:
        text = Text(
            format_value(self.values[index], self.digits), font_size=self.font_size, color=MUTED_TEXT_COLOR
        )
        text.move_to([self.readout_x, self.column.cell(index).get_y(), 0], aligned_edge=LEFT)
        return text

    def update_readouts(self, which: str | Sequence[int] | None = "nonzero", **kwargs) -> AnimationGroup:
        """An animation making the readouts show the current values of ``which`` entries.

        New readouts fade in, changed ones morph into the new number, readouts of
        entries no longer wanted fade out. Pass at least one change (an empty
        group cannot be played).
        """
        wanted = set(self._indices(which))
        anims = []
        for i in sorted(set(self.readouts) | wanted):
            old = self.readouts.get(i)
            if i not in wanted:
                del self.readouts[i]
                self.remove(old)
                anims.append(FadeOut(old))
                continue
            new = self._readout(i)
            if old is None:
                self.readouts[i] = new
                self.add(new)
                anims.append(FadeIn(new))
            elif old.text != new.text:
                anims.append(Transform(old, new))
                old.text = new.text
        return AnimationGroup(*anims, **kwargs)

    def set_values(self, values: Sequence[float] | np.ndarray) -> VocabColumn:
        """Show ``values`` at once (readouts are not touched); returns ``self``."""
        self.column.set_values(values)
        return self

    def animate_values(self, values: Sequence[float] | np.ndarray, **kwargs):
        """Recolour the cells to ``values`` (a plain change, not a write)."""
        return self.column.animate_values(values, **kwargs)
