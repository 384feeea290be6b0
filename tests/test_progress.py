"""Render progress: what a render counts, what is remembered, the order renders start in, the
display without a terminal, how many renders run at once, and the closing summary."""

from __future__ import annotations

import io
import json
import re

import pytest

from circuit_clips.pipeline.build import default_jobs, summary, user_jobs, without_always_make
from circuit_clips.pipeline.mp4 import probe
from circuit_clips.pipeline.progress import (
    Counter,
    Display,
    Record,
    load_record,
    read_count,
    render_order,
    save_record,
)  # fmt: skip
from circuit_clips.pipeline.project import QUALITIES
from circuit_clips.pipeline.render import build_clip

LOW = QUALITIES["low"]


def test_a_render_records_its_animations_frames_and_time(fixture_project):
    """short_clip plays two animations and a wait (a ClipScene); long_clip, one animation and a
    wait (a plain Manim Scene): counted from Manim's renderer; the frames must be those of the
    published MP4."""
    for clip, plays in [("short_clip", 3), ("long_clip", 2)]:
        published = build_clip(fixture_project, clip, LOW)
        record = load_record(fixture_project, clip, LOW)
        assert record is not None
        assert record.plays == plays
        assert record.frames == round(probe(published).duration * LOW.fps)
        assert 0 < record.seconds < 120


def test_counter_round_trips_and_a_missing_file_is_none(tmp_path):
    assert read_count(tmp_path / "nothing") is None
    counter = Counter(tmp_path / "progress")
    for plays, frames in [(0, 0), (3, 7), (12, 123456), (5, 9)]:  # shorter numbers overwrite longer
        counter.plays, counter.frames = plays, frames
        counter.flush()
        assert read_count(tmp_path / "progress") == (plays, frames)


def _scenes(project, sizes: dict[str, int]) -> None:
    for clip, size in sizes.items():
        (project.scenes_dir / f"{clip}.py").write_text("#" * size)


def test_renders_start_slowest_first_by_their_last_time_else_by_scene_size(fixture_project):
    project = fixture_project
    _scenes(project, {"a_clip": 1000, "b_clip": 1000, "c_clip": 4000, "d_clip": 500})
    clips = ["a_clip", "b_clip", "c_clip", "d_clip"]
    # Nothing recorded: by scene file size, equal sizes by name.
    assert render_order(project, LOW, clips) == ["c_clip", "a_clip", "b_clip", "d_clip"]
    # a_clip took 30 s, b_clip 10 s (both 1000 bytes): 20 ms a byte, so c_clip is guessed at
    # 80 s and d_clip at 10 s (after b_clip, by name).
    (project.media / "build" / "low").mkdir(parents=True)
    save_record(project, "a_clip", LOW, Record(10, 100, 30.0))
    save_record(project, "b_clip", LOW, Record(10, 100, 10.0))
    assert render_order(project, LOW, clips) == ["c_clip", "a_clip", "b_clip", "d_clip"]
    # d_clip took 95 s: now 135 s for 2500 bytes, 54 ms a byte, and c_clip is guessed at 216 s.
    save_record(project, "d_clip", LOW, Record(10, 100, 95.0))
    assert render_order(project, LOW, clips) == ["c_clip", "d_clip", "a_clip", "b_clip"]
    save_record(project, "c_clip", LOW, Record(10, 100, 5.0))
    assert render_order(project, LOW, clips) == ["d_clip", "a_clip", "b_clip", "c_clip"]
    # Another quality keeps its own records.
    assert render_order(project, QUALITIES["high"], clips) == ["c_clip", "a_clip", "b_clip", "d_clip"]
    # A damaged record counts as none: d_clip guessed at 500 * 45 / 6000 = 3.75 s.
    (project.media / "build" / "low" / "d_clip.last.json").write_text("{not json")
    assert load_record(project, "d_clip", LOW) is None
    assert render_order(project, LOW, clips) == ["a_clip", "b_clip", "c_clip", "d_clip"]


