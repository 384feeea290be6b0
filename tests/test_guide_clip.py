"""The example clip of docs/writing-a-clip.md: the guide shows it verbatim, its numbers are the
model's, and it renders through the pipeline at 480p15 keeping every rule a clip keeps."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from circuit_clips.pipeline.captions import pace_problems, read_vtt, title_card_problems
from circuit_clips.pipeline.layout import check_clip
from circuit_clips.pipeline.manifest import scene_text
from circuit_clips.pipeline.mp4 import probe, tags
from circuit_clips.pipeline.project import QUALITIES, Project
from circuit_clips.pipeline.render import build_clip

from .conftest import ROOT

EXAMPLE = ROOT / "docs" / "examples" / "guide_clip.py"
GUIDE = ROOT / "docs" / "writing-a-clip.md"


def load_example():
    import importlib.util

    spec = importlib.util.spec_from_file_location("guide_clip_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_guide_shows_the_example_clip_verbatim():
    code = EXAMPLE.read_text(encoding="utf-8")
    assert f"```python\n{code}```" in GUIDE.read_text(encoding="utf-8"), (
        "docs/writing-a-clip.md must show docs/examples/guide_clip.py verbatim: paste it again"
    )


def test_the_readme_and_architecture_link_the_guide():
    for doc in ("README.md", "docs/architecture.md"):
        assert "writing-a-clip.md" in (ROOT / doc).read_text(encoding="utf-8"), doc


def test_the_example_numbers_are_the_models():
    n = load_example().numbers()
    model = n.model
    assert n.tokens == ["<bos>", *load_example().WORDS]
    ids = [model.vocab.index(t) for t in n.tokens]
    # independent: X_0 is one-hot token plus one-hot position, in their subspaces
    expected = np.zeros((len(ids), model.d_model))
    for pos, tok in enumerate(ids):
        expected[pos, model.subspaces["token"].start + tok] = 1
        expected[pos, model.subspaces["position"].start + pos] = 1
    np.testing.assert_allclose(n.stream, expected, atol=1e-9)
    # the previous-token head writes the token before into "previous token", nothing after <bos>
    written = np.zeros_like(expected)
    for pos in range(2, len(ids)):
        written[pos, model.subspaces["previous token"].start + ids[pos - 1]] = 1
    # (softmax leaves a ten-thousandth of the attention elsewhere)
    np.testing.assert_allclose(n.head_out, written, atol=1e-3)
    np.testing.assert_allclose(n.after, n.stream + n.head_out, atol=1e-12)


@pytest.mark.render
def test_the_example_clip_renders_and_keeps_every_rule(tmp_path):
    (tmp_path / "scenes").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "scenes")
    shutil.copy(ROOT / "manim.cfg", tmp_path)
    project = Project(tmp_path, tmp_path / "media")

    report = check_clip(project, "guide_clip")
    assert report.violations == [], "\n".join(map(str, report.violations))  # margin, band, overlaps

    published = build_clip(project, "guide_clip", QUALITIES["low"])
    info = probe(published)
    assert (info.width, info.height, info.fps, info.web_ready) == (854, 480, 15, True)
    assert info.frames == report.frames

    title, description = scene_text(project.scene_file("guide_clip"), "GuideClip")
    assert (title, description) == (
        "A head writes into the stream X",
        "A head reads the stream and adds h(X) to it: added, never replaced.",
    )
    vtt = published.with_suffix(".vtt")
    assert read_vtt(vtt)[0].text == title
    assert title_card_problems(vtt, title, description) + pace_problems(vtt) == []
    assert tags(published)["title"] == title and tags(published)["description"] == description
    (entry,) = json.loads((published.parent / "manifest.json").read_text(encoding="utf-8"))["clips"]
    assert (entry["title"], entry["description"]) == (title, description)
