"""``FastCairoCamera`` draws exactly the pixels Manim's ``Camera`` draws.

Every case draws real mobjects with both cameras and compares the RGBA pixel arrays byte for
byte; one case shows the comparison does tell different pictures apart.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from manim import (
    BLUE,
    DOWN,
    LEFT,
    RED,
    RIGHT,
    UP,
    WHITE,
    YELLOW,
    Annulus,
    Arrow,
    Circle,
    Create,
    Cutout,
    DashedLine,
    FadeIn,
    Line,
    MathTex,
    Polygon,
    Square,
    SurroundingRectangle,
    Text,
    Transform,
    VGroup,
    VMobject,
    tempconfig,
)
from manim.camera.camera import Camera
from manim.renderer.cairo_renderer import CairoRenderer
from manim.utils.family import extract_mobject_family_members

from circuit_clips.engine.camera import FastCairoCamera, family_members_with_points
from circuit_clips.kit import (
    BACKGROUND_COLOR,
    AttentionPatternMap,
    ClipScene,
    ColorBar,
    HeatMap,
    ResidualStream,
    SparseHeatMap,
    VectorColumn,
)

SIZE = {"pixel_width": 854, "pixel_height": 480}


@pytest.fixture(autouse=True)
def _config(tmp_path):
    """480p, with Manim's text and LaTeX caches in a scratch folder."""
    with tempconfig({**SIZE, "media_dir": str(tmp_path), "verbosity": "ERROR"}):
        yield


def draw(camera_class, *mobjects) -> np.ndarray:
    camera = camera_class(background_color=BACKGROUND_COLOR)
    camera.capture_mobjects(mobjects)
    return camera.pixel_array.copy()


def assert_same_pixels(*mobjects) -> np.ndarray:
    plain, fast = draw(Camera, *mobjects), draw(FastCairoCamera, *mobjects)
    assert plain.shape == fast.shape == (480, 854, 4)
    assert np.array_equal(plain, fast), f"{np.count_nonzero((plain != fast).any(axis=2))} pixels differ"
    return fast


def _background_pixels(pixels: np.ndarray) -> int:
    return int(np.count_nonzero((pixels == pixels[0, 0]).all(axis=2)))


def _raw(points) -> VMobject:
    vm = VMobject(stroke_color=YELLOW, stroke_width=4).set_fill(BLUE, opacity=0.6)
    vm.points = np.asarray(points, dtype=float)
    return vm


# --- the cases ---------------------------------------------------------------
def _math():
    return MathTex(r"W_O^h r^h = \sum_h W_O^h r^h", font_size=60)


def _text():
    return Text("keep them at the same time", font_size=36).shift(UP)


def _heat_maps():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(5, 5))
    scores[np.triu_indices(5, 1)] = -np.inf  # masked cells, crossed by a stroke
    return (
        VGroup(
            HeatMap(
                rng.normal(size=(6, 4)), row_labels=list("abcdef"), col_labels=list("wxyz"), col_title="col"
            ),
            HeatMap(scores, cell_size=0.3),
            AttentionPatternMap(
                np.tril(np.ones((4, 4))) / np.arange(1, 5)[:, None], tokens=["a", "b", "c", "d"]
            ),
            SparseHeatMap(np.eye(20) * 2, cell_size=0.08),
            ColorBar(),
        )
        .arrange(RIGHT, buff=0.3)
        .scale_to_fit_width(13)
    )


def _stream():
    return VGroup(
        VectorColumn(np.linspace(-2, 2, 8), label="x"),
        VectorColumn(np.linspace(1, -1, 5), rounded=True, subspaces={"a": slice(0, 2)}),
        ResidualStream(np.random.default_rng(1).normal(size=(3, 8)), tokens=["a", "b", "c"]),
    ).arrange(RIGHT)


def _arrows():
    return VGroup(
        Arrow(LEFT * 3, RIGHT * 3, color=RED),
        Arrow(DOWN * 2, UP * 2 + RIGHT, buff=0, stroke_width=8),
        DashedLine(LEFT * 4 + DOWN, RIGHT * 4 + DOWN),
    )


def _holes():
    return VGroup(
        Annulus(inner_radius=0.8, outer_radius=1.6, color=BLUE, fill_opacity=0.8),
        Cutout(
            Square(3),
            Circle(0.5).shift(LEFT * 0.6),
            Circle(0.4).shift(RIGHT * 0.7),
            fill_opacity=1,
            color=RED,
        ),
    ).arrange(RIGHT)


def _open_and_closed():
    zigzag = VMobject(color=WHITE).set_points_as_corners(
        [LEFT * 5, LEFT * 3 + UP, LEFT + DOWN, RIGHT, RIGHT * 2 + UP]
    )
    return VGroup(
        zigzag.set_fill(YELLOW, opacity=0.5),  # open path, filled
        Line(DOWN * 3, UP * 3, stroke_width=6),
        Polygon(UP, RIGHT * 2, DOWN, LEFT * 0.5, color=BLUE).set_fill(BLUE, 0.7),
        Circle(1.2).shift(RIGHT * 3).set_fill(RED, 1).set_stroke(WHITE, 3),
    )


def _strokes():
    return VGroup(
        Circle(1, color=YELLOW).set_fill(opacity=0),  # stroke only
        Square(1.5).set_fill(BLUE, 1).set_stroke(width=0),  # fill only: zero-width stroke
        Square(1.2).set_fill(RED, 0.4).set_stroke(WHITE, opacity=0),  # transparent stroke
        Square(1.0).set_stroke(RED, 5, background=True).set_fill(BLUE, 1),  # background stroke
        SurroundingRectangle(Circle(0.3), color=WHITE, stroke_width=1.5),
    ).arrange(RIGHT)


