"""Drawing frames faster: Manim's Cairo camera with less Python per mobject, the same pixels.

A clip's frame is a few hundred small vector mobjects (heat-map cells, text glyphs, arrows), so
Manim's Cairo camera spends most of its time in per-mobject Python and NumPy overhead (finding
subpaths, indexing NumPy scalars, walking families), not in Cairo (``docs/performance.md``).

:class:`FastCairoCamera` does the same work with plain Python floats: the points are converted
once per mobject (``tolist``), anchors are compared with the exact float arithmetic of Manim's
test (``|a - b| <= atol + rtol * |b|``), and Cairo receives the same float64 values through the
same calls in the same order, under the same transformation matrix. The coordinates stay in
Manim's space on purpose: converting them to pixels in NumPy instead of letting Cairo apply its
matrix could round differently in the last bit and move an edge pixel. Fills and strokes that
are fully transparent are skipped: Cairo draws nothing for a clear source under the ``OVER``
operator (its ``nothing_to_do`` check), so only the Python calls are saved.

``tests/engine/test_camera.py`` draws the kit's mobjects with both cameras and checks that the
pixel arrays are byte-identical.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from manim import Camera
from manim.camera.camera import CAP_STYLE_MAP, LINE_JOIN_MAP
from manim.mobject.mobject import Mobject
from manim.mobject.types.vectorized_mobject import VMobject

__all__ = ["FastCairoCamera", "family_members_with_points"]

#: The relative tolerance of ``numpy.isclose``, which Manim's subpath split uses.
RTOL = 1.0e-5


class FastCairoCamera(Camera):
    """Manim's :class:`~manim.camera.camera.Camera`, drawing vector mobjects with less overhead.

    Pixel for pixel the same frames (see the module docstring); anything unusual (gradients,
    background-image colouring, excluded mobjects, non-cubic curves) goes through Manim's own
    code.
    """

    def __init__(self, *args, **kwargs) -> None:
        self._kinds: dict[type, type] = {}
        super().__init__(*args, **kwargs)

    # --- which mobjects, in which order -------------------------------------------------
    def type_or_raise(self, mobject: Mobject) -> type:
        """Manim's answer, remembered per class (Manim builds a dict of bound methods per call)."""
        kind = self._kinds.get(type(mobject))
        if kind is None:
            kind = self._kinds[type(mobject)] = super().type_or_raise(mobject)
        return kind

    def get_mobjects_to_display(
        self,
        mobjects: Iterable[Mobject],
        include_submobjects: bool = True,
        excluded_mobjects: list | None = None,
    ) -> list[Mobject]:
        if not include_submobjects or excluded_mobjects:
            return super().get_mobjects_to_display(mobjects, include_submobjects, excluded_mobjects)
        return family_members_with_points(mobjects, use_z_index=self.use_z_index)

    def display_multiple_vectorized_mobjects(self, vmobjects: list[VMobject], pixel_array) -> None:
        """Draw in order; Manim's batching by background image only when one has an image."""
        if any(vm.background_image for vm in vmobjects):
            super().display_multiple_vectorized_mobjects(vmobjects, pixel_array)
        elif vmobjects:
            self.display_multiple_non_background_colored_vmobjects(vmobjects, pixel_array)

    # --- drawing one vector mobject -----------------------------------------------------
    def transform_points_pre_display(self, mobject: Mobject, points):
        """Manim's check (non-finite points draw nothing), without ``np.all``'s wrapper."""
        if np.isfinite(points).all():
            return points
        return super().transform_points_pre_display(mobject, points)

    def set_cairo_context_path(self, ctx, vmobject: VMobject) -> FastCairoCamera:
        """Manim's path (same subpaths, same ``move_to``/``curve_to``/``close_path`` calls)."""
        points = self.transform_points_pre_display(vmobject, vmobject.points)
        n = len(points)
        if n == 0:
            return self  # Manim leaves the context's path alone here too
        atol = vmobject.tolerance_for_point_equality
        if vmobject.n_points_per_cubic_curve != 4 or not 0 <= atol < math.inf:
            return super().set_cairo_context_path(ctx, vmobject)
        ctx.new_path()
        if n < 4:
            return self
        xy = points[:, :2].tolist()

        # A new subpath starts where a curve's first anchor is not close to the previous
        # curve's last anchor (Manim: VMobject.get_subpath_split_indices_from_points).
        starts = [0]
        for b in range(4, n, 4):
            if not _close(xy[b - 1], xy[b], atol):
                starts.append(b)
        starts.append(n)

        new_sub_path, move_to, curve_to = ctx.new_sub_path, ctx.move_to, ctx.curve_to
        for start, end in zip(starts, starts[1:]):
            if end - start < 4:
                continue
            new_sub_path()
            move_to(*xy[start])
            for i in range(start + 1, end - 2, 4):
                curve_to(*xy[i], *xy[i + 1], *xy[i + 2])
            if _close(xy[start], xy[end - 1], atol):
                ctx.close_path()
        return self

    def set_cairo_context_color(self, ctx, rgbas, vmobject: VMobject) -> FastCairoCamera:
        if len(rgbas) != 1:
            return super().set_cairo_context_color(ctx, rgbas, vmobject)  # a gradient
        r, g, b, a = rgbas[0].tolist()
        ctx.set_source_rgba(b, g, r, a)  # Cairo's ARGB32 is BGRA in memory; Manim's array is RGBA
        return self

    def apply_fill(self, ctx, vmobject: VMobject) -> FastCairoCamera:
        rgbas = self.get_fill_rgbas(vmobject)
        if _clear(rgbas):
            return self
        self.set_cairo_context_color(ctx, rgbas, vmobject)
        ctx.fill_preserve()
        return self

    def apply_stroke(self, ctx, vmobject: VMobject, background: bool = False) -> FastCairoCamera:
        width = vmobject.get_stroke_width(background)
        if width == 0:
            return self
        rgbas = self.get_stroke_rgbas(vmobject, background=background)
        if _clear(rgbas):
            return self
        self.set_cairo_context_color(ctx, rgbas, vmobject)
        # Manim also multiplies by frame_width / frame_width, which is exactly 1.0.
        ctx.set_line_width(width * self.cairo_line_width_multiple)
        ctx.set_line_join(LINE_JOIN_MAP[vmobject.joint_type])
        ctx.set_line_cap(CAP_STYLE_MAP[vmobject.cap_style])
        ctx.stroke_preserve()
        return self


