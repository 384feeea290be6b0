"""Interpolating transforms faster: one NumPy expression per attribute for all submobjects.

Every frame of a ``Transform`` (and of ``.animate``, ``FadeIn``, ``FadeOut``, which are
transforms) Manim walks the three families (the mobject, its starting copy, the target copy)
and calls ``submobject.interpolate(start, target, alpha)`` on each member: eight small NumPy
interpolations (points, fill, stroke and background-stroke colours, widths, sheen) with their
``getattr``/``setattr``. A heat map or a line of text has hundreds of members, so this adds up
(``docs/performance.md``).

Here the starting and target values of all members are concatenated once, at the first frame
after the animation began, and each frame computes ``(1 - alpha) * start + alpha * target``
for all of them at once, then hands each member its slice. That is Manim's own formula
(``manim.utils.bezier.interpolate``) on the same float64 numbers, element by element, so the
values are bit for bit those of Manim's loop, and so are the frames (``tests/engine/test_transforms``
checks both). A member whose sub-alpha is exactly 1 gets copies of its target values, as in
Manim.

Only what is certainly equivalent is batched: a ``Transform`` (or subclass) that keeps
Transform's per-member interpolation, on a straight path; members that are plain ``VMobject``
interpolations with float64 arrays of matching shapes. Everything else (path arcs, custom
``interpolate`` methods, anything with updaters, which could change the families or their
values while the animation runs) goes through Manim's own code.
"""

from __future__ import annotations

import numpy as np
from manim.animation.animation import Animation
from manim.animation.transform import Transform
from manim.mobject.mobject import Mobject
from manim.mobject.types.vectorized_mobject import VMobject
from manim.utils.bezier import interpolate as straight_path

__all__ = ["batch_transform_interpolation", "manim_interpolate_mobject"]

#: VMobject.interpolate_color's attributes (and the points), in the order Manim sets them.
ARRAYS = ("points", "fill_rgbas", "stroke_rgbas", "background_stroke_rgbas", "sheen_direction")
SCALARS = ("stroke_width", "background_stroke_width", "sheen_factor")

#: Manim's own ``Transform.interpolate_mobject`` (inherited from ``Animation``).
manim_interpolate_mobject = Animation.interpolate_mobject


def batch_transform_interpolation() -> None:
    """Make every ``Transform`` interpolate its members in one batch where that is exact (idempotent)."""
    Transform.interpolate_mobject = _interpolate_mobject


def _interpolate_mobject(self: Transform, alpha: float) -> None:
    began, plan = self.__dict__.get("_batch", (None, None))
    if began is not self.starting_mobject:
        # The call from ``begin`` (which makes a new starting copy): the other animations of
        # the same ``play`` may not have begun (and aligned shared mobjects) yet, so the
        # plan is made at the first frame instead.
        self._batch = (self.starting_mobject, None)
        return manim_interpolate_mobject(self, alpha)
    if plan is None:
        plan = _Batch.plan(self)
        self._batch = (began, plan)
    if plan is _UNBATCHABLE:
        return manim_interpolate_mobject(self, alpha)
    plan.interpolate(self, alpha)


