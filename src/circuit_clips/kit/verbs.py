"""The verbs of the explainer: **read** from the stream and **write** (add) to it.

Both return an :class:`~manim.Animation` for ``Scene.play``; the scene decides
when to play it. Neither invents a number: :func:`read` shows the result
vector the caller built from the model (and can check it against the
weight), :func:`write` computes the sum itself, so the destination always
ends up showing ``old + delta``.

Play them in a :class:`~circuit_clips.kit.scene.ClipScene`: it adds new
mobjects of grouped animations one by one, so the temporary copies these
verbs create and remove never leave stray duplicates in the scene.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from manim import (
    RIGHT,
    UP,
    AnimationGroup,
    FadeIn,
    FadeOut,
    MathTex,
    Mobject,
    ShowPassingFlash,
    Succession,
    SurroundingRectangle,
    Transform,
    VGroup,
    smooth,
    squish_rate_func,
)
from manim.utils.color import ManimColor

from .theme import MATH_SIZE_LABEL, TEXT_COLOR, VALUE_SCALE
from .vector import VectorColumn

__all__ = ["read", "write", "merge", "flash_around"]


def flash_around(
    mob: Mobject, color: ManimColor | str, *, run_time: float = 0.8, buff: float = 0.06, **kwargs
) -> ShowPassingFlash:
    """A light running once around ``mob`` (a new, temporary outline; ``mob`` is untouched).

    Extra keywords (``rate_func``...) go to ``ShowPassingFlash``.
    """
    outline = SurroundingRectangle(mob, buff=buff, color=color, stroke_width=5)
    return ShowPassingFlash(outline, time_width=0.6, run_time=run_time, **kwargs)


def _toward(start: Mobject, end: Mobject, distance: float) -> np.ndarray:
    """A short step (``distance`` long) in the direction from ``start``'s centre to ``end``'s."""
    step = end.get_center() - start.get_center()
    length = float(np.linalg.norm(step))
    return step * (distance / length) if length > 1e-9 else np.zeros(3)


def read(
    source: VectorColumn,
    through: Mobject,
    result: VectorColumn,
    *,
    weight: np.ndarray | None = None,
    color: ManimColor | str | None = None,
    keep_source: bool = True,
    run_time: float = 2.0,
    atol: float = 1e-6,
) -> AnimationGroup:
    """A vector is read out of the stream through a matrix: light runs source -> matrix -> result.

    Three steps, each in place: a light runs around ``source``, then around ``through`` (a matrix
    tile, a heat map...), and ``result`` fades in at its own place, drifting a little away from
    the matrix. Nothing travels across the frame, so nothing is squeezed into a small tile or
    passes over labels and other columns on the way. ``source`` stays where it is (reading never
    changes the stream) unless ``keep_source`` is false, for an intermediate vector that is used
    up (``r`` becoming ``W_O r``): it then fades out, drifting toward the matrix. At the end
    ``result`` is in the scene; it enters only when its step starts.

    Parameters
    ----------
    source
        The column read from (usually a residual-stream column).
    through
        The mobject standing for the matrix.
    result
        The read vector, built by the caller from the model's values and
        already placed where it should land (not yet in the scene).
    weight
        Optional matrix in TransformerLens row convention ``[d_in, d_out]``;
        if given, ``result.values`` must equal ``source.values @ weight``.
    color
        Colour of the light (default: the text colour).
    keep_source
        Leave ``source`` in place (default) or use it up.
    run_time
        Total duration.
    atol
        Tolerance of the ``weight`` check.

    Raises
    ------
    ValueError
        If ``weight`` is given and the result is not ``source @ weight``.
    """
    if weight is not None:
        expected = source.values @ np.asarray(weight, dtype=float)
        if expected.shape != result.values.shape or not np.allclose(expected, result.values, atol=atol):
            raise ValueError("read(): result.values is not source.values @ weight")
    light = color if color is not None else TEXT_COLOR
    if keep_source:
        leave = flash_around(source, light, run_time=run_time, rate_func=squish_rate_func(smooth, 0.0, 0.4))
    else:
        leave = FadeOut(
            source, shift=_toward(source, through, 0.3), run_time=run_time,
            rate_func=squish_rate_func(smooth, 0.0, 0.4),
        )  # fmt: skip
    return AnimationGroup(
        leave,
        flash_around(through, light, run_time=run_time, rate_func=squish_rate_func(smooth, 0.25, 0.7)),
        FadeIn(
            result,
            shift=_toward(through, result, 0.3),
            run_time=run_time,
            rate_func=squish_rate_func(smooth, 0.55, 1.0),
        ),  # fmt: skip
    )


def write(
    delta: VectorColumn,
    target: VectorColumn,
    *,
    side: np.ndarray = RIGHT,
    gap: float = 0.4,
    run_time: float = 2.4,
    plus_color: ManimColor | str = TEXT_COLOR,
) -> Succession:
    """``delta`` travels to ``target`` and is *added* to it.

    Three stages: ``delta`` moves next to ``target``, a ``+`` appears between
    them, then ``delta`` slides into ``target`` and fades while the target's
    cells recolour to ``target + delta``. The sum is computed here, so the
    destination can only ever show the sum, never a replacement.
    ``target.values`` is updated at once; ``delta`` and the ``+`` are removed
    from the scene at the end.

    Parameters
    ----------
    delta
        The vector written (same length as ``target``), already in the scene.
    target
        The column written to (a residual-stream column).
    side
        Where ``delta`` stops before merging. ``LEFT``/``RIGHT``: beside
        ``target``, resized to its height. ``UP``/``DOWN``: above or below it,
        keeping its size (for dense streams with no room between columns).
    gap
        Space between ``target`` and the staged ``delta`` (holds the ``+``).
    run_time
        Total duration.
    plus_color
        Colour of the ``+``.
    """
    if delta.values.shape != target.values.shape:
        raise ValueError(f"write(): delta has shape {delta.values.shape}, target {target.values.shape}")
    total = target.values + delta.values
    horizontal = abs(side[0]) > abs(side[1])
    staged = delta.copy()
    for part in (staged.label, staged.brackets):
        if part is not None:
            part.set_opacity(0)
    if horizontal:
        # stretch (not scale) to the target's height, so a thin delta stays thin beside it
        staged.stretch(target.cells.height / staged.cells.height, dim=1)
        staged.shift(
            target.outline.get_edge_center(side) - staged.outline.get_edge_center(-side) + side * gap
        )
        staged.shift(UP * (target.cells.get_center()[1] - staged.cells.get_center()[1]))
    else:
        staged.shift(
            target.outline.get_edge_center(side) - staged.outline.get_edge_center(-side) + side * gap
        )
        staged.shift(RIGHT * (target.cells.get_center()[0] - staged.cells.get_center()[0]))
    plus = MathTex("+", font_size=MATH_SIZE_LABEL, color=plus_color)
    plus.move_to((target.outline.get_edge_center(side) + staged.outline.get_edge_center(-side)) / 2)
    landing = staged.copy().stretch_to_fit_height(target.cells.height * staged.height / staged.cells.height)
    landing.stretch_to_fit_width(target.outline.width).move_to(target.outline)
    landing.set_opacity(0)

    return Succession(
        Transform(delta, staged, run_time=0.3 * run_time),
        FadeIn(plus, scale=0.5, run_time=0.15 * run_time),
        AnimationGroup(
            Transform(delta, landing, remover=True),
            FadeOut(plus, rate_func=squish_rate_func(smooth, 0.6, 1.0)),
            target.animate_values(total),
            run_time=0.55 * run_time,
        ),
    )


def _checked_weights(
    sources: Sequence[VectorColumn], weights: Sequence[float], result: VectorColumn, atol: float
) -> np.ndarray:
    """``weights`` as an array, once ``result.values`` is checked to be their weighted sum of ``sources``."""
    w = np.asarray(weights, dtype=float)
    if len(w) != len(sources):
        raise ValueError(f"merge(): {len(w)} weights for {len(sources)} sources")
    expected = sum(wj * src.values for wj, src in zip(w, sources))
    if not np.allclose(expected, result.values, atol=atol):
        raise ValueError("merge(): result.values is not the weighted sum of the sources")
    return w


def _weighted_copy(
    source: VectorColumn, weight: float, result: VectorColumn
) -> tuple[VGroup, VGroup, VGroup]:
    """A copy of ``source``'s body over it, the same recoloured to ``weight * source.values``,
    and that shrunk onto ``result``: the three stages of one source's copy in :func:`merge`."""
    ghost = source.body.copy()
    weighted = ghost.copy()
    for cell, c in zip(weighted[0], VALUE_SCALE.colors(weight * source.values)):
        cell.set_fill(c, opacity=1)
    landed = weighted.copy().scale(result.cells.height / weighted[0].height).move_to(result.body)
    return ghost, weighted, landed


