"""The colours, sizes and the one value scale shared by every clip.

Colour carries meaning and never changes between clips:

* **values** (cells of vectors and matrices) use :data:`VALUE_SCALE`, one
  fixed diverging scale: ``0`` is :data:`ZERO_COLOR`, positive values blue and
  negative ones red, lighter and more saturated the larger they are on a
  log-like axis, saturating at ``+-VALUE_RANGE`` (so 0.1, 1 and 10 look
  different). The same colour is the same number in every clip;
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
from functools import cached_property

import numpy as np
from manim import ManimColor

from .colorimetry import contrast_ratio, lab_to_srgb, srgb_to_lab
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
    "MASKED_COLOR",
    "CELL_STROKE_COLOR",
    "STREAM_COLOR",
    "QUERY_COLOR",
    "KEY_COLOR",
    "VALUE_COLOR",
    "LOGIT_COLOR",
    "HEAD_COLORS",
    "VALUE_RANGE",
    "VALUE_LINEAR_WIDTH",
    "VALUE_TICKS",
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
    "value_text_color",
    "head_color",
]

# --- canvas and text -------------------------------------------------------
BACKGROUND_COLOR = ManimColor("#0E1116")
TEXT_COLOR = ManimColor("#F1F3F5")
MUTED_TEXT_COLOR = ManimColor("#ADB5BD")

# --- the value scale -------------------------------------------------------
ZERO_COLOR = ManimColor("#2C323C")
MASKED_COLOR = ManimColor("#07080A")
CELL_STROKE_COLOR = BACKGROUND_COLOR

VALUE_RANGE = 10.0
"""Values at or beyond ``+-VALUE_RANGE`` get the scale's end colour (the scale saturates there).

Scores, logits and weights the clips compare run from about 0.1 to 10, so the scale tells
magnitudes apart over that whole span (see :class:`ValueScale`).
"""

VALUE_LINEAR_WIDTH = 0.1
"""Below about this magnitude the scale is close to linear; above it, close to logarithmic."""

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
    """A symmetric diverging colour scale that shows size: a number -> a colour.

    Sign is hue (positive blue turning cyan, negative red turning orange), zero is the neutral
    :data:`ZERO_COLOR`, and magnitude is lightness, chroma and a turn of hue along a log-like axis,
    ``t = log(1 + |v| / linear_width) / log(1 + vmax / linear_width)`` (``t = 1`` at ``vmax``
    and beyond). In CIELAB the lightness rises from zero's to ``lightness_end`` as
    ``t ** lightness_power``, the chroma as ``chroma_max * t ** chroma_power``, capped to what
    sRGB can show at that lightness and hue (2% inside the gamut), and the hue turns linearly in
    ``t`` from ``*_hue`` to ``*_hue_end`` (towards the hues sRGB can show brightly, so large values
    stay coloured and their sign stays plain). So equal values always give equal colours, a larger
    magnitude is always further from zero, and (checked in the tests, in CIEDE2000 units): 0, 0.1,
    0.3, 1, 3, 10 and their negatives are at least 10 apart pairwise; so are values from 0.2 to 10
    a factor 2.5 apart, and 5 and 10; a value and its negative are at least 25 apart.
    Non-finite values (a causally masked score, ``-inf``) get ``masked``.

    Parameters
    ----------
    vmax
        The magnitude at which the scale saturates.
    linear_width
        The magnitude where the axis turns from linear to logarithmic.
    zero, masked
        The colour of 0 and of non-finite values.
    positive_hue, negative_hue, positive_hue_end, negative_hue_end
        CIELAB hue angles (degrees) of the two signs, near zero and at ``vmax``.
    lightness_end, chroma_max, lightness_power, chroma_power
        The shape of the ramp (see above).

    Examples
    --------
    >>> scale = ValueScale()
    >>> scale.color(0.0) == scale.zero
    True
    >>> scale.color(10.0) == scale.color(50.0) == scale.positive
    True
    """

    vmax: float = VALUE_RANGE
    linear_width: float = VALUE_LINEAR_WIDTH
    zero: ManimColor = ZERO_COLOR
    masked: ManimColor = MASKED_COLOR
    positive_hue: float = 290.0
    negative_hue: float = 15.0
    positive_hue_end: float = 190.0
    negative_hue_end: float = 70.0
    lightness_end: float = 90.0
    chroma_max: float = 70.0
    lightness_power: float = 1.0
    chroma_power: float = 0.4

    #: Samples of ``t`` in the table the colours are interpolated from.
    _SAMPLES = 1025

    def position(self, values: np.ndarray | float) -> np.ndarray:
        """Where ``values`` sit on the scale: sign times ``t`` in [-1, 1] (``nan`` for non-finite)."""
        v = np.asarray(values, dtype=float)
        t = np.log1p(np.abs(v) / self.linear_width) / np.log1p(self.vmax / self.linear_width)
        return np.where(np.isfinite(v), np.sign(v) * np.minimum(t, 1.0), np.nan)

    def value_at(self, position: np.ndarray | float) -> np.ndarray:
        """The value at ``position`` in [-1, 1] on the scale (the inverse of :meth:`position`)."""
        p = np.asarray(position, dtype=float)
        return np.sign(p) * self.linear_width * np.expm1(np.abs(p) * np.log1p(self.vmax / self.linear_width))

    @cached_property
    def _table(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``t`` samples and the CIELAB colours of ``+value_at(t)`` and ``-value_at(t)``."""
        t = np.linspace(0.0, 1.0, self._SAMPLES)
        zero = srgb_to_lab(np.asarray(self.zero.to_rgb()))
        lightness = zero[0] + (self.lightness_end - zero[0]) * t**self.lightness_power
        tables = []
        for start, end in (
            (self.positive_hue, self.positive_hue_end),
            (self.negative_hue, self.negative_hue_end),
        ):
            h = np.radians(start + (end - start) * t)
            # zero's own slight tint fades out as the hue comes in
            tint = np.outer(1 - t, zero[1:])
            chroma = np.minimum(
                self.chroma_max * t**self.chroma_power, 0.98 * _max_chroma(lightness, tint, h)
            )
            a = tint[:, 0] + chroma * np.cos(h)
            b = tint[:, 1] + chroma * np.sin(h)
            tables.append(np.stack([lightness, a, b], axis=-1))
        return t, tables[0], tables[1]

    def lab(self, values: np.ndarray | float) -> np.ndarray:
        """CIELAB colours of finite ``values``, shape ``values.shape + (3,)`` (``nan`` where not finite)."""
        t, positive, negative = self._table
        p = self.position(values)
        mag = np.nan_to_num(np.abs(p))
        out = np.empty(p.shape + (3,))
        for k in range(3):
            out[..., k] = np.where(
                p >= 0, np.interp(mag, t, positive[:, k]), np.interp(mag, t, negative[:, k])
            )
        return np.where(np.isnan(p)[..., None], np.nan, out)

    def rgb(self, values: np.ndarray | float) -> np.ndarray:
        """RGB triples in [0, 1] for ``values``, shape ``values.shape + (3,)``."""
        v = np.asarray(values, dtype=float)
        finite = np.isfinite(v)
        rgb = np.clip(lab_to_srgb(np.nan_to_num(self.lab(np.where(finite, v, 0.0)))), 0.0, 1.0)
        rgb = np.where((v == 0)[..., None], np.asarray(self.zero.to_rgb()), rgb)  # exactly zero's colour
        return np.where(finite[..., None], rgb, np.asarray(self.masked.to_rgb()))

    @property
    def positive(self) -> ManimColor:
        """The colour of ``+vmax`` and beyond."""
        return self.color(self.vmax)

    @property
    def negative(self) -> ManimColor:
        """The colour of ``-vmax`` and beyond."""
        return self.color(-self.vmax)

    def color(self, value: float) -> ManimColor:
        """The colour of one number."""
        return ManimColor.from_rgb(tuple(self.rgb(value)))

    def colors(self, values: np.ndarray) -> list[ManimColor]:
        """The colours of a flat sequence of numbers, in order."""
        flat = np.asarray(values, dtype=float).ravel()
        return [ManimColor.from_rgb(tuple(c)) for c in self.rgb(flat)]


