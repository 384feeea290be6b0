"""The post's full video: the published clips joined without re-encoding, a chapter per clip,
the clips' captions moved to where each clip starts, and its make target."""

from __future__ import annotations

import html
import math
import os
import shutil

import av
import numpy as np
import pytest
from PIL import Image

from circuit_clips.pipeline.compile import CompileError, compile_video
from circuit_clips.pipeline.mp4 import codecs_parameter, frames_at, last_frame, probe, top_level_boxes
from circuit_clips.pipeline.project import QUALITIES, Project
from circuit_clips.pipeline.publish import publish_clip
from circuit_clips.pipeline.render import render_clip

from .conftest import FIXTURES, ROOT, SET_CLIPS
from .test_make import make
from .test_pipeline import _vtt_cues

LOW = QUALITIES["low"]
FULL = "MathematicalFramework"


def _ms(stamp: str) -> int:
    hours, minutes, seconds = stamp.split(":")
    return (int(hours) * 3600 + int(minutes) * 60) * 1000 + round(float(seconds) * 1000)


@pytest.fixture(scope="module")
def out(published_set):
    return published_set.output_dir(LOW)


@pytest.fixture(scope="module")
def starts(out) -> list[float]:
    """Where each clip starts in the full video: the sum of the clips before it."""
    durations = [probe(out / f"{clip}.mp4").duration for clip in SET_CLIPS]
    return [sum(durations[:i]) for i in range(len(durations))]


def test_the_second_clip_starts_just_after_a_whole_millisecond(starts):
    # 35 frames at 15 fps: 2333.33 ms, which the nearest millisecond would put one frame early.
    assert 0.1 < starts[1] * 1000 % 1 < 0.5


def _packets(path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.video[0]) if p.size]


def test_full_video_is_web_ready_and_not_re_encoded(out):
    full = out / f"{FULL}.mp4"
    info = probe(full)
    assert (info.codec, info.profile, info.pixel_format) == ("h264", "High", "yuv420p")
    assert top_level_boxes(full).index("moov") < top_level_boxes(full).index("mdat"), "faststart"
    assert (info.width, info.height, info.fps) == (LOW.width, LOW.height, LOW.fps)
    assert codecs_parameter(full) == codecs_parameter(out / f"{SET_CLIPS[0]}.mp4")
    joined = [packet for clip in SET_CLIPS for packet in _packets(out / f"{clip}.mp4")]
    assert _packets(full) == joined, "the clips' compressed frames, copied byte for byte"


def test_duration_is_the_sum_of_the_clips(out):
    clips = [probe(out / f"{clip}.mp4") for clip in SET_CLIPS]
    full = probe(out / f"{FULL}.mp4")
    assert full.frames == sum(c.frames for c in clips)
    assert full.duration == pytest.approx(sum(c.duration for c in clips), abs=len(clips) / LOW.fps)


def _chapter_starts(out) -> dict[str, list[float]]:
    """The chapter starts a player seeks to: from the chapters file, and from inside the MP4."""
    cues = _vtt_cues((out / f"{FULL}.chapters.vtt").read_text())
    with av.open(str(out / f"{FULL}.mp4")) as container:
        inside = [float(c["start"] * c["time_base"]) for c in container.chapters()]
    return {"chapters.vtt": [_ms(c[0]) / 1000 for c in cues], "mp4": inside}


def test_chapters_start_where_each_clip_starts(out, starts):
    ends = starts[1:] + [probe(out / f"{FULL}.mp4").duration]
    titles = ["Squares & <circles>", "short_clip"]  # short_clip has no title: its name stands in
    # Whole milliseconds, rounded up, so that a chapter never opens on the clip before's last frame.
    ms = lambda t: math.ceil(round(t * 1000, 6))  # noqa: E731

    text = (out / f"{FULL}.chapters.vtt").read_text()
    assert text.startswith("WEBVTT")
    cues = _vtt_cues(text)
    assert [html.unescape(c[2]) for c in cues] == titles
    assert [_ms(c[0]) for c in cues] == [ms(s) for s in starts]
    assert [_ms(c[1]) for c in cues] == [ms(e) for e in ends]
    ids = [block.splitlines()[0] for block in text.strip().split("\n\n")[1:]]
    assert ids == list(SET_CLIPS), "each chapter cue is named after its clip"

    with av.open(str(out / f"{FULL}.mp4")) as container:
        inside = container.chapters()
    assert [c["metadata"]["title"] for c in inside] == titles
    assert [round(float(c["start"] * c["time_base"]) * 1000) for c in inside] == [ms(s) for s in starts]
    assert [round(float(c["end"] * c["time_base"]) * 1000) for c in inside] == [ms(e) for e in ends]


