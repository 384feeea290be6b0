"""Joining videos by copying packets: pictures at the right times, timestamps a player accepts,
and a duration that covers the last still hold (which joining by packet order got wrong)."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from circuit_clips.engine.frame_writer import HoldOnceSegmentEncoder
from circuit_clips.joining import join_videos
from circuit_clips.pipeline.mp4 import probe

FPS = 15
LOSSLESS = {"qp": "0", "preset": "veryfast", "tune": "animation"}


def _segment(path, frames):
    from manim._config.video_encoder import VideoEncoderSpec

    spec = VideoEncoderSpec("mp4", "libx264", "yuv420p", 160, 96, Fraction(FPS), tuple(LOSSLESS.items()))
    encoder = HoldOnceSegmentEncoder(target=path, spec=spec)
    for pixels, repeat in frames:
        encoder.write_frame(pixels, repeat=repeat)
    encoder.finish()
    return path


def _picture(level):
    pixels = np.zeros((96, 160, 4), np.uint8)
    pixels[..., 3] = 255
    pixels[10:50, 10 + level : 60 + level, :3] = 40 + 3 * level
    return pixels


def _shown(path):
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decoded = [(round(f.pts * stream.time_base * FPS), f.to_ndarray()) for f in container.decode(stream)]
    end = round(probe(path).duration * FPS)
    shown = []
    for (index, picture), following in zip(decoded, [i for i, _ in decoded[1:]] + [end]):
        shown += [picture] * (following - index)
    return shown


def test_segments_ending_and_starting_with_holds_join_at_the_right_times(tmp_path):
    # an animation, a hold (a segment of its own, as Manim writes a wait), an animation, a final hold
    plan = [
        [(_picture(i), 1) for i in range(7)],
        [(_picture(6), 20)],
        [(_picture(i), 1) for i in range(7, 16)],
        [(_picture(15), 31)],
    ]
    paths = [_segment(tmp_path / f"part{i}.mp4", frames) for i, frames in enumerate(plan)]
    joined = tmp_path / "joined.mp4"
    with av.open(str(joined), "w") as out:
        spans = join_videos(paths, out)
    lengths = [sum(r for _, r in frames) for frames in plan]
    starts = np.cumsum([0] + lengths)
    assert spans == [(Fraction(int(a), FPS), Fraction(int(b), FPS)) for a, b in zip(starts, starts[1:])]

    info = probe(joined)
    assert info.frames == sum(lengths)
    assert info.duration == pytest.approx(sum(lengths) / FPS, abs=0.002), "the last hold lasts to its end"
    with av.open(str(joined)) as container:
        packets = [(p.pts, p.dts) for p in container.demux(container.streams.video[0]) if p.size]
    assert all(a[1] < b[1] for a, b in zip(packets, packets[1:])), "decoding timestamps increase"
    assert all(dts <= pts for pts, dts in packets)

    expected = [pixels for frames in plan for pixels, repeat in frames for _ in range(repeat)]
    expected = [
        av.VideoFrame.from_ndarray(p, format="rgba").reformat(format="yuv420p").to_ndarray() for p in expected
    ]
    got = _shown(joined)
    assert len(got) == len(expected)
    for i, (a, b) in enumerate(zip(got, expected)):
        assert np.array_equal(a, b), f"frame period {i} shows the wrong picture"


def test_a_video_with_another_time_base_is_refused(tmp_path):
    good = _segment(tmp_path / "good.mp4", [(_picture(0), 3)])
    other = tmp_path / "other.mp4"
    with av.open(str(other), "w") as out:
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        for packet in [
            *stream.encode(av.VideoFrame.from_ndarray(_picture(0)[..., :3].copy(), format="rgb24")),
            *stream.encode(),
        ]:
            out.mux(packet)
    with av.open(str(tmp_path / "x.mp4"), "w") as out, pytest.raises(ValueError, match="time base"):
        join_videos([good, other], out)
