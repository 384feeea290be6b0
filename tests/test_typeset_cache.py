"""The typeset-text store: a string LaTeX or Pango typeset for one clip or quality is not
typeset again for another, and the store only ever holds whole files from finished renders."""

from __future__ import annotations

import os
import stat

import pytest

from circuit_clips.pipeline import typeset_cache
from circuit_clips.pipeline.project import QUALITIES
from circuit_clips.pipeline.render import RenderError, build_clip, render_clip, typeset_store

LOW, HIGH = QUALITIES["low"], QUALITIES["high"]


def _svgs(folder):
    return sorted(
        p.relative_to(folder).as_posix()
        for cache in typeset_cache.CACHES
        for p in (folder / cache).glob("*.svg")
    )


@pytest.fixture
def no_typesetting(tmp_path, monkeypatch):
    """``latex``, ``dvisvgm`` on PATH that only record being called (and fail)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "typeset-calls"
    for tool in ("latex", "dvisvgm"):
        shim = bin_dir / tool
        shim.write_text(f"#!/bin/sh\necho {tool} >> {calls}\nexit 1\n")
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return calls


def test_a_clip_reuses_what_another_clip_typeset(fixture_project, no_typesetting, monkeypatch):
    with monkeypatch.context() as m:  # the first render typesets for real
        m.setenv("PATH", os.environ["PATH"].split(os.pathsep, 1)[1])
        build_clip(fixture_project, "typeset_a", LOW)
    store = typeset_store(fixture_project)
    work_a = fixture_project.build_dir("typeset_a", LOW)
    assert _svgs(store) == _svgs(work_a) and any(s.startswith("Tex/") for s in _svgs(store))
    assert any(s.startswith("texts/") for s in _svgs(store))

    # typeset_b shows the same strings: it renders with LaTeX unavailable, from the store
    build_clip(fixture_project, "typeset_b", LOW)
    assert not no_typesetting.exists(), "LaTeX ran although the store had the SVG"
    # and so does typeset_a at the other quality
    render_clip(fixture_project, "typeset_a", HIGH)
    assert not no_typesetting.exists()
    assert not list(store.rglob("*.part"))


def test_without_the_store_latex_is_needed(fixture_project, no_typesetting):
    """The test above can fail: from an empty store, the shims are called and the render fails."""
    with pytest.raises(RenderError):
        render_clip(fixture_project, "typeset_a", LOW)
    assert "latex" in no_typesetting.read_text()
    assert _svgs(typeset_store(fixture_project)) == [], "a failed render adds nothing"


def test_seed_and_collect_copy_only_what_is_missing(tmp_path):
    store, work = tmp_path / "store", tmp_path / "work"
    (work / "Tex").mkdir(parents=True)
    (work / "Tex" / "a.svg").write_text("<svg>a</svg>")
    (work / "Tex" / "a.tex").write_text("source, not shared")
    assert typeset_cache.collect(work, store) == 1
    assert typeset_cache.collect(work, store) == 0
    assert _svgs(store) == ["Tex/a.svg"] and not (store / "Tex" / "a.tex").exists()
    (store / "texts").mkdir()
    (store / "texts" / "b.svg").write_text("<svg>b</svg>")
    other = tmp_path / "other"
    assert typeset_cache.seed(store, other) == 2
    assert (other / "texts" / "b.svg").read_text() == "<svg>b</svg>"
    assert typeset_cache.seed(store, other) == 0
