"""The visual kit shared by every clip: one visual language for vectors, matrices, heads.

* :mod:`.theme` - the one value scale (:data:`VALUE_SCALE`, :func:`value_to_color`),
  semantic colours (stream, query/key/value, :func:`head_color`), sizes;
* :class:`VectorColumn`, :class:`ResidualStream`, :class:`HeatMap`,
  :class:`AttentionPatternMap`, :class:`AttentionHeadBlock`, :class:`TokenRow`,
  :class:`ColorBar` - the mobjects;
* :func:`read`, :func:`write`, :func:`merge` - the verbs, returning animations;
* :class:`EquationStrip` - the running equation along the top; :mod:`.layout` - the named
  regions of the frame (title, equation line, panels, the caption band, :data:`FRAME_MARGIN`);
* :class:`ClipScene` - the base scene (title card, captioned beats, poster frame), drawn by
  :class:`FastCairoCamera` (Manim's Cairo camera with less overhead, same pixels).

Importing the kit makes copies of text glyphs share their parsed SVG path
(:func:`.copies.share_svg_paths_in_copies`): copying text is then ~7x faster; and transforms
interpolate all their submobjects in one batch (:func:`.transforms.batch_transform_interpolation`),
with the same values bit for bit. Not with ``CIRCUIT_CLIPS_PLAIN_MANIM`` set, which renders
with Manim exactly as it ships.
"""

from __future__ import annotations

import os

from .camera import FastCairoCamera
from .copies import share_svg_paths_in_copies
from .equation import TRANSITIONS, EquationStrip, shape_tex
from .head import AttentionHeadBlock, MatrixTile
from .heatmap import AttentionPatternMap, ColorBar, HeatMap
from .matrix_guides import block_frame, matrix_guides
from .pacing import READING_RATE, hold_to_read, reading_time
from .scene import PLAIN_MANIM, SERIES_NAME, ClipScene
from .sparse_heatmap import SparseHeatMap
from .stream import ResidualStream, stream_column
from .theme import (
    BACKGROUND_COLOR,
    FONT_SIZE_BODY,
    FONT_SIZE_LABEL,
    FONT_SIZE_MIN,
    FONT_SIZE_TITLE,
    CAPTION_BAND,
    CAPTION_BAND_HEIGHT,
    CENTRE_PANEL,
    EQUATION_LINE,
    FRAME_MARGIN,
    HEAD_COLORS,
    KEY_COLOR,
    LOGIT_COLOR,
    MATH_SIZE_BODY,
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    LEFT_PANEL,
    QUERY_COLOR,
    RIGHT_PANEL,
    SAFE_FRAME,
    STAGE,
    STREAM_COLOR,
    TEXT_COLOR,
    TITLE,
    Region,
    VALUE_COLOR,
    VALUE_RANGE,
    VALUE_SCALE,
    ValueScale,
    head_color,
    value_to_color,
    values_to_colors,
)
from .tokens import TokenRow
from .transforms import batch_transform_interpolation
from .vector import Recolor, SubspaceGuide, SubspaceGuides, VectorColumn, make_label, subspace_guides
from .verbs import flash_around, merge, read, write
from .vocab import VocabColumn, format_value

__all__ = [
    "AttentionHeadBlock",
    "AttentionPatternMap",
    "BACKGROUND_COLOR",
    "ClipScene",
    "CAPTION_BAND",
    "CAPTION_BAND_HEIGHT",
    "CENTRE_PANEL",
    "ColorBar",
    "EQUATION_LINE",
    "EquationStrip",
    "FastCairoCamera",
    "FONT_SIZE_BODY",
    "FONT_SIZE_LABEL",
    "FONT_SIZE_MIN",
    "FONT_SIZE_TITLE",
    "FRAME_MARGIN",
    "HEAD_COLORS",
    "HeatMap",
    "KEY_COLOR",
    "LOGIT_COLOR",
    "MATH_SIZE_BODY",
    "MATH_SIZE_LABEL",
    "MUTED_TEXT_COLOR",
    "LEFT_PANEL",
    "MatrixTile",
    "QUERY_COLOR",
    "READING_RATE",
    "RIGHT_PANEL",
    "Recolor",
    "Region",
    "SAFE_FRAME",
    "STAGE",
    "SubspaceGuide",
    "SubspaceGuides",
    "TITLE",
    "TRANSITIONS",
    "ResidualStream",
    "SERIES_NAME",
    "SparseHeatMap",
    "STREAM_COLOR",
    "TEXT_COLOR",
    "TokenRow",
    "VALUE_COLOR",
    "VALUE_RANGE",
    "VALUE_SCALE",
    "ValueScale",
    "VectorColumn",
    "VocabColumn",
    "block_frame",
    "flash_around",
    "format_value",
    "head_color",
    "hold_to_read",
    "make_label",
    "matrix_guides",
    "merge",
    "read",
    "reading_time",
    "shape_tex",
    "stream_column",
    "subspace_guides",
    "value_to_color",
    "values_to_colors",
    "write",
]

if not os.environ.get(PLAIN_MANIM):  # the benchmark's plain-Manim baseline stays Manim's own
    share_svg_paths_in_copies()
    batch_transform_interpolation()
