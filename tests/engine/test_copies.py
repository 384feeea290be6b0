"""Copies of text share their glyphs' parsed SVG paths and are otherwise independent."""

from __future__ import annotations

import copy
import time

import numpy as np
import pytest
from manim import BLUE, RED, RIGHT, UP, MathTex, Text, Transform, VGroup, tempconfig
from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

from circuit_clips.engine.copies import _deepcopy_sharing_path, share_svg_paths_in_copies

share_svg_paths_in_copies()  # as constructing a ClipScene does (engine.install), unless PLAIN_MANIM is set


@pytest.fixture(autouse=True)
def _config(tmp_path):
    with tempconfig({"media_dir": str(tmp_path), "verbosity": "ERROR"}):
        yield


def _glyphs(mobject) -> list[VMobjectFromSVGPath]:
    return [m for m in mobject.get_family() if isinstance(m, VMobjectFromSVGPath)]


def _state(mobject) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    return [(m.points.copy(), m.fill_rgbas.copy(), m.stroke_rgbas.copy()) for m in mobject.get_family()]


def _same_state(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for pa, pb in zip(a, b) for x, y in zip(pa, pb))


@pytest.fixture(params=["Text", "MathTex"])
def text(request):
    if request.param == "Text":
        return Text("keep them at the same time", font_size=30)
    return MathTex(r"W_O^h r^h = \sum_h W_O^h r^h")


def test_copies_share_the_svg_path_and_nothing_they_can_change(text):
    clone = text.copy()
    pairs = list(zip(_glyphs(text), _glyphs(clone), strict=True))
    assert len(pairs) > 10
    for glyph, twin in pairs:
        assert twin is not glyph
        assert twin.path_obj is glyph.path_obj  # the sharing is in effect
        assert twin.points is not glyph.points and np.array_equal(twin.points, glyph.points)
        assert twin.fill_rgbas is not glyph.fill_rgbas
        assert twin.submobjects is not glyph.submobjects


def test_changing_a_copy_leaves_the_original_alone(text):
    before = _state(text)
    clone = text.copy()
    clone.shift(RIGHT + UP).scale(1.5).rotate(0.3).set_color(RED).set_stroke(BLUE, 2)
    clone[0].set_fill(BLUE, opacity=0.5)
    assert not _same_state(_state(clone), before)
    assert _same_state(_state(text), before)


def test_changing_the_original_leaves_a_copy_alone(text):
    clone = text.copy()
    before = _state(clone)
    text.shift(RIGHT).set_color(RED)
    assert _same_state(_state(clone), before)


def test_a_copy_still_generates_its_points_from_the_path(text):
    """``generate_points`` works on a copy: the shared path is only read, and the original stays."""
    before = _state(text)
    for glyph, twin in zip(_glyphs(text), _glyphs(text.copy()), strict=True):
        twin.generate_points()  # back to the SVG's own coordinates
        fresh = VMobjectFromSVGPath(copy.deepcopy(glyph.path_obj))
        assert np.array_equal(twin.points, fresh.points)
    assert _same_state(_state(text), before)


def test_a_transform_interpolates_copies_independently():
    source, target = Text("abc"), Text("xyz").shift(RIGHT * 2)
    source_state, target_state = _state(source), _state(target)
    animation = Transform(source, target)
    animation.begin()
    animation.interpolate(0.5)
    assert _same_state(_state(target), target_state)
    assert not _same_state(_state(source), source_state)
    animation.interpolate(1.0)
    assert np.allclose(source.get_center(), target.get_center())


def test_sharing_is_installed_once_and_copying_text_is_faster():
    share_svg_paths_in_copies()
    share_svg_paths_in_copies()
    assert VMobjectFromSVGPath.__dict__["__deepcopy__"] is _deepcopy_sharing_path
    text = VGroup(*[Text(f"keep them at the same time {i}") for i in range(3)])
    glyph = _glyphs(text)[0]

    def best(function, number=3) -> float:
        times = []
        for _ in range(number):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
        return min(times)

    path_copies = best(lambda: [copy.deepcopy(g.path_obj) for g in _glyphs(text)])
    text_copy = best(text.copy)
    assert glyph.path_obj is not None
    # Without the sharing a copy costs more than copying every glyph's path (~0.27 ms each).
    assert text_copy < path_copies