def merge(
    sources: Sequence[VectorColumn],
    weights: Sequence[float],
    result: VectorColumn,
    *,
    min_weight: float = 0.01,
    run_time: float = 3.0,
    atol: float = 1e-6,
) -> Succession:
    """Weighted copies of ``sources`` fly to ``result`` and merge into it.

    Shows ``r = sum_j w_j v_j``: over each source a copy appears and
    recolours to ``w_j v_j`` (its real weighted value), the copies travel to
    ``result``'s place, and fade into ``result``, which appears. Copies with
    ``w_j < min_weight`` are not drawn (they are too faint to see) but still
    count in the check.

    Parameters
    ----------
    sources
        The vectors ``v_j`` (e.g. the value vectors of every position).
    weights
        The weights ``w_j`` (a row of the attention pattern).
    result
        The merged vector built by the caller from the model (``hook_z``),
        placed where it should appear (not yet in the scene).
    min_weight
        Smallest weight whose copy is drawn.
    run_time
        Total duration.
    atol
        Tolerance of the check.

    Raises
    ------
    ValueError
        If ``result.values`` is not ``sum_j weights[j] * sources[j].values``.
    """
    w = _checked_weights(sources, weights, result, atol)
    ghosts, weigh, fly = VGroup(), [], []
    for wj, src in zip(w, sources):
        if wj < min_weight:
            continue
        ghost, weighted, landed = _weighted_copy(src, wj, result)
        ghosts.add(ghost)
        weigh.append(Transform(ghost, weighted))
        fly.append(Transform(ghost, landed))
    if not fly:
        return Succession(FadeIn(result, run_time=run_time))
    return Succession(
        AnimationGroup(*[FadeIn(g) for g in ghosts], run_time=0.15 * run_time),
        AnimationGroup(*weigh, run_time=0.25 * run_time),
        AnimationGroup(*fly, run_time=0.35 * run_time),
        AnimationGroup(
            *[FadeOut(g) for g in ghosts],
            FadeIn(result),
            run_time=0.25 * run_time,
        ),
    )