def _gradients():
    return VGroup(
        Square(2).set_fill([RED, BLUE], opacity=1).set_stroke([YELLOW, WHITE], 6),
        Circle(1).set_color([BLUE, YELLOW, RED]).set_fill(opacity=0.8).set_sheen(0.5, UP),
    ).arrange(RIGHT)


def _odd_points():
    """Subpaths split and joined at the tolerance, a count not a multiple of 4, no points, NaN."""
    square = Square(2).points.copy()
    near = square.copy()
    near[4, 0] += 1e-7  # within atol 1e-6: still one subpath
    far = square.copy()
    far[8, 1] += 1e-3  # a split: a new subpath starts here
    odd = np.vstack([square, square[:2] + 0.5])  # 18 points: the last two are ignored
    nan = square.copy()
    nan[3, 0] = np.nan
    return VGroup(
        _raw(near).shift(LEFT * 4),
        _raw(far).shift(LEFT * 1.5),
        _raw(odd).shift(RIGHT * 1.5),
        _raw(nan),
        _raw(square[:3]),  # fewer points than one curve
        _raw(np.zeros((0, 3))),  # no points at all
        VMobject(),
        VGroup(),
    )


CASES = {
    "MathTex": _math,
    "Text": _text,
    "heat maps": _heat_maps,
    "vectors and stream": _stream,
    "arrows": _arrows,
    "shapes with holes": _holes,
    "open and closed paths": _open_and_closed,
    "stroke-only, zero-width, transparent and background strokes": _strokes,
    "gradients": _gradients,
    "odd points": _odd_points,
}


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_same_pixels(make):
    pixels = assert_same_pixels(make())
    assert _background_pixels(pixels) < pixels.shape[0] * pixels.shape[1]  # something was drawn


def test_same_pixels_for_everything_overlapping():
    """All cases in one frame, drawn over each other, with z-indices and a mobject in two groups."""
    everything = [make() for make in CASES.values()]
    shared = Circle(0.5).set_fill(RED, 1)
    top = VGroup(shared, Square(0.8).set_fill(BLUE, 1)).set_z_index(2)
    assert_same_pixels(*everything, top, VGroup(shared).shift(RIGHT * 0.1))


def test_a_moved_mobject_changes_pixels():
    """The comparison can fail: one pixel column of shift is seen."""
    text = _text()
    moved = text.copy().shift(RIGHT * 14.2 / 854)
    assert not np.array_equal(draw(FastCairoCamera, text), draw(FastCairoCamera, moved))
    assert not np.array_equal(draw(Camera, text), draw(FastCairoCamera, moved))


def test_an_empty_frame_is_the_background():
    assert np.array_equal(draw(FastCairoCamera), draw(Camera))
    assert np.array_equal(draw(FastCairoCamera, VMobject(), VGroup()), draw(Camera))


def test_same_family_order_as_manim():
    a, b, c = Square(), Circle().set_z_index(1), Line()
    empty = VGroup()
    group = VGroup(a, VGroup(b, empty, c), a.copy())
    again = VGroup(c, Square().set_z_index(-1))  # c a second time, later
    for mobjects in ([group], [group, again], [again, group], [VMobject(), group, b]):
        for use_z_index in (True, False):
            expected = extract_mobject_family_members(
                mobjects, use_z_index=use_z_index, only_those_with_points=True
            )
            assert family_members_with_points(mobjects, use_z_index=use_z_index) == expected


# --- in a scene ----------------------------------------------------------------
class _FrameHashes(CairoRenderer):
    """Manim's renderer, keeping a hash of every frame it writes."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.frames: list[tuple[str, int]] = []

    def add_frame(self, frame, num_frames: int = 1) -> None:
        self.frames.append((hashlib.sha1(frame.tobytes()).hexdigest(), num_frames))
        super().add_frame(frame, num_frames)


class _Probe(ClipScene):
    title = "probe"
    description = "camera test"

    def construct(self):
        self.show_title(hold=0.2)
        heat = HeatMap(np.arange(12.0).reshape(3, 4) - 6, row_labels=list("abc"))
        math = _math().next_to(heat, DOWN)
        self.beat("a", FadeIn(heat), Create(Arrow(LEFT * 5, LEFT * 3)), run_time=0.5, hold=0.2)
        self.beat(
            "b", Transform(math, _text().next_to(heat, UP)), heat.animate.shift(RIGHT), run_time=0.5, hold=0
        )


def _render_probe(camera_class, tmp_path) -> tuple[type, list]:
    settings = {
        "media_dir": str(tmp_path),
        "dry_run": True,
        "format": None,
        "frame_rate": 15,
        "disable_caching": True,
    }
    with tempconfig({**SIZE, **settings, "verbosity": "ERROR"}):
        renderer = _FrameHashes(camera_class=camera_class)
        scene = _Probe(renderer=renderer)
        scene.render()
    return type(scene.camera), renderer.frames


def test_a_clip_scene_draws_the_same_frames(tmp_path):
    plain_class, plain = _render_probe(Camera, tmp_path)
    fast_class, fast = _render_probe(FastCairoCamera, tmp_path)
    assert (plain_class, fast_class) == (Camera, FastCairoCamera)
    assert len(plain) > 30 and len({h for h, _ in plain}) > 20  # many different frames
    assert fast == plain


def test_clip_scenes_use_the_fast_camera(tmp_path):
    with tempconfig(
        {**SIZE, "media_dir": str(tmp_path), "dry_run": True, "format": None, "verbosity": "ERROR"}
    ):
        assert type(_Probe().camera) is FastCairoCamera
        assert type(_Probe(camera_class=Camera).camera) is Camera