def test_captions_are_each_clips_cues_moved_to_where_it_starts(out, starts):
    expected = []
    for clip, start in zip(SET_CLIPS, starts):
        for begin, end, text in _vtt_cues((out / f"{clip}.vtt").read_text()):
            expected.append((_ms(begin) + round(start * 1000), _ms(end) + round(start * 1000), text))
    got = [(_ms(b), _ms(e), t) for b, e, t in _vtt_cues((out / f"{FULL}.vtt").read_text())]
    assert got == expected
    assert len(got) == 4 and "1 &lt; 2 &amp; 3 > 2" in got[0][2], "escaped once, as in the clip's file"
    assert got[2][0] == round(starts[1] * 1000), "moved to the nearest millisecond"


def test_frame_at_each_chapter_start_is_the_first_frame_of_its_clip(out, starts):
    full = out / f"{FULL}.mp4"
    for where, chapter_starts in _chapter_starts(out).items():
        for clip, frame in zip(SET_CLIPS, frames_at(full, chapter_starts), strict=True):
            (first,) = frames_at(out / f"{clip}.mp4", [0.0])
            assert np.array_equal(frame, first), (where, clip)
    # ...and the frame just before the second chapter is the first clip's last one, not the same.
    (before,) = frames_at(full, [starts[1] - 1 / LOW.fps])
    assert np.array_equal(before, last_frame(out / f"{SET_CLIPS[0]}.mp4"))
    (second,) = frames_at(out / f"{SET_CLIPS[1]}.mp4", [0.0])
    assert not np.array_equal(before, second)


def test_poster_is_the_full_videos_last_frame(out):
    poster = np.asarray(Image.open(out / f"{FULL}.png").convert("RGB"))
    assert poster.shape == (LOW.height, LOW.width, 3)
    assert np.abs(poster.astype(int) - last_frame(out / f"{FULL}.mp4").astype(int)).mean() < 1.0


def test_clips_encoded_differently_are_refused(published_set, tmp_path):
    project = Project(tmp_path, tmp_path / "media")
    shutil.copytree(published_set.root, tmp_path, dirs_exist_ok=True)
    out = project.output_dir(LOW)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    smaller = render_clip(project, "escaped_clip", LOW, manim_args=["-r", "640,360"])
    publish_clip(smaller, out, "escaped_clip")
    before.update(
        {p.name: p.read_bytes() for p in out.iterdir() if p.name.startswith(("escaped", "manifest"))}
    )

    with pytest.raises(CompileError, match=r"escaped_clip and short_clip .*size.*640x360 vs 854x480"):
        compile_video(project, LOW)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before, "nothing published, no parts left"


def test_unpublished_clip_is_a_clear_error(fixture_project):
    with pytest.raises(CompileError, match=r"short_clip is not published.*make short_clip QUALITY=low"):
        compile_video(fixture_project, LOW, ["short_clip"])


def test_make_builds_the_full_video_and_rebuilds_it_only_when_a_clip_changes(tmp_path):
    (tmp_path / "scenes").mkdir()
    for clip in SET_CLIPS:
        shutil.copy(FIXTURES / "scenes" / f"{clip}.py", tmp_path / "scenes")
    shutil.copy(ROOT / "manim.cfg", tmp_path)
    shutil.copy(ROOT / "Makefile", tmp_path)
    full = tmp_path / "media" / "preview" / f"{FULL}.mp4"

    first = make(tmp_path, "QUALITY=low")
    assert first.returncode == 0, first.stderr
    assert full.is_file() and (tmp_path / "media" / "preview.html").is_file()
    assert make(tmp_path, "-q", "QUALITY=low").returncode == 0, "up to date"

    clip = tmp_path / "media" / "preview" / "escaped_clip.mp4"
    earlier = clip.stat().st_mtime - 5
    os.utime(full, (earlier, earlier))  # as if the clip had been published again since
    assert make(tmp_path, "-q", FULL, "QUALITY=low").returncode == 1, "stale once a clip changes"
    again = make(tmp_path, "QUALITY=low")
    assert again.returncode == 0, again.stderr
    assert " compile " in again.stdout and " render " not in again.stdout
    assert make(tmp_path, "-q", "QUALITY=low").returncode == 0
