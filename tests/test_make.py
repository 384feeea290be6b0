"""The Makefile: a target per scene file, staleness, errors that list what exists."""

from __future__ import annotations

import json
import os
import re
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
        cwd=project_dir,
        capture_output=True,
        text=True,
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


# --- `make` on a small set: every core, progress, summary, -B, a new clip ------------------


@pytest.fixture
def small_project(fixture_project) -> Path:
    """A scratch project holding two fixture clips that render (short_clip, escaped_clip)."""
    for scene in fixture_project.scenes_dir.glob("*.py"):
        if scene.stem not in ("short_clip", "escaped_clip"):
            scene.unlink()
    shutil.copy(ROOT / "Makefile", fixture_project.root / "Makefile")
    return fixture_project.root


def identities(folder: Path) -> dict[str, tuple[int, int]]:
    """Each published MP4's inode and mtime: publishing renames a new file into place."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.glob("*.mp4")}


def test_make_renders_the_set_at_once_and_ends_with_a_summary_then_B_rebuilds(small_project):
    out = small_project / "media" / "preview"
    first = make(small_project, "QUALITY=low")
    assert first.returncode == 0, first.stderr
    # Both clips at once (2 renders fit any test machine's memory, at most one per core).
    assert re.search(r"rendering 2 of 2 clips \(low quality, \d+ at once\)", first.stdout), first.stdout
    for clip in ("short_clip", "escaped_clip"):  # no terminal: plain lines
        assert f"{clip}: started (estimating: no earlier render)" in first.stdout
        assert re.search(rf"^{clip}: done in \d+:\d\d$", first.stdout, re.M)
    for name in ("short_clip.mp4", "escaped_clip.mp4", "MathematicalFramework.mp4"):
        assert re.search(rf"^  {name} +\d+ s +\d+ kB$", first.stdout, re.M), first.stdout
    assert (
        "make serve QUALITY=low" in first.stdout and "media/preview/ to your site's /videos/" in first.stdout
    )
    published = identities(out)
    assert sorted(published) == ["MathematicalFramework.mp4", "escaped_clip.mp4", "short_clip.mp4"]
    # Nothing to do: nothing rendered, nothing rewritten, the summary still shown.
    again = make(small_project, "QUALITY=low")
    assert again.returncode == 0 and "rendering" not in again.stdout and "Published in" in again.stdout
    assert identities(out) == published
    # make -B NAME: that clip only (and nothing else is remade).
    one = make(small_project, "-B", "short_clip", "QUALITY=low")
    assert one.returncode == 0, one.stderr
    now = identities(out)
    assert now["short_clip.mp4"] != published["short_clip.mp4"]
    assert {k: v for k, v in now.items() if k != "short_clip.mp4"} == {
        k: v for k, v in published.items() if k != "short_clip.mp4"
    }
    # make -B: every clip (once each), the full video and the page again. The pipeline is run
    # through a script that logs each command make gives it.
    page = (small_project / "media" / "preview.html").stat().st_mtime_ns
    log = small_project / "pipeline.log"
    logged = small_project / "logged_pipeline"
    logged.write_text(
        f'#!/bin/sh\necho "$*" >> {log}\nexec {sys.executable} -m circuit_clips.pipeline "$@"\n'
    )
    logged.chmod(0o755)
    everything = make(small_project, "-B", "QUALITY=low", f"PIPELINE={logged}")
    assert everything.returncode == 0, everything.stderr
    assert "rendering 2 of 2 clips" in everything.stdout
    assert sorted(log.read_text().splitlines()) == [
        "build --goal all --quality low", "compile --quality low", "page --quality low",
        "render escaped_clip --quality low", "render short_clip --quality low",
    ]  # fmt: skip
    after = identities(out)
    assert all(after[name] != now[name] for name in now), "every MP4 published again"
    assert (small_project / "media" / "preview.html").stat().st_mtime_ns != page


def test_a_new_clip_is_one_scene_file_and_make_renders_publishes_and_joins_it(small_project):
    """A new clip needs its scene file (and, for its place in the full video, its name in
    CLIPS in pipeline/project.py; without it the clip comes after the storyboard's, by name)."""
    assert make(small_project, "QUALITY=low").returncode == 0
    out = small_project / "media" / "preview"
    before = identities(out)
    scene = (ROOT / "tests" / "fixtures" / "scenes" / "short_clip.py").read_text()
    (small_project / "scenes" / "added_clip.py").write_text(
        scene.replace("class ShortClip", "class AddedClip").replace("A circle appears", "A new clip appears")
    )
    assert "added_clip" in make(small_project, "help").stdout
    result = make(small_project, "QUALITY=low")
    assert result.returncode == 0, result.stderr
    assert "rendering 1 of 3 clips" in result.stdout and "added_clip: started" in result.stdout
    after = identities(out)
    assert "added_clip.mp4" in after and re.search(r"^  added_clip.mp4 ", result.stdout, re.M)
    assert after["short_clip.mp4"] == before["short_clip.mp4"], "the other clips are not rendered again"
    manifest = json.loads((out / "manifest.json").read_text())
    assert [e["name"] for e in manifest["clips"]] == ["added_clip", "escaped_clip", "short_clip"]
    parts = manifest["full_video"]["parts"]
    assert [p["clip"] for p in parts] == ["added_clip", "escaped_clip", "short_clip"]
    durations = {e["name"]: e["duration"] for e in manifest["clips"]}
    assert manifest["full_video"]["duration"] == pytest.approx(sum(durations.values()), abs=0.1)
    assert "A new clip appears" in (out / "MathematicalFramework.vtt").read_text()


def test_make_q_and_n_ask_the_plain_rules(small_project):
    """make -q / -n (and the benchmark, and scripts) see make's own rules, not the build command."""
    assert make(small_project, "-q", "clips", "QUALITY=low").returncode == 1
    planned = make(small_project, "-n", "QUALITY=low").stdout
    assert "render short_clip --quality low" in planned and "render escaped_clip --quality low" in planned
    assert "pipeline build" not in planned
    planned = make(small_project, "-n", "preview").stdout
    assert "render short_clip --quality low" in planned and "pipeline build" not in planned
    assert not (small_project / "media" / "preview").exists(), "a dry run renders nothing"
