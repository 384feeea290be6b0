"""Copying text faster: glyph copies share their parsed SVG path instead of deep-copying it.

Manim deep-copies mobjects all the time (``Transform.begin`` copies its mobject and target,
``.animate`` and ``generate_target`` copy, ``FadeIn``/``FadeOut`` copy the starting state). Every
glyph of a ``Text`` or ``MathTex`` is a ``VMobjectFromSVGPath`` that keeps ``path_obj``, the
svgelements ``Path`` it was built from, and ``copy.deepcopy`` copies that Path segment by
segment, which is most of the cost of copying text (``docs/performance.md``).

The Path is only read after the glyph is built: ``VMobjectFromSVGPath.__init__`` converts its
arcs (the one change made to it) and ``handle_commands`` reads its segments to generate the
points, nothing in Manim writes to it afterwards. So a copy can share it, like the immutable
value it is in practice, while everything a copy can change (points, colours, submobjects)
is still copied. This is narrower than making every svgelements ``Path`` deep-copy as itself
(svgelements' own copies and other users of the library are untouched) and, unlike deleting
``path_obj`` once the points exist, leaves ``generate_points`` working on copies.
"""

from __future__ import annotations

from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

__all__ = ["share_svg_paths_in_copies"]


def share_svg_paths_in_copies() -> None:
    """Make copies of ``VMobjectFromSVGPath`` share ``path_obj`` with the original (idempotent)."""
    if VMobjectFromSVGPath.__dict__.get("__deepcopy__") is not _deepcopy_sharing_path:
        VMobjectFromSVGPath.__deepcopy__ = _deepcopy_sharing_path


def _deepcopy_sharing_path(self: VMobjectFromSVGPath, memo: dict) -> VMobjectFromSVGPath:
    """The inherited ``__deepcopy__``, with ``path_obj`` registered in the memo as its own copy."""
    path = self.__dict__.get("path_obj")
    if path is not None:
        memo.setdefault(id(path), path)
    return super(VMobjectFromSVGPath, self).__deepcopy__(memo)
