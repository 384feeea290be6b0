"""Every clip of the explainer: it has a make target, keeps the layout rules and the caption band
clear after every animation, renders (at the lowest quality) to a web-ready MP4 of the expected
length, and its published captions keep the readers' pace; together they stay under the full
video's 11 minutes.

A clip that must break a rule for a while can be marked ``xfail(strict=True)`` below, with the
reason: once it is fixed, its test turns red until the mark is removed.
"""

from __future__ import annotations

import fcntl
import functools
import os
import subprocess
from pathlib import Path

import pytest

from circuit_clips.pipeline.captions import pace_problems, read_vtt, title_card_problems
from circuit_clips.pipeline.layout import IN_CAPTION_BAND, LayoutReport, check_clip
from circuit_clips.pipeline.manifest import scene_text
from circuit_clips.pipeline.mp4 import probe
from circuit_clips.pipeline.project import QUALITIES, Project, class_name
from circuit_clips.pipeline.render import build_clip
from circuit_clips.readers import MAX_FULL_VIDEO_SECONDS

from .conftest import ROOT

CLIPS = Project(ROOT, ROOT / "media").clips()

#: Every clip is in its second edition: none is expected to break the caption band, the readers'
#: pace or the layout. A clip that does is a failure; mark it here only with the reason.
BREAKS_CAPTION_BAND: set[str] = set()
BREAKS_READING_PACE: set[str] = set()
BREAKS_LAYOUT: set[str] = set()


def marked(broken: set[str], reason: str) -> list:
    """Every clip, those in ``broken`` marked as expected (strictly) to fail for ``reason``."""
    unknown = broken - set(CLIPS)
    assert not unknown, f"marks for clips that do not exist: {sorted(unknown)}"
    return [
        pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=reason)) if c in broken else c
        for c in CLIPS
    ]


@functools.cache
def layout_report(clip: str) -> LayoutReport:
    """The layout check of ``clip`` (run once per test process)."""
    return check_clip(Project(ROOT, ROOT / "media"), clip)


def test_there_are_clips():
    assert CLIPS, "scenes/ holds no clips"


@pytest.mark.parametrize("clip", CLIPS)
def test_clip_has_a_make_target(clip):
    dry_run = subprocess.run(["make", "-n", clip], cwd=ROOT, capture_output=True, text=True)
    assert dry_run.returncode == 0, dry_run.stderr
    assert "make help" not in dry_run.stderr


@pytest.mark.parametrize(
    "clip", marked(BREAKS_LAYOUT, "second edition: inside the frame margin, no overlapping text")
)
def test_clip_layout(clip):
    report = layout_report(clip)
    assert report.animations > 3
    broken = [v for v in report.violations if v.rule != IN_CAPTION_BAND]
    assert not broken, "\n".join(map(str, broken))


@pytest.mark.parametrize("clip", marked(BREAKS_CAPTION_BAND, "second edition: nothing in the caption band"))
def test_clip_keeps_the_caption_band_clear(clip):
    in_band = [v for v in layout_report(clip).violations if v.rule == IN_CAPTION_BAND]
    assert not in_band, "\n".join(map(str, in_band))


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """``rendered(clip)``: the clip built at the lowest quality into a scratch project, once per
    test run (test processes share the scratch project; a lock makes the second one wait)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    project = Project(ROOT, shared / "clips-low" / "media")

    def build(clip: str) -> Path:
        published = project.output_dir(QUALITIES["low"]) / f"{clip}.mp4"
        (shared / "clips-low").mkdir(parents=True, exist_ok=True)
        with open(shared / "clips-low" / f"{clip}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not published.with_suffix(".vtt").is_file():
                build_clip(project, clip, QUALITIES["low"])
        return published

    return build


@pytest.mark.render
@pytest.mark.parametrize("clip", CLIPS)
def test_clip_renders_web_ready(clip, rendered):
    expected = layout_report(clip)
    published = rendered(clip)
    info = probe(published)
    assert info.web_ready, info
    assert (info.profile, info.width, info.height, info.fps) == ("High", 854, 480, 15)
    assert info.frames == expected.frames, "one frame per 1/15 s of every animation, as planned"
    assert info.duration == pytest.approx(expected.frames / 15, abs=1.5 / 15)
    assert info.duration == pytest.approx(expected.duration, rel=0.02)
    assert published.with_suffix(".png").is_file()
    cues = read_vtt(published.with_suffix(".vtt"))
    assert cues, "every clip carries captions"
    # the layout check sees the captions a render publishes (a render's clock moves in whole
    # frames, the check's does not: the times drift apart by up to 2% of the clip)
    assert [c.text for c in cues] == [c.text for c in expected.cues]
    for cue, planned in zip(cues, expected.cues):
        assert (cue.start, cue.end) == pytest.approx(
            (planned.start, planned.end), abs=0.02 * expected.duration
        )


@pytest.mark.render
@pytest.mark.parametrize(
    "clip",
    marked(
        BREAKS_READING_PACE, "second edition: every cue <= 15 cps and >= 1.5 s, the title card held to read"
    ),
)
def test_clip_captions_keep_the_readers_pace(clip, rendered):
    vtt = rendered(clip).with_suffix(".vtt")
    title, description = scene_text(Project(ROOT, ROOT / "media").scene_file(clip), class_name(clip))
    problems = title_card_problems(vtt, title or clip, description) + pace_problems(vtt)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


@pytest.mark.render
def test_the_full_video_stays_under_11_minutes(rendered):
    # the full video is every clip joined end to end: its length is theirs, summed
    seconds = {clip: probe(rendered(clip)).duration for clip in CLIPS}
    total = sum(seconds.values())
    longest = sorted(seconds.items(), key=lambda item: -item[1])[:4]
    assert total <= MAX_FULL_VIDEO_SECONDS, (
        f"the clips run {total:.1f} s together, over {MAX_FULL_VIDEO_SECONDS} s; longest: "
        + ", ".join(f"{clip} {s:.1f} s" for clip, s in longest)
    )
