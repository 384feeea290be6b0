"""Interpolating transforms faster: one NumPy expression per attribute for all submobjects.

Every frame of a ``Transform`` (and of ``.animate``, ``FadeIn``, ``FadeOut``, which are
transforms) Manim walks the three families (the mobject, its starting copy, the target copy)
and calls ``submobject.interpolate(start, target, alpha)`` on each member: eight small NumPy
interpolations (points, fill, stroke and background-stroke colours, widths, sheen) with their
``getattr``/``setattr``, about 25 us per member. A heat map or a line of text has hundreds of
members, so a 1080p60 render of ``heads_are_additive`` spent 2.7 s of its 30.6 s of CPU there.

Here the starting and target values of all members are concatenated once, at the first frame
after the animation began, and each frame computes ``(1 - alpha) * start + alpha * target``
for all of them at once, then hands each member its slice. That is Manim's own formula
(``manim.utils.bezier.interpolate``) on the same float64 numbers, element by element, so the
values are bit for bit those of Manim's loop, and so are the frames (``tests/test_transforms``
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

    def __init__(self, members, fallback, count, starts, targets, rows, scalar_starts, scalar_targets) -> None:
        self.members = members  # (index in the families, submobject) of each batched member
        self.fallback = fallback  # (index, submobject, start, target) interpolated by Manim
        self.count = count  # how many members the families have
        self.starts, self.targets, self.rows = starts, targets, rows  # per array attribute
        self.scalar_starts, self.scalar_targets = scalar_starts, scalar_targets

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
            if _batchable(sub, start, target):
                members.append((index, sub, start, target))
            else:
                fallback.append((index, sub, start, target))
        if not members:
            return _UNBATCHABLE
        starts, targets, rows = {}, {}, {}
        for attr in ARRAYS:
            starts[attr] = np.concatenate([getattr(s, attr).reshape(-1, _width(s, attr)) for _, _, s, _ in members])
            targets[attr] = np.concatenate([getattr(t, attr).reshape(-1, _width(t, attr)) for _, _, _, t in members])
            rows[attr] = np.array([_rows(s, attr) for _, _, s, _ in members])
        scalar_starts = {a: np.array([float(getattr(s, a)) for _, _, s, _ in members]) for a in SCALARS}
        scalar_targets = {a: np.array([float(getattr(t, a)) for _, _, _, t in members]) for a in SCALARS}
        plan = cls(
            [(i, sub) for i, sub, _, _ in members], fallback, len(families),
            starts, targets, rows, scalar_starts, scalar_targets,
        )  # fmt: skip
        plan.raw_scalar_targets = {a: [getattr(t, a) for _, _, _, t in members] for a in SCALARS}
        return plan

    def interpolate(self, transform: Transform, alpha: float) -> None:
        alphas = self._sub_alphas(transform, alpha)  # one per batched member, or one for all
        done = alphas == 1.0
        values: dict[str, list] = {}
        for attr in ARRAYS:
            start, target = self.starts[attr], self.targets[attr]
            a = alphas if alphas.size == 1 else np.repeat(alphas, self.rows[attr])[:, None]
            values[attr] = np.split(straight_path(start, target, a), np.cumsum(self.rows[attr])[:-1])
        for attr in SCALARS:
            values[attr] = straight_path(self.scalar_starts[attr], self.scalar_targets[attr], alphas).tolist()
        finished = done.tolist() if done.size > 1 else [bool(done)] * len(self.members)
        targets = self._target_slices() if any(finished) else None
        for k, (_, sub) in enumerate(self.members):
            if finished[k]:  # as Manim: copies of the target's values
                for attr in ARRAYS:
                    setattr(sub, attr, targets[attr][k].reshape(self._shape(attr, k)).copy())
                for attr in SCALARS:
                    setattr(sub, attr, self.raw_scalar_targets[attr][k])
                continue
            for attr in ARRAYS:
                setattr(sub, attr, values[attr][k].reshape(self._shape(attr, k)))
            sub.stroke_width = values["stroke_width"][k]
            sub.background_stroke_width = values["background_stroke_width"][k]
            sub.sheen_factor = values["sheen_factor"][k]
        for index, sub, start, target in self.fallback:
            sub_alpha = transform.get_sub_alpha(alpha, index, self.count)
            transform.interpolate_submobject(sub, start, target, sub_alpha)

    # --- helpers -------------------------------------------------------------------------
    def _sub_alphas(self, transform: Transform, alpha: float) -> np.ndarray:
        if transform.lag_ratio == 0 and type(transform).get_sub_alpha is Animation.get_sub_alpha:
            return np.array(transform.get_sub_alpha(alpha, 0, self.count), dtype=np.float64)
        return np.array([transform.get_sub_alpha(alpha, i, self.count) for i, _ in self.members], dtype=np.float64)

    def _target_slices(self) -> dict[str, list[np.ndarray]]:
        return {a: np.split(self.targets[a], np.cumsum(self.rows[a])[:-1]) for a in ARRAYS}

    def _shape(self, attr: str, k: int) -> tuple[int, ...]:
        return (3,) if attr == "sheen_direction" else (int(self.rows[attr][k]), self.starts[attr].shape[1])


_UNBATCHABLE = object()


def _width(mobject: Mobject, attr: str) -> int:
    return 3 if attr == "sheen_direction" else getattr(mobject, attr).shape[1]


def _rows(mobject: Mobject, attr: str) -> int:
    return 1 if attr == "sheen_direction" else getattr(mobject, attr).shape[0]


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
        if not all(isinstance(v, (int, float, np.floating, np.integer)) and not isinstance(v, bool) for v in (a, b)):
            return False
    return True
