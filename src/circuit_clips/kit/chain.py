"""A row of vectors and matrices spaced by their frames: ``out <- W_O <- v <- W_V <- x``.

The clips that multiply matrices draw them in a row, right to left as the paper writes
``W_O W_V x``. Neighbours are spaced by their frames (the outline of a
:class:`~circuit_clips.kit.vector.VectorColumn` or :class:`~circuit_clips.kit.heatmap.HeatMap`),
not by their labels or brackets, and lined up on their frames' middles.
"""

from __future__ import annotations

from collections.abc import Sequence

from manim import RIGHT, UP, Mobject

__all__ = ["frame_of", "space_out", "line_up"]


def frame_of(mob: Mobject) -> Mobject:
    """The frame of a vector or matrix (for a group, its first member's), without labels or brackets;
    ``mob`` itself when it holds neither."""
    probe = mob
    while not hasattr(probe, "outline"):
        if not probe.submobjects:
            return mob
        probe = probe[0]
    return probe.outline


def space_out(row: Sequence[Mobject], gaps: Sequence[float]) -> None:
    """Move ``row[:-1]`` so each frame ends ``gaps[i]`` left of the next one's frame (the last stays)."""
    if len(gaps) != len(row) - 1:
        raise ValueError(f"{len(gaps)} gaps for a row of {len(row)}: give one gap between each two")
    for i in range(len(row) - 2, -1, -1):
        right_edge = frame_of(row[i]).get_right()[0]
        row[i].shift(RIGHT * (frame_of(row[i + 1]).get_left()[0] - gaps[i] - right_edge))


def line_up(row: Sequence[Mobject]) -> None:
    """Move every member of ``row`` so its frame's middle is level with the first one's."""
    y = frame_of(row[0]).get_y()
    for mob in row[1:]:
        mob.shift(UP * (y - frame_of(mob).get_y()))
