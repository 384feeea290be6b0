"""The Makefile: a target per scene file, staleness, errors that list what exists."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT


def make(project_dir: Path, *args: str) -> subprocess.CompletedProcess:
    # The scratch project has no .venv and no setup stamp: use this interpreter, skip set-up.
    return subprocess.run(
        ["make", "--no-print-directory", f"PY={sys.executable}", "RENDER_SETUP=", *args],
        cwd=project_dir, capture_output=True, text=True,
    )


@pytest.fixture
def make_project(fixture_project) -> Path:
    shutil.copy(ROOT / "Makefile", fixture_project.root / "Makefile")
    return fixture_project.root


def test_help_lists_every_scene_as_a_target(make_project):
    out = make(make_project, "help").stdout
    for clip in ["short_clip", "broken_clip", "crowded_clip", "wrong_name"]:
        assert clip in out


def test_unknown_clip_says_so_and_lists_the_clips(make_project):
    result = make(make_project, "no_such_clip")
    assert result.returncode != 0
    assert "no clip or target named 'no_such_clip'" in result.stderr
    assert "short_clip" in result.stderr


def test_unknown_quality_is_refused(make_project):
    result = make(make_project, "short_clip", "QUALITY=ultra")
    assert result.returncode != 0
    assert "QUALITY=high" in result.stderr and "QUALITY=low" in result.stderr


def test_clip_is_rendered_once_then_only_when_its_scene_changes(make_project):
    assert make(make_project, "short_clip", "QUALITY=low").returncode == 0
    published = make_project / "media" / "preview" / "short_clip.mp4"
    assert published.is_file()
    assert make(make_project, "-q", "short_clip", "QUALITY=low").returncode == 0, "up to date"
    scene = make_project / "scenes" / "short_clip.py"
    later = published.stat().st_mtime + 5
    os.utime(scene, (later, later))
    assert make(make_project, "-q", "short_clip", "QUALITY=low").returncode == 1, "stale after an edit"


def test_failing_scene_stops_make_with_its_error(make_project):
    result = make(make_project, "broken_clip", "QUALITY=low")
    assert result.returncode != 0
    assert "deliberate failure in BrokenClip" in result.stderr + result.stdout
    assert not (make_project / "media" / "preview" / "broken_clip.mp4").exists()


def test_scene_class_mismatch_is_one_clear_line(make_project):
    result = make(make_project, "wrong_name", "QUALITY=low")
    assert result.returncode != 0
    assert "must define class WrongName" in result.stderr
    assert "Traceback" not in result.stderr
