"""The hold-once frame writer shows exactly the pictures Manim's own encoder shows, at the same
times, while storing a still hold as two frames."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
from manim.scene.video_segment_encoder import VideoSegmentEncoder

from circuit_clips.engine.frame_writer import HoldOnceSegmentEncoder
from circuit_clips.pipeline.mp4 import probe

FPS = 15


def _spec(options, width=320, height=180):
    from manim._config.video_encoder import VideoEncoderSpec

    return VideoEncoderSpec("mp4", "libx264", "yuv420p", width, height, Fraction(FPS), tuple(options.items()))


LOSSLESS = {"qp": "0", "preset": "veryfast", "tune": "animation"}
PROJECT = {"crf": "21", "preset": "veryfast", "tune": "animation"}


def _encode(cls, path, frames, options):
    height, width = frames[0][0].shape[:2]
    encoder = cls(target=path, spec=_spec(options, width, height))
    for pixels, repeat in frames:
        encoder.write_frame(pixels, repeat=repeat)
    encoder.finish()
    return path


def _shown(path) -> list[np.ndarray]:
    """The picture a player shows in each frame period, from the decoded frames' timestamps."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decoded = [(round(f.pts * stream.time_base * FPS), f.to_ndarray()) for f in container.decode(stream)]
    shown = []
    for (index, picture), (following, _) in zip(decoded, decoded[1:] + [(decoded[-1][0] + 1, None)]):
        shown += [picture] * (following - index)
    return shown


def _frames(holds_at_end: bool, width=320, height=180):
    rng = np.random.default_rng(0)
    frames = []
    for i in range(12):
        pixels = np.zeros((height, width, 4), np.uint8)
        pixels[..., 3] = 255
        pixels[20 + 5 * i : 60 + 5 * i, 30:200, :3] = rng.integers(0, 255, 3, dtype=np.uint8)
        frames.append((pixels, 6 if i % 4 == 0 else 1))  # still holds between moving frames
    if holds_at_end:
        frames.append((frames[-1][0].copy(), 9))
    return frames


@pytest.mark.parametrize(
    "holds_at_end, width", [(False, 320), (True, 320), (True, 86)], ids=["holds", "final-hold", "padded-rows"]
)
def test_every_frame_period_shows_what_manims_encoder_shows(tmp_path, holds_at_end, width):
    """(86 pixels wide: a row of the frame's buffer is longer than the picture's, as at 854x480.)"""
    frames = _frames(holds_at_end, width)
    ours = _encode(HoldOnceSegmentEncoder, tmp_path / "ours.mp4", frames, LOSSLESS)
    manims = _encode(VideoSegmentEncoder, tmp_path / "manim.mp4", frames, LOSSLESS)
    expected, got = _shown(manims), _shown(ours)
    assert len(got) == len(expected) == sum(r for _, r in frames)
    for i, (a, b) in enumerate(zip(got, expected)):
        assert np.array_equal(a, b), f"frame period {i} differs"
    info, theirs = probe(ours), probe(manims)
    assert info.frames == theirs.frames == sum(r for _, r in frames)
    assert info.duration == pytest.approx(theirs.duration)
    holds = [r for _, r in frames if r > 1]
    assert info.stored_frames == theirs.stored_frames - sum(r - 2 for r in holds)


def test_a_different_picture_is_caught(tmp_path):
    """The comparison above can fail: one changed frame shows up in its period."""
    frames = _frames(False)
    changed = [(p.copy(), r) for p, r in frames]
    changed[4][0][100:120, 100:120, :3] = 255
    a = _shown(_encode(HoldOnceSegmentEncoder, tmp_path / "a.mp4", frames, LOSSLESS))
    b = _shown(_encode(HoldOnceSegmentEncoder, tmp_path / "b.mp4", changed, LOSSLESS))
    differ = [i for i, (x, y) in enumerate(zip(a, b)) if not np.array_equal(x, y)]
    assert differ == list(range(sum(r for _, r in frames[:4]), sum(r for _, r in frames[:5])))


def test_holds_make_the_file_smaller_at_the_projects_settings(tmp_path):
    frames = _frames(True)
    ours = probe(_encode(HoldOnceSegmentEncoder, tmp_path / "ours.mp4", frames, PROJECT))
    manims = probe(_encode(VideoSegmentEncoder, tmp_path / "manim.mp4", frames, PROJECT))
    assert ours.frames == manims.frames and ours.stored_frames < manims.stored_frames
    assert (tmp_path / "ours.mp4").stat().st_size <= (tmp_path / "manim.mp4").stat().st_size
