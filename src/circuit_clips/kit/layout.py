"""Named regions of the frame: where a clip puts its title, equation, panels and nothing else.

The frame is Manim's fixed ``FRAME_WIDTH x FRAME_HEIGHT`` (``14.22 x 8`` scene units at 16:9,
whatever the pixel resolution). From the top:

* :data:`TITLE` - the title card's line;
* :data:`EQUATION_LINE` - the running equation (:class:`~circuit_clips.kit.equation.EquationStrip`);
* :data:`STAGE` - everything between the equation line and the caption band, split into
  :data:`LEFT_PANEL`, :data:`CENTRE_PANEL` and :data:`RIGHT_PANEL`;
* :data:`CAPTION_BAND` - the bottom 15% of the frame, :data:`CAPTION_BAND_HEIGHT` high, is the
  player's: captions are drawn there, so a clip draws nothing in it.

Every region lies inside the one margin, :data:`FRAME_MARGIN`, from the frame's edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "FRAME_WIDTH",
    "FRAME_HEIGHT",
    "FRAME_MARGIN",
    "CAPTION_BAND_FRACTION",
    "CAPTION_BAND_HEIGHT",
    "Region",
    "FRAME",
    "SAFE_FRAME",
    "TITLE",
    "EQUATION_LINE",
    "STAGE",
    "LEFT_PANEL",
    "CENTRE_PANEL",
    "RIGHT_PANEL",
    "CAPTION_BAND",
]

FRAME_HEIGHT = 8.0
"""Manim's frame height in scene units (``config.frame_height``; fixed for every quality)."""
FRAME_WIDTH = FRAME_HEIGHT * 16 / 9
"""The frame width at the clips' 16:9 (``config.frame_width``)."""
FRAME_MARGIN = 0.25
"""The one margin: nothing is drawn closer than this to the frame's edges."""
CAPTION_BAND_FRACTION = 0.15
"""The share of the frame's height, at the bottom, kept free for the player's captions."""
CAPTION_BAND_HEIGHT = CAPTION_BAND_FRACTION * FRAME_HEIGHT
"""The height of the caption band in scene units: ``y < -FRAME_HEIGHT / 2 + CAPTION_BAND_HEIGHT``."""

_TITLE_HEIGHT = 1.0
_EQUATION_HEIGHT = 0.9


@dataclass(frozen=True)
class Region:
    """An axis-aligned box of the frame, in scene units (``left < right``, ``bottom < top``)."""

    name: str
    left: float
    right: float
    bottom: float
    top: float

    def __post_init__(self) -> None:
        if not (self.left < self.right and self.bottom < self.top):
            raise ValueError(
                f"region {self.name!r} is empty: x {self.left}..{self.right}, y {self.bottom}..{self.top}"
            )

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom

    @property
    def center(self) -> np.ndarray:
        """The centre point ``[x, y, 0]``."""
        return np.array([(self.left + self.right) / 2, (self.bottom + self.top) / 2, 0.0])

    def contains(self, mobject, *, tolerance: float = 1e-6) -> bool:
        """Whether ``mobject``'s bounding box lies inside this region."""
        (x0, y0, _), (x1, y1, _) = mobject.get_corner([-1, -1, 0]), mobject.get_corner([1, 1, 0])
        return (
            x0 >= self.left - tolerance
            and x1 <= self.right + tolerance
            and y0 >= self.bottom - tolerance
            and y1 <= self.top + tolerance
        )

    def point(self, x: float = 0.5, y: float = 0.5) -> np.ndarray:
        """The point at fractions ``(x, y)`` of this region, from its bottom-left corner.

        ``point()`` is the centre, ``point(0.5, 1)`` the middle of the top edge, ``point(0, 1)`` the
        top-left corner.

        >>> bool(np.allclose(STAGE.point(0, 1), [STAGE.left, STAGE.top, 0]))
        True
        """
        return np.array([self.left + x * self.width, self.bottom + y * self.height, 0.0])

    def place(self, mobject, edge=(0.0, 0.0, 0.0), *, buff: float = 0.0, shrink: bool = False):
        """Move ``mobject`` inside this region against ``edge``, ``buff`` away from it; return it.

        ``edge`` is a Manim direction: ``UP`` puts the mobject at the top centre, ``UP + LEFT`` in the
        top-left corner, ``ORIGIN`` (the default) in the middle. With ``shrink=True`` a mobject larger
        than the region (less ``buff`` on each side) is first scaled down to fit; a larger one is
        otherwise left as it is, which the layout check then reports.
        """
        edge = np.asarray(edge, dtype=float)
        if shrink:
            room_w, room_h = self.width - 2 * buff, self.height - 2 * buff
            factor = min(1.0, room_w / max(mobject.width, 1e-9), room_h / max(mobject.height, 1e-9))
            if factor < 1.0:
                mobject.scale(factor)
        target = self.center.copy()
        for axis, half in ((0, self.width / 2), (1, self.height / 2)):
            if edge[axis]:
                side = np.sign(edge[axis])
                half_size = (mobject.width if axis == 0 else mobject.height) / 2
                target[axis] += side * (half - buff - half_size)
        mobject.move_to(target)
        return mobject

    def split_columns(self, *names: str) -> tuple[Region, ...]:
        """This region cut into ``len(names)`` equal columns, left to right."""
        step = self.width / len(names)
        return tuple(
            Region(name, self.left + k * step, self.left + (k + 1) * step, self.bottom, self.top)
            for k, name in enumerate(names)
        )

    def split_rows(self, *names: str) -> tuple[Region, ...]:
        """This region cut into ``len(names)`` equal rows, top to bottom."""
        step = self.height / len(names)
        return tuple(
            Region(name, self.left, self.right, self.top - (k + 1) * step, self.top - k * step)
            for k, name in enumerate(names)
        )


FRAME = Region("frame", -FRAME_WIDTH / 2, FRAME_WIDTH / 2, -FRAME_HEIGHT / 2, FRAME_HEIGHT / 2)
SAFE_FRAME = Region(
    "safe frame",
    FRAME.left + FRAME_MARGIN,
    FRAME.right - FRAME_MARGIN,
    FRAME.bottom + CAPTION_BAND_HEIGHT,
    FRAME.top - FRAME_MARGIN,
)
"""Inside the margin and above the caption band: where every drawn thing belongs."""
TITLE = Region("title", SAFE_FRAME.left, SAFE_FRAME.right, SAFE_FRAME.top - _TITLE_HEIGHT, SAFE_FRAME.top)
EQUATION_LINE = Region(
    "equation line", SAFE_FRAME.left, SAFE_FRAME.right, SAFE_FRAME.top - _EQUATION_HEIGHT, SAFE_FRAME.top
)
"""The running equation's strip along the top (shared with the title card, which comes first)."""
STAGE = Region("stage", SAFE_FRAME.left, SAFE_FRAME.right, SAFE_FRAME.bottom, EQUATION_LINE.bottom)
LEFT_PANEL, CENTRE_PANEL, RIGHT_PANEL = STAGE.split_columns("left panel", "centre panel", "right panel")
CAPTION_BAND = Region(
    "caption band", FRAME.left, FRAME.right, FRAME.bottom, FRAME.bottom + CAPTION_BAND_HEIGHT
)
