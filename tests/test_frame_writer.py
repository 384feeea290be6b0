"""The faster frame writer gives exactly the video Manim's own encoder gives."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from manim.scene.video_segment_encoder import VideoSegmentEncoder

from circuit_clips.pipeline.mp4 import probe
from circuit_clips.kit.frame_writer import ConvertOnceSegmentEncoder


def _spec():
    from manim._config.video_encoder import VideoEncoderSpec

    options = (("crf", "22"), ("preset", "veryfast"), ("tune", "animation"))
    return VideoEncoderSpec("mp4", "libx264", "yuv420p", 320, 180, Fraction(15), options)


def _encode(cls, path, frames):
    encoder = cls(target=path, spec=_spec())
    for pixels, repeat in frames:
        encoder.write_frame(pixels, repeat=repeat)
    encoder.finish()
    return path.read_bytes()


def test_repeated_frames_encode_to_the_same_bytes_as_manim(tmp_path):
    rng = np.random.default_rng(0)
    frames = []
    for i in range(12):
        pixels = np.zeros((180, 320, 4), np.uint8)
        pixels[..., 3] = 255
        pixels[20 + 5 * i : 60 + 5 * i, 30:200, :3] = rng.integers(0, 255, 3, dtype=np.uint8)
        frames.append((pixels, 6 if i % 4 == 0 else 1))  # still holds between moving frames
    ours = _encode(ConvertOnceSegmentEncoder, tmp_path / "ours.mp4", frames)
    manims = _encode(VideoSegmentEncoder, tmp_path / "manim.mp4", frames)
    assert ours == manims
    assert probe(tmp_path / "ours.mp4").frames == sum(r for _, r in frames)