def test_without_a_terminal_a_line_per_clip_at_start_about_every_tenth_and_at_the_end(
    fixture_project, tmp_path
):
    project = fixture_project
    _scenes(project, {"a_clip": 100, "b_clip": 100})
    (project.media / "build" / "low").mkdir(parents=True)
    save_record(project, "a_clip", LOW, Record(4, 200, 20.0))  # b_clip has no record
    states = tmp_path / "states"
    states.mkdir()
    out = io.StringIO()
    display = Display(project, LOW, ["a_clip", "b_clip"], states, live=False, stream=out)
    display.update()
    assert out.getvalue() == "", "nothing started yet"
    for clip in ("a_clip", "b_clip"):
        project.build_dir(clip, LOW).mkdir(parents=True)
        (states / f"{clip}.state").write_text("started\n")
    counters = {c: Counter(project.build_dir(c, LOW) / "progress") for c in ("a_clip", "b_clip")}
    for frames in range(0, 201, 5):  # a_clip's frames, 5 at a time, all 200 of them
        counters["a_clip"].frames = counters["b_clip"].frames = frames
        counters["a_clip"].flush()
        counters["b_clip"].flush()
        display.update()
    for clip in ("a_clip", "b_clip"):
        (states / f"{clip}.state").write_text("done\n")
    display.close()
    lines = out.getvalue().splitlines()
    a_lines = [line for line in lines if line.startswith("a_clip: ")]
    assert a_lines[0].startswith("a_clip: started (~0:20 last time)")
    percents = [
        int(m.group(1)) for line in a_lines if (m := re.match(r"a_clip: (\d+)% \((\d+)/200 frames", line))
    ]
    # A line each time another tenth of the recorded 200 frames is done (the end has its own line).
    assert percents == [10, 20, 30, 40, 50, 60, 70, 80, 90]
    assert re.fullmatch(r"a_clip: done in 0:\d\d", a_lines[-1])
    b_lines = [line for line in lines if line.startswith("b_clip: ")]
    assert b_lines[0] == "b_clip: started (estimating: no earlier render)"
    assert re.fullmatch(r"b_clip: done in 0:\d\d", b_lines[-1]) and len(b_lines) == 2, b_lines


def test_a_failed_render_is_reported_as_failed(fixture_project, tmp_path):
    out = io.StringIO()
    display = Display(fixture_project, LOW, ["short_clip"], tmp_path, live=False, stream=out)
    (tmp_path / "short_clip.state").write_text("failed\n")
    display.close()
    assert re.fullmatch(r"short_clip: started \(.*\)\nshort_clip: failed in 0:00\n", out.getvalue())


@pytest.mark.parametrize(
    ("cores", "mem_mib", "quality", "expected"),
    [(2, 24000, "high", 2), (16, 24000, "high", 16), (16, 3000, "high", 5), (16, 3000, "low", 10),
     (4, 100, "high", 1), (8, None, "high", 8)],
)  # fmt: skip
def test_renders_at_once_are_the_cores_as_memory_allows(cores, mem_mib, quality, expected, monkeypatch):
    if mem_mib is None:
        monkeypatch.setattr("circuit_clips.pipeline.build._mem_available_mib", lambda: None)
        assert default_jobs(QUALITIES[quality], cores=cores) == expected
    else:
        assert default_jobs(QUALITIES[quality], cores=cores, mem_mib=mem_mib) == expected


@pytest.mark.parametrize(
    ("makeflags", "given"),
    [("", False), ("s", False), (" -j2 --jobserver-auth=3,4", True), ("ks -j --jobserver-auth=3,4", True),
     (" --no-print-directory -- QUALITY=low OPT=-j3", False), ("B -- X=-j", False)],
)  # fmt: skip
def test_a_users_own_j_is_seen_in_makeflags(makeflags, given):
    assert user_jobs(makeflags) is given


def test_the_summary_lists_every_published_file_with_duration_and_size_and_what_next(published_set):
    folder = published_set.output_dir(LOW)
    manifest = json.loads((folder / "manifest.json").read_text())
    text = summary(published_set, LOW, 125.4)
    for name in [e["mp4"] for e in manifest["clips"]] + ["MathematicalFramework.mp4"]:
        line = next(line for line in text.splitlines() if line.strip().startswith(name))
        seconds = round(probe(folder / name).duration)
        assert f" {seconds} s " in line
        assert f"{(folder / name).stat().st_size / 1e3:.0f} kB" in line
    total = sum(p.stat().st_size for p in folder.glob("*"))  # every published file (not the hidden)
    assert f"{total / 1e6:.1f} MB in all" in text
    assert "Took 2 min 05 s." in text
    assert "make serve QUALITY=low" in text and "http://127.0.0.1:8000/preview.html" in text
    assert "site's /videos/" in text


@pytest.mark.parametrize(
    ("makeflags", "expected"),
    [("", ""), ("B", ""), ("Bks -j2 --jobserver-auth=3,4", "ks -j2 --jobserver-auth=3,4"),
     (" --no-print-directory -- OUT=B", " --no-print-directory -- OUT=B"), ("s -- X=B", "s -- X=B")],
)  # fmt: skip
def test_the_full_video_step_drops_make_B_so_no_clip_renders_twice(makeflags, expected):
    assert without_always_make(makeflags) == expected
