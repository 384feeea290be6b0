"""The render pipeline on small test scenes: render, publish, captions, layout check, errors."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from circuit_clips.pipeline.captions import Cue, shifted, to_webvtt
from circuit_clips.pipeline.layout import check_clip
from circuit_clips.pipeline.mp4 import frames_at, last_frame, probe, top_level_boxes
from circuit_clips.pipeline.project import QUALITIES, UnknownClipError, class_name
from circuit_clips.pipeline.publish import PublishError, publish_clip
from circuit_clips.pipeline.render import RenderError, build_clip, check_scene_class, render_clip

LOW = QUALITIES["low"]


def _vtt_cues(text: str) -> list[tuple[str, str, str]]:
    """Parse WebVTT independently of the code under test: (start, end, text) per cue."""
    blocks = text.strip().split("\n\n")
    assert blocks[0].startswith("WEBVTT")
    cues = []
    for block in blocks[1:]:
        lines = block.splitlines()
        timing = next(i for i, line in enumerate(lines) if "-->" in line)
        start, end = (part.strip() for part in lines[timing].split("-->"))
        cues.append((start, end, "\n".join(lines[timing + 1 :])))
    return cues


def test_class_name_is_camel_case():
    assert class_name("residual_stream") == "ResidualStream"
    assert class_name("qk_ov_circuits") == "QkOvCircuits"


def test_webvtt_keeps_every_cue_to_the_millisecond():
    cues = [Cue(0.0, 1.5, "one"), Cue(61.001, 3723.456, "two\nlines"), Cue(3723.456, 3724.0, "a --> b")]
    parsed = _vtt_cues(to_webvtt(cues))
    assert parsed == [
        ("00:00:00.000", "00:00:01.500", "one"),
        ("00:01:01.001", "01:02:03.456", "two\nlines"),
        ("01:02:03.456", "01:02:04.000", "a -> b"),
    ]
    assert [c.start for c in shifted(cues, 10)] == [10.0, 71.001, 3733.456]


def test_unknown_clip_lists_the_clips(fixture_project):
    with pytest.raises(UnknownClipError, match="short_clip") as err:
        fixture_project.scene_file("no_such_clip")
    assert "no_such_clip" in str(err.value)


def test_unknown_quality_lists_the_qualities(fixture_project):
    with pytest.raises(UnknownClipError, match="high, low"):
        fixture_project.quality("ultra")


def test_scene_class_must_match_file_name(fixture_project):
    with pytest.raises(UnknownClipError, match="must define class WrongName.*SomethingElse"):
        check_scene_class(fixture_project, "wrong_name")


def test_render_publishes_a_web_ready_clip(fixture_project):
    published = build_clip(fixture_project, "short_clip", LOW)
    assert published == fixture_project.media / "preview" / "short_clip.mp4"
    info = probe(published)
    assert (info.codec, info.profile, info.pixel_format) == ("h264", "High", "yuv420p")
    assert top_level_boxes(published).index("moov") < top_level_boxes(published).index("mdat")
    assert (info.width, info.height, info.fps) == (854, 480, 15)
    assert info.duration == pytest.approx(2.0, abs=0.002)  # the scene's run times: 1 + 0.6 + 0.4
    assert info.frames == round(2.0 * 15)
    assert info.stored_frames == 30 - 6 + 2, "the closing 0.4 s hold is stored as two frames"

    poster = np.asarray(Image.open(published.with_suffix(".png")).convert("RGB"))
    assert poster.shape == (480, 854, 3)
    assert np.abs(poster.astype(int) - last_frame(published).astype(int)).mean() < 1.0
    assert poster.max() > 0, "the poster is the last frame, which shows the circle"

    cues = _vtt_cues(published.with_suffix(".vtt").read_text())
    assert [c[2] for c in cues] == ["A circle appears", "It is labelled"]
    assert cues[1][:2] == ("00:00:01.000", "00:00:01.600")
    # Only what a site serves lands in the published folder.
    assert sorted(p.name for p in published.parent.iterdir()) == [
        "manifest.json",
        "short_clip.mp4",
        "short_clip.png",
        "short_clip.vtt",
    ]


def test_frames_at_returns_the_frame_showing_at_each_time(fixture_project):
    rendered = render_clip(fixture_project, "short_clip", LOW)
    first, middle, final = frames_at(rendered, [0.0, 0.5, 1.99])
    assert first.sum() < middle.sum() < final.sum(), "the circle is drawn progressively"


def test_render_error_names_the_clip_and_keeps_previous_files(fixture_project):
    out = fixture_project.output_dir(LOW)
    out.mkdir(parents=True)
    (out / "broken_clip.mp4").write_bytes(b"previous good file")
    with pytest.raises(RenderError, match="broken_clip"):
        build_clip(fixture_project, "broken_clip", LOW)
    assert (out / "broken_clip.mp4").read_bytes() == b"previous good file"
    assert not (out / "broken_clip.png").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_unwritable_output_folder_is_a_clear_error(fixture_project):  # pragma: no cover - as root
    rendered = render_clip(fixture_project, "short_clip", LOW)
    out = fixture_project.output_dir(LOW)
    out.mkdir(parents=True)
    out.chmod(0o500)
    try:
        with pytest.raises(PublishError, match="writable"):
            publish_clip(rendered, out, "short_clip")
    finally:
        out.chmod(0o700)


def test_failed_publish_leaves_previous_files_and_no_parts(fixture_project, monkeypatch):
    rendered = render_clip(fixture_project, "short_clip", LOW)
    out = fixture_project.output_dir(LOW)
    publish_clip(rendered, out, "short_clip")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def disk_full(src, dst, **metadata):
        Path(dst).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("circuit_clips.pipeline.publish.remux_faststart", disk_full)
    with pytest.raises(PublishError, match="No space left on device"):
        publish_clip(rendered, out, "short_clip")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_layout_check_passes_a_clean_scene_and_measures_its_length(fixture_project):
    report = check_clip(fixture_project, "short_clip")
    assert report.violations == []
    assert report.animations == 3
    assert report.duration == pytest.approx(2.0)
    assert report.frames == 30


def test_layout_check_catches_overlapping_text_and_leaving_the_frame(fixture_project):
    report = check_clip(fixture_project, "crowded_clip")
    rules = [(v.step, v.rule) for v in report.violations]
    assert (1, "text overlaps text") in rules
    assert (2, "outside the frame margin") in rules
    assert (0, "outside the frame margin") not in rules