class _Batch:
    """The members of one transform, their start and target values concatenated."""

    def __init__(self, members: list[tuple], fallback: list[tuple], count: int) -> None:
        self.members = [(index, sub) for index, sub, _, _ in members]  # the batched members
        self.fallback = fallback  # (index, submobject, start, target), interpolated by Manim
        self.count = count  # how many members the families have (for the sub-alphas)
        starts = [start for _, _, start, _ in members]
        targets = [target for _, _, _, target in members]
        self.starts, self.targets, self.rows, self.slices = {}, {}, {}, {}
        for attr in ARRAYS:
            self.starts[attr] = np.concatenate([_as_rows(getattr(m, attr)) for m in starts])
            self.targets[attr] = np.concatenate([_as_rows(getattr(m, attr)) for m in targets])
            self.rows[attr] = rows = np.array([len(_as_rows(getattr(m, attr))) for m in starts])
            ends = np.cumsum(rows).tolist()
            if attr == "sheen_direction":  # one row each, handed out as the vector it was
                self.slices[attr] = list(range(len(members)))
            else:
                self.slices[attr] = [slice(end - n, end) for end, n in zip(ends, rows.tolist(), strict=True)]
        self.scalar_starts = {a: np.array([float(getattr(m, a)) for m in starts]) for a in SCALARS}
        self.scalar_targets = {a: np.array([float(getattr(m, a)) for m in targets]) for a in SCALARS}
        self.raw_scalar_targets = {a: [getattr(m, a) for m in targets] for a in SCALARS}

    @classmethod
    def plan(cls, transform: Transform) -> _Batch | object:
        if (
            type(transform).interpolate_submobject is not Transform.interpolate_submobject
            or type(transform).get_all_families_zipped is not Transform.get_all_families_zipped
            or transform.path_func is not straight_path
        ):
            return _UNBATCHABLE
        families = list(transform.get_all_families_zipped())
        if any(m.updaters for family in families for m in family):
            return _UNBATCHABLE
        members, fallback = [], []
        for index, (sub, start, target) in enumerate(families):
            (members if _batchable(sub, start, target) else fallback).append((index, sub, start, target))
        if not members:
            return _UNBATCHABLE
        return cls(members, fallback, len(families))

    def interpolate(self, transform: Transform, alpha: float) -> None:
        alphas = self._sub_alphas(transform, alpha)  # one per batched member, or one for all
        values: dict[str, list] = {}
        for attr in ARRAYS:
            a = alphas if alphas.size == 1 else np.repeat(alphas, self.rows[attr])[:, None]
            values[attr] = _pieces(straight_path(self.starts[attr], self.targets[attr], a), self.slices[attr])
        for attr in SCALARS:
            values[attr] = straight_path(self.scalar_starts[attr], self.scalar_targets[attr], alphas).tolist()
        done = alphas == 1.0
        finished = done.tolist() if done.size > 1 else [bool(done)] * len(self.members)
        for k, (_, sub) in enumerate(self.members):
            if finished[k]:  # as Manim: copies of the target's values
                for attr in ARRAYS:
                    setattr(sub, attr, self.targets[attr][self.slices[attr][k]].copy())
                for attr in SCALARS:
                    setattr(sub, attr, self.raw_scalar_targets[attr][k])
                continue
            sub.points = values["points"][k]
            sub.fill_rgbas = values["fill_rgbas"][k]
            sub.stroke_rgbas = values["stroke_rgbas"][k]
            sub.background_stroke_rgbas = values["background_stroke_rgbas"][k]
            sub.sheen_direction = values["sheen_direction"][k]
            sub.stroke_width = values["stroke_width"][k]
            sub.background_stroke_width = values["background_stroke_width"][k]
            sub.sheen_factor = values["sheen_factor"][k]
        for index, sub, start, target in self.fallback:
            sub_alpha = transform.get_sub_alpha(alpha, index, self.count)
            transform.interpolate_submobject(sub, start, target, sub_alpha)

    def _sub_alphas(self, transform: Transform, alpha: float) -> np.ndarray:
        if transform.lag_ratio == 0 and type(transform).get_sub_alpha is Animation.get_sub_alpha:
            return np.array(transform.get_sub_alpha(alpha, 0, self.count), dtype=np.float64)
        return np.array(
            [transform.get_sub_alpha(alpha, i, self.count) for i, _ in self.members], dtype=np.float64
        )


def _pieces(values: np.ndarray, slices: list) -> list[np.ndarray]:
    return [values[s] for s in slices]


_UNBATCHABLE = object()


def _as_rows(values: np.ndarray) -> np.ndarray:
    """A 2-D view: arrays of rows as they are, a vector (``sheen_direction``) as one row."""
    return values.reshape(1, -1) if values.ndim == 1 else values


def _batchable(sub: Mobject, start: Mobject, target: Mobject) -> bool:
    """Whether Manim would interpolate this member with VMobject's plain arithmetic on float64s."""
    kind = type(sub)
    if not (
        isinstance(sub, VMobject)
        and isinstance(start, VMobject)
        and isinstance(target, VMobject)
        and kind.interpolate is Mobject.interpolate
        and kind.interpolate_color is VMobject.interpolate_color
    ):
        return False
    for attr in ARRAYS:
        a, b = getattr(start, attr, None), getattr(target, attr, None)
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.dtype != np.float64 or b.dtype != np.float64 or a.shape != b.shape:
            return False
        if attr == "sheen_direction" and a.shape != (3,):
            return False
        if attr != "sheen_direction" and (a.ndim != 2 or a.shape[0] == 0):
            return False
    for attr in SCALARS:
        a, b = getattr(start, attr, None), getattr(target, attr, None)
        if not all(
            isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool) for v in (a, b)
        ):
            return False
    return True
