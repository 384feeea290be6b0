"""Every clip of the explainer: it has a make target, keeps the layout rules after every
animation, and renders (at the lowest quality) to a web-ready MP4 of the expected length."""

from __future__ import annotations

import subprocess

import pytest

from circuit_clips.pipeline.layout import check_clip
from circuit_clips.pipeline.mp4 import probe
from circuit_clips.pipeline.project import QUALITIES, Project
from circuit_clips.pipeline.render import build_clip

from .conftest import ROOT

CLIPS = Project(ROOT, ROOT / "media").clips()


def test_there_are_clips():
    assert CLIPS, "scenes/ holds no clips"


@pytest.mark.parametrize("clip", CLIPS)
def test_clip_has_a_make_target(clip):
    dry_run = subprocess.run(["make", "-n", clip], cwd=ROOT, capture_output=True, text=True)
    assert dry_run.returncode == 0, dry_run.stderr
    assert "make help" not in dry_run.stderr


@pytest.mark.parametrize("clip", CLIPS)
def test_clip_layout(clip, repo):
    report = check_clip(repo, clip)
    assert report.animations > 3
    assert not report.violations, "\n".join(map(str, report.violations))


@pytest.mark.render
@pytest.mark.parametrize("clip", CLIPS)
def test_clip_renders_web_ready(clip, tmp_path):
    project = Project(ROOT, tmp_path / "media")
    expected = check_clip(project, clip)
    published = build_clip(project, clip, QUALITIES["low"])
    info = probe(published)
    assert info.web_ready, info
    assert (info.profile, info.width, info.height, info.fps) == ("High", 854, 480, 15)
    assert info.frames == expected.frames, "one frame per 1/15 s of every animation, as planned"
    assert info.duration == pytest.approx(expected.frames / 15, abs=1.5 / 15)
    assert info.duration == pytest.approx(expected.duration, rel=0.02)
    assert published.with_suffix(".png").is_file()
    assert "-->" in published.with_suffix(".vtt").read_text(), "every clip carries captions"