def family_members_with_points(mobjects: Iterable[Mobject], *, use_z_index: bool = True) -> list[Mobject]:
    """What ``manim.utils.family.extract_mobject_family_members(..., only_those_with_points=True)``
    returns, without its generator recursion: every mobject and its submobjects depth-first,
    a mobject met again kept at its last place, those without points dropped, then stably
    sorted by ``z_index``.
    """
    found: list[Mobject] = []
    for mobject in mobjects:
        _walk(mobject, found, set())
    found = [m for m in found if len(m.points)]
    last = {id(m): i for i, m in enumerate(found)}
    if len(last) != len(found):
        found = [m for i, m in enumerate(found) if last[id(m)] == i]
    if use_z_index:
        found.sort(key=lambda m: m.z_index)
    return found


def _walk(mobject: Mobject, found: list[Mobject], path: set[int]) -> None:
    """Depth-first, skipping a mobject that is its own ancestor (as ``Mobject._iter_family``)."""
    if id(mobject) in path:
        return
    found.append(mobject)
    if mobject.submobjects:
        path.add(id(mobject))
        for sub in mobject.submobjects:
            _walk(sub, found, path)
        path.discard(id(mobject))


def _close(p: list[float], q: list[float], atol: float) -> bool:
    """``numpy.isclose`` on both coordinates, as Manim tests anchors (``q`` is the reference)."""
    if p == q:
        return True
    return abs(p[0] - q[0]) <= atol + RTOL * abs(q[0]) and abs(p[1] - q[1]) <= atol + RTOL * abs(q[1])


def _clear(rgbas) -> bool:
    """One colour with alpha exactly 0: Cairo would draw nothing."""
    return len(rgbas) == 1 and rgbas[0][3] == 0
