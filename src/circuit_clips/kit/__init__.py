"""The visual kit shared by every clip: one visual language for vectors, matrices, heads.

* :mod:`.theme` - the one value scale (:data:`VALUE_SCALE`, :func:`value_to_color`),
  semantic colours (stream, query/key/value, :func:`head_color`), sizes;
* :class:`VectorColumn`, :class:`ResidualStream`, :class:`HeatMap`,
  :class:`AttentionPatternMap`, :class:`AttentionHeadBlock`, :class:`TokenRow`,
  :class:`ColorBar` - the mobjects;
* :func:`read`, :func:`write`, :func:`merge` - the verbs, returning animations;
* :class:`EquationStrip` - the running equation along the top; :mod:`.layout` - the named
  regions of the frame (title, equation line, panels, the caption band, :data:`FRAME_MARGIN`);
* :func:`.inline_math.inline_math` - text with ``$...$`` math on one baseline (title cards);
* :class:`ClipScene` - the base scene (title card, captioned beats, poster frame), which
  installs the speed-up engine (:mod:`circuit_clips.engine`) when a clip is constructed.

Importing the kit changes nothing in Manim.
"""

from __future__ import annotations

from .equation import TRANSITIONS, EquationStrip, shape_tex
from .head import AttentionHeadBlock, MatrixTile
from .heatmap import AttentionPatternMap, ColorBar, HeatMap
from .matrix_guides import block_frame, matrix_guides
from .pacing import READING_RATE, hold_to_read, reading_time
from .scene import SERIES_NAME, ClipScene
from .sparse_heatmap import SparseHeatMap
from .stream import ResidualStream, stream_column
from .theme import (
    BACKGROUND_COLOR,
    CAPTION_BAND,
    CAPTION_BAND_HEIGHT,
    CENTRE_PANEL,
    EQUATION_LINE,
    FONT_SIZE_BODY,
    FONT_SIZE_LABEL,
    FONT_SIZE_MIN,
    FONT_SIZE_TITLE,
    FRAME_MARGIN,
    HEAD_COLORS,
    KEY_COLOR,
    LEFT_PANEL,
    LOGIT_COLOR,
    MATH_SIZE_BODY,
    MATH_SIZE_LABEL,
    MUTED_TEXT_COLOR,
    QUERY_COLOR,
    RIGHT_PANEL,
    SAFE_FRAME,
    STAGE,
    STREAM_COLOR,
    TEXT_COLOR,
    TITLE,
    VALUE_COLOR,
    VALUE_RANGE,
    VALUE_SCALE,
    Region,
    ValueScale,
    head_color,
    value_to_color,
    values_to_colors,
)
from .tokens import TokenRow
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
