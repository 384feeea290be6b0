"""The benchmark keeps working: one short clip at low quality, every figure of the report present
and consistent with the files it rendered. No timing decides pass or fail here."""

from __future__ import annotations

import json

import pytest

from circuit_clips.pipeline.bench import format_report, psnr, run_benchmark
from circuit_clips.pipeline.mp4 import probe
from circuit_clips.pipeline.project import QUALITIES


def test_benchmark_reports_every_figure(fixture_project):
    quality = QUALITIES["low"]
    report = run_benchmark(
        fixture_project, ["short_clip"], quality, jobs=1, baseline=True, check_quality=True
    )
    saved = json.loads((fixture_project.media / "bench" / "report-low.json").read_text())
    assert saved["clips"] == report["clips"]
    (clip,) = report["clips"]
    video = fixture_project.media / "bench" / "scratch-low" / "pipeline" / "preview" / "short_clip.mp4"
    info = probe(video)
    assert clip["frames"] == info.frames == 30
    assert clip["running_time"] == pytest.approx(2.0, abs=1 / 15)
    assert clip["size_bytes"] == video.stat().st_size
    assert clip["wall"] > 0 and clip["cpu"] > 0 and clip["peak_mib"] > 50
    assert clip["realtime"] == pytest.approx(clip["wall"] / clip["running_time"], rel=1e-2)
    assert clip["stored_frames"] == info.stored_frames == 30 - 6 + 2, (
        "the last 0.4 s hold stored as two frames"
    )
    plain = report["plain_manim"]["clips"][0]
    assert plain["frames"] == plain["stored_frames"] == 30, "plain Manim stores every frame"
    assert report["speedup"] > 0 and report["encoder_limit"]["frames"] == clip["stored_frames"]
    assert 30 < report["psnr_db"]["short_clip"] <= float("inf")
    text = format_report(report)
    assert "short_clip" in text and "plain manim" in text and "PSNR" in text


def test_psnr_is_infinite_for_identical_and_finite_for_different_videos(fixture_project):
    from circuit_clips.pipeline.render import render_clip

    a = render_clip(fixture_project, "short_clip", QUALITIES["low"])
    b = render_clip(fixture_project, "crowded_clip", QUALITIES["low"])
    assert psnr(a, a) == float("inf")
    assert psnr(a, b) < 30


def test_the_benchmark_starts_renders_in_makes_order():
    """`make render-order` prints the order `make` starts renders in; the benchmark uses the same
    function (how that order is computed is tested in test_progress.py)."""
    import subprocess
    import sys

    from circuit_clips.pipeline import bench
    from circuit_clips.pipeline.progress import render_order
    from circuit_clips.pipeline.project import QUALITIES, Project

    from .conftest import ROOT

    project = Project(ROOT, ROOT / "media")
    assert bench.render_order is render_order
    for quality in ("low", "high"):
        printed = subprocess.run(
            ["make", "-s", "--no-print-directory", "render-order", f"QUALITY={quality}", f"PY={sys.executable}", "RENDER_SETUP="],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout.split()  # fmt: skip
        assert printed == render_order(project, QUALITIES[quality], project.clips())
        assert sorted(printed) == sorted(project.clips())
