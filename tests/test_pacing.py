"""Paced beats and title cards last their caption's reading time in the frames a render writes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from manim import Text, tempconfig

from circuit_clips.kit import ClipScene, hold_to_read
from circuit_clips.kit.inline_math import inline_math, wrap_keeping_math
from circuit_clips.kit.pacing import whole_frames

from .conftest import render_skipped


def frames_written(run_time: float, hold: float, fps: int) -> int:
    """Frames Manim's Cairo renderer writes for an animation of ``run_time`` s then a still
    ``wait(hold)``: one per ``arange(0, run_time, 1/fps)`` step, then ``int(hold / dt)``."""
    dt = 1 / fps
    return len(np.arange(0, run_time, dt)) + int(hold / dt)


CASES = list(
    itertools.product(
        range(1, 160, 3),  # caption length
        (0.0, 0.3, 0.5, 1.0, 1.2, 1.5, 2.4, 2.7333, 3.0),  # run time
        (15, 30, 60),  # frame rate
        (0.0, 0.6, 1.0),  # minimum hold
    )
)


def test_a_paced_beat_renders_at_least_its_reading_time_and_at_most_a_frame_more():
    for chars, run_time, fps, minimum in CASES:
        hold = hold_to_read("x" * chars, run_time, minimum=minimum, frame_rate=fps)
        frames = frames_written(run_time, hold, fps)
        assert frames * 15 >= chars * fps, (chars, run_time, fps, minimum, hold, frames)
        assert frames >= 1.5 * fps - 1e-9, "a cue stays up 1.5 s at the least"
        assert int(hold * fps) >= round(minimum * fps) - 1e-9, "the minimum rest is kept"
        longest = max(chars / 15, 1.5, run_time + minimum)
        assert frames / fps <= longest + 2 / fps + 1e-9, (chars, run_time, fps, minimum, hold, frames)


def test_without_whole_frames_some_paced_beats_render_too_fast():
    # why the rounding exists: the unrounded hold loses the fraction of a frame a render drops
    short = [
        (chars, run_time, fps)
        for chars, run_time, fps, minimum in CASES
        if frames_written(run_time, hold_to_read("x" * chars, run_time, minimum=minimum), fps) * 15
        < chars * fps
    ]
    assert len(short) > 100


@pytest.mark.parametrize(
    "seconds, fps, frames", [(2.0, 15, 30), (1.97, 15, 30), (1.9334, 15, 30), (0.0, 60, 0)]
)
def test_whole_frames_rounds_up_and_floors_back_to_the_same_count(seconds, fps, frames):
    held = whole_frames(seconds, fps)
    assert int(held / (1 / fps)) == frames
    assert held >= seconds


def test_wrapping_never_cuts_math():
    text = (
        r"A score is $q_i \cdot k_j / \sqrt{d_{\mathrm{head}}}$ for every pair of positions $i \ge j$ here."
    )
    for width in range(10, 80, 5):
        lines = wrap_keeping_math(text, width)
        assert " ".join(lines) == text
        assert all(line.count("$") % 2 == 0 for line in lines)


def test_inline_math_sits_on_one_baseline_in_order(tmp_path):
    with tempconfig({"media_dir": str(tmp_path), "verbosity": "ERROR"}):
        line = inline_math(r"adds $h(X)$ to the $x$ stream", font_size=28)
        text_x = Text("x", font_size=28)
        assert len(line) == 5
        lefts = [piece.get_left()[0] for piece in line]
        rights = [piece.get_right()[0] for piece in line]
        assert all(r < l for r, l in zip(rights, lefts[1:])), "pieces left to right, not overlapping"
        # "x" alone sits on the baseline: the bottom of the math x and of the text's words agree
        x_math = line[3]
        assert x_math.get_bottom()[1] == pytest.approx(line[4][0].get_bottom()[1], abs=0.01)  # "stream"'s s
        assert x_math.height == pytest.approx(text_x.height, rel=0.2), "math as tall as the text"


def test_title_card_typesets_math_and_is_held_to_read_its_title_and_sentence(tmp_path):
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Numbers:
        model: object

    class Clip(ClipScene):
        title = "Zero layers: $T = W_U W_E$"
        description = "With no layers, $T$ maps the current token to the next one's logits, a bigram table."
        numbers = staticmethod(lambda: Numbers(model=None))

        def story(self):
            self.beat("one", hold=1.0)

        def summary(self):
            self.end_on_summary("the end", hold=2.0)

    scene = render_skipped(Clip, tmp_path)
    first = scene.renderer.file_writer.subcaptions[0]
    plain = "Zero layers: T = W_U W_E With no layers, T maps the current token to the next one's logits, a bigram table."
    assert first.content == "Zero layers: T = W_U W_E"
    held = (first.end - first.start).total_seconds()
    assert held >= len(plain) / 15 - 1e-6
    assert held <= len(plain) / 15 + 2 / 15


@pytest.mark.parametrize("rate", [15.0, 12.0])
def test_a_clip_can_pace_its_beats_slower_than_the_readers_limit(tmp_path, rate):
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Numbers:
        model: object

    caption = "x" * 60  # 4 s at 15 characters a second, 5 s at 12

    class Clip(ClipScene):
        title = "t"
        pace_to_captions = True
        reading_rate = rate
        numbers = staticmethod(lambda: Numbers(model=None))

        def story(self):
            self.beat(caption, hold=0.0)

        def summary(self):
            self.end_on_summary("the end", hold=2.0)

    scene = render_skipped(Clip, tmp_path)
    cue = next(c for c in scene.renderer.file_writer.subcaptions if c.content == caption)
    held = (cue.end - cue.start).total_seconds()
    assert 60 / rate - 1e-6 <= held <= 60 / rate + 2 / 15