def _max_chroma(lightness: np.ndarray, tint: np.ndarray, hue: np.ndarray | float) -> np.ndarray:
    """How far from ``(lightness, *tint)`` sRGB reaches towards CIELAB hue angle ``hue`` (radians;
    one angle, or one per row)."""
    direction = np.column_stack(np.broadcast_arrays(np.cos(hue), np.sin(hue), lightness)[:2])
    lo, hi = np.zeros_like(lightness), np.full_like(lightness, 200.0)
    for _ in range(40):
        mid = (lo + hi) / 2
        ab = tint + mid[:, None] * direction
        rgb = lab_to_srgb(np.column_stack([lightness, ab]))
        inside = (rgb.min(axis=-1) >= 0) & (rgb.max(axis=-1) <= 1)
        lo, hi = np.where(inside, mid, lo), np.where(inside, hi, mid)
    return lo


VALUE_SCALE = ValueScale()
"""The one value scale used by every vector, heat map and legend."""

VALUE_TICKS = (-10.0, -1.0, -0.1, 0.0, 0.1, 1.0, 10.0)
"""The values the legend (:class:`~circuit_clips.kit.heatmap.ColorBar`) marks by default."""


def value_to_color(value: float) -> ManimColor:
    """The colour of ``value`` on :data:`VALUE_SCALE`."""
    return VALUE_SCALE.color(value)


def values_to_colors(values: np.ndarray) -> list[ManimColor]:
    """The colours of ``values`` (flattened, C order) on :data:`VALUE_SCALE`."""
    return VALUE_SCALE.colors(values)


def value_text_color(value: float) -> ManimColor:
    """The colour for text drawn over a cell showing ``value``: :data:`TEXT_COLOR` on dark cells,
    :data:`BACKGROUND_COLOR` on light ones (whichever contrasts more with the cell)."""
    cell = VALUE_SCALE.rgb(value)
    light = contrast_ratio(cell, np.asarray(TEXT_COLOR.to_rgb()))
    dark = contrast_ratio(cell, np.asarray(BACKGROUND_COLOR.to_rgb()))
    return TEXT_COLOR if light >= dark else BACKGROUND_COLOR


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
