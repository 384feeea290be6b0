"""The colours, sizes and the one value scale shared by every clip.

Colour carries meaning and never changes between clips:

* **values** (cells of vectors and matrices) use :data:`VALUE_SCALE`, one
  fixed diverging scale: ``0`` is :data:`ZERO_COLOR`, positive values go to
  :data:`POSITIVE_COLOR` and negative ones to :data:`NEGATIVE_COLOR`,
  saturating at ``+-VALUE_RANGE``. The same colour is the same number in
  every clip;
* the **residual stream** is :data:`STREAM_COLOR` (always drawn as rounded
  columns, see :class:`~circuit_clips.kit.stream.ResidualStream`);
* **query, key, value** are :data:`QUERY_COLOR`, :data:`KEY_COLOR`,
  :data:`VALUE_COLOR`;
* each **head** has its own colour, :func:`head_color`, used for its block,
  its arrows, its pattern and its writes.

The named regions of the frame (title, equation line, panels, the caption band, the one
margin :data:`FRAME_MARGIN`) are defined in :mod:`.layout` and re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import ManimColor

from .layout import (
    CAPTION_BAND,
    CAPTION_BAND_HEIGHT,
    CENTRE_PANEL,
    EQUATION_LINE,
    FRAME_MARGIN,
    LEFT_PANEL,
    RIGHT_PANEL,
    SAFE_FRAME,
    STAGE,
    TITLE,
    Region,
)

__all__ = [
    "BACKGROUND_COLOR",
    "TEXT_COLOR",
    "MUTED_TEXT_COLOR",
    "ZERO_COLOR",
    "POSITIVE_COLOR",
    "NEGATIVE_COLOR",
    "MASKED_COLOR",
    "CELL_STROKE_COLOR",
    "STREAM_COLOR",
    "QUERY_COLOR",
    "KEY_COLOR",
    "VALUE_COLOR",
    "LOGIT_COLOR",
    "HEAD_COLORS",
    "VALUE_RANGE",
    "FONT_SIZE_MIN",
    "FONT_SIZE_LABEL",
    "FONT_SIZE_BODY",
    "FONT_SIZE_TITLE",
    "MATH_SIZE_LABEL",
    "MATH_SIZE_BODY",
    "FRAME_MARGIN",
    "CAPTION_BAND_HEIGHT",
    "CAPTION_BAND",
    "SAFE_FRAME",
    "TITLE",
    "EQUATION_LINE",
    "STAGE",
    "LEFT_PANEL",
    "CENTRE_PANEL",
    "RIGHT_PANEL",
    "Region",
    "ValueScale",
    "VALUE_SCALE",
    "value_to_color",
    "values_to_colors",
    "head_color",
]

# --- canvas and text -------------------------------------------------------
BACKGROUND_COLOR = ManimColor("#0E1116")
TEXT_COLOR = ManimColor("#F1F3F5")
MUTED_TEXT_COLOR = ManimColor("#ADB5BD")

# --- the value scale -------------------------------------------------------
ZERO_COLOR = ManimColor("#2C323C")
POSITIVE_COLOR = ManimColor("#4DABF7")
NEGATIVE_COLOR = ManimColor("#FF6B6B")
MASKED_COLOR = ManimColor("#07080A")
CELL_STROKE_COLOR = BACKGROUND_COLOR

VALUE_RANGE = 1.0
"""Values at or beyond ``+-VALUE_RANGE`` get the fully saturated colour.

