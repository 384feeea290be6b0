"""Batched transform interpolation gives Manim's values bit for bit, and Manim's frames."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from manim import (
    BLUE,
    DOWN,
    GREEN,
    LEFT,
    RED,
    RIGHT,
    UP,
    Arrow,
    Circle,
    Dot,
    FadeIn,
    FadeOut,
    MathTex,
    ReplacementTransform,
    Square,
    Text,
    Transform,
    VGroup,
    tempconfig,
    there_and_back,
)
from manim.animation.animation import prepare_animation

from circuit_clips.engine.camera import FastCairoCamera
from circuit_clips.engine.transforms import (
    ARRAYS,
    SCALARS,
    _Batch,
    batch_transform_interpolation,
    manim_interpolate_mobject,
)
from circuit_clips.kit import HeatMap


@pytest.fixture(autouse=True)
def _config(tmp_path):
    with tempconfig(
        {"media_dir": str(tmp_path), "verbosity": "ERROR", "pixel_width": 320, "pixel_height": 180}
    ):
        yield


@contextlib.contextmanager
def manims_own_interpolation():
    """Transforms interpolated member by member, as Manim ships them."""
    batched = Transform.interpolate_mobject
    Transform.interpolate_mobject = manim_interpolate_mobject
    try:
        yield
    finally:
        Transform.interpolate_mobject = batched


def heat_map():
    return HeatMap(np.random.default_rng(3).normal(size=(4, 5)), cell_size=0.4)


# Each case builds (mobjects in the scene, the animation) afresh, the same way every time.
CASES = {
    "shapes and colours": lambda: _pair(
        VGroup(Square(color=RED), Circle(color=BLUE, fill_opacity=0.4)),
        lambda m: Transform(
            m, VGroup(Circle(color=GREEN).shift(LEFT), Square(fill_opacity=0.8).shift(RIGHT))
        ),
    ),
    "animate text": lambda: _pair(
        Text("residual stream", font_size=30),
        lambda m: m.animate.shift(UP).set_color(RED).scale(1.3),
    ),
    "math to math": lambda: _pair(
        MathTex(r"x_{i+1} = x_i + h(x_i)"),
        lambda m: ReplacementTransform(m, MathTex(r"W_O\,W_V\,x").shift(DOWN)),
    ),
    "fade in with shift": lambda: _pair(heat_map(), lambda m: FadeIn(m, shift=0.3 * UP)),
    "fade out scaled": lambda: _pair(Arrow(LEFT, RIGHT), lambda m: FadeOut(m, scale=0.5)),
    "lagged": lambda: _pair(
        VGroup(*(Dot(point=[x, 0, 0]) for x in range(-3, 4))),
        lambda m: Transform(
            m, VGroup(*(Square(0.3).move_to([x, 1, 0]) for x in range(-3, 4))), lag_ratio=0.3
        ),
    ),
    "there and back": lambda: _pair(
        heat_map(), lambda m: m.animate(rate_func=there_and_back).set_opacity(0.2)
    ),
    "path arc (Manim's code)": lambda: _pair(
        Square(), lambda m: Transform(m, Circle().shift(RIGHT), path_arc=1.0)
    ),
}


def _pair(mobject, make_animation):
    return mobject, prepare_animation(make_animation(mobject))


def _state(mobject) -> list[bytes]:
    """Every interpolated value of every member, as exact bytes (and the scalars' reprs)."""
    out = []
    for m in mobject.family_members_with_points():
        out += [np.ascontiguousarray(getattr(m, a)).tobytes() for a in ARRAYS]
        out += [repr(float(getattr(m, a))).encode() for a in SCALARS]
    return out


def _run(case: str, batched: bool) -> list[list[bytes]]:
    batch_transform_interpolation()
    ctx = contextlib.nullcontext() if batched else manims_own_interpolation()
    states = []
    with ctx:
        mobject, animation = CASES[case]()
        animation.begin()
        for t in np.linspace(0, 1, 23)[1:]:
            animation.interpolate(float(t))
            states.append(_state(animation.mobject))
        animation.finish()
        states.append(_state(animation.mobject))
    return states


@pytest.mark.parametrize("case", list(CASES))
def test_batched_values_are_manims_bit_for_bit(case):
    assert _run(case, batched=True) == _run(case, batched=False)


def test_the_batch_is_really_used():
    batch_transform_interpolation()
    mobject, animation = CASES["fade in with shift"]()
    animation.begin()
    animation.interpolate(0.5)
    began, plan = animation._batch
    assert began is animation.starting_mobject and isinstance(plan, _Batch)
    assert len(plan.members) == len(mobject.family_members_with_points()) and not plan.fallback


def test_path_arcs_and_updaters_go_through_manims_code():
    batch_transform_interpolation()
    _, arc = CASES["path arc (Manim's code)"]()
    arc.begin()
    arc.interpolate(0.5)
    assert not isinstance(arc._batch[1], _Batch)

    square = Square()
    square.add_updater(lambda m: None)
    anim = Transform(square, Circle())
    anim.begin()
    anim.interpolate(0.5)
    assert not isinstance(anim._batch[1], _Batch)


def test_replaying_an_animation_plans_it_again():
    batch_transform_interpolation()
    square = Square()
    anim = Transform(square, Circle(color=RED))
    plans = []
    for _ in range(2):
        anim.begin()
        anim.interpolate(0.5)
        began, plan = anim._batch
        assert began is anim.starting_mobject and isinstance(plan, _Batch)
        plans.append(plan)
        anim.finish()
    assert plans[0] is not plans[1]


def test_frames_are_identical():
    def frames(batched: bool) -> list[bytes]:
        batch_transform_interpolation()
        ctx = contextlib.nullcontext() if batched else manims_own_interpolation()
        out = []
        with ctx:
            for case in CASES:
                mobject, animation = CASES[case]()
                animation.begin()
                for t in (0.25, 0.5, 0.8, 1.0):
                    animation.interpolate(t)
                    camera = FastCairoCamera()
                    camera.capture_mobjects([animation.mobject])
                    out.append(camera.pixel_array.tobytes())
        return out

    assert frames(batched=True) == frames(batched=False)