The hand-built models write one-hot features of size 1 and attention weights
lie in [0, 1], so 1 is where the scale saturates. Larger numbers (scores,
logits) saturate and are shown with their value printed beside them.
"""

# --- semantic colours --------------------------------------------------------
STREAM_COLOR = ManimColor("#DEE2E6")
QUERY_COLOR = ManimColor("#FFD43B")
KEY_COLOR = ManimColor("#38D9A9")
VALUE_COLOR = ManimColor("#FF922B")
LOGIT_COLOR = ManimColor("#E9ECEF")

HEAD_COLORS: dict[tuple[int, int], ManimColor] = {
    (0, 0): ManimColor("#B197FC"),  # violet
    (0, 1): ManimColor("#66D9E8"),  # cyan
    (0, 2): ManimColor("#C0EB75"),  # lime
    (0, 3): ManimColor("#FCC2D7"),  # rose
    (1, 0): ManimColor("#F783AC"),  # pink
    (1, 1): ManimColor("#74C0FC"),  # sky
    (1, 2): ManimColor("#D8F5A2"),  # pale green
    (1, 3): ManimColor("#E599F7"),  # orchid
}
"""The colour of head ``head`` in layer ``layer``, keyed by ``(layer, head)``."""

# --- sizes -----------------------------------------------------------------
FONT_SIZE_MIN = 20
FONT_SIZE_LABEL = 22
FONT_SIZE_BODY = 28
FONT_SIZE_TITLE = 56
MATH_SIZE_LABEL = 30
MATH_SIZE_BODY = 38


@dataclass(frozen=True)
class ValueScale:
    """A symmetric diverging colour scale: a number -> a colour.

    The colour is a linear RGB blend from ``zero`` towards ``positive`` (or
    ``negative``) by ``min(|v| / vmax, 1)``, so equal values always give
    equal colours and a larger magnitude is always further from ``zero``.
    Non-finite values (a causally masked score, ``-inf``) get ``masked``.

    Parameters
    ----------
    vmax
        The magnitude at which the scale saturates.
    negative, zero, positive
        The colours at ``-vmax``, ``0`` and ``+vmax``.
    masked
        The colour of non-finite values.

    Examples
    --------
    >>> scale = ValueScale(vmax=1.0)
    >>> scale.color(0.0) == scale.zero
    True
    """

    vmax: float = VALUE_RANGE
    negative: ManimColor = NEGATIVE_COLOR
    zero: ManimColor = ZERO_COLOR
    positive: ManimColor = POSITIVE_COLOR
    masked: ManimColor = MASKED_COLOR

    def rgb(self, values: np.ndarray | float) -> np.ndarray:
        """RGB triples in [0, 1] for ``values``, shape ``values.shape + (3,)``."""
        v = np.asarray(values, dtype=float)
        finite = np.isfinite(v)
        t = np.clip(np.abs(np.where(finite, v, 0.0)) / self.vmax, 0.0, 1.0)[..., None]
        zero = np.asarray(self.zero.to_rgb())
        end = np.where(
            (np.where(finite, v, 0.0) >= 0)[..., None],
            np.asarray(self.positive.to_rgb()),
            np.asarray(self.negative.to_rgb()),
        )
        rgb = zero + t * (end - zero)
        return np.where(finite[..., None], rgb, np.asarray(self.masked.to_rgb()))

    def color(self, value: float) -> ManimColor:
        """The colour of one number."""
        return ManimColor.from_rgb(tuple(self.rgb(value)))

    def colors(self, values: np.ndarray) -> list[ManimColor]:
        """The colours of a flat sequence of numbers, in order."""
        flat = np.asarray(values, dtype=float).ravel()
        return [ManimColor.from_rgb(tuple(c)) for c in self.rgb(flat)]


VALUE_SCALE = ValueScale()
"""The one value scale used by every vector, heat map and legend."""


def value_to_color(value: float) -> ManimColor:
    """The colour of ``value`` on :data:`VALUE_SCALE`."""
    return VALUE_SCALE.color(value)


def values_to_colors(values: np.ndarray) -> list[ManimColor]:
    """The colours of ``values`` (flattened, C order) on :data:`VALUE_SCALE`."""
    return VALUE_SCALE.colors(values)


_SPARE_HEAD_COLORS = [
    ManimColor("#FFA8A8"),
    ManimColor("#A9E34B"),
    ManimColor("#91A7FF"),
    ManimColor("#FFD8A8"),
]


def head_color(layer: int, head: int) -> ManimColor:
    """The colour of attention head ``head`` of layer ``layer``.

    Parameters
    ----------
    layer, head
        Indices as in the model (``blocks.{layer}``, head ``head``).

    Returns
    -------
    ManimColor
        Fixed for a given ``(layer, head)``; heads beyond the table get a
        deterministic spare colour.
    """
    key = (int(layer), int(head))
    if key in HEAD_COLORS:
        return HEAD_COLORS[key]
    return _SPARE_HEAD_COLORS[(key[0] * 7 + key[1]) % len(_SPARE_HEAD_COLORS)]
