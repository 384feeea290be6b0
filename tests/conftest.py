from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

from circuit_clips.pipeline.project import Project

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


_MANIM_MEDIA = pytest.StashKey[str]()


def pytest_configure(config) -> None:
    """Give this test process its own Manim media folder (texts, TeX, partial movies).

    ``make test`` runs one process per core (pytest-xdist). Manim names a typeset SVG by a hash
    of its content under ``config.media_dir`` (``./media/manim`` from ``manim.cfg``): two
    processes typesetting the same text wrote and read the same file at once, and one read it
    empty. Each process (each xdist worker, and the controller) gets a scratch folder instead,
    set before any test module is imported; tests that use ``tempconfig`` with their own
    ``media_dir`` are unaffected. The repository's ``media/`` is left alone.
    """
    from manim import config as manim_config

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    media = tempfile.mkdtemp(prefix=f"circuit-clips-manim-{worker}-")
    manim_config.media_dir = media
    config.stash[_MANIM_MEDIA] = media


def pytest_unconfigure(config) -> None:
    media = config.stash.get(_MANIM_MEDIA, None)
    if media:
        shutil.rmtree(media, ignore_errors=True)


def render_skipped(scene_class: type, media_dir: Path):
    """Run ``scene_class`` with animations skipped (each play jumps to its end, nothing is
    encoded), Manim's media in ``media_dir``; return the scene."""
    from manim import tempconfig
    from manim.renderer.cairo_renderer import CairoRenderer

    options = {"media_dir": str(media_dir), "dry_run": True, "format": None, "verbosity": "ERROR"}
    with tempconfig({**options, "disable_caching": True}):
        scene = scene_class(renderer=CairoRenderer(skip_animations=True))
        scene.render()
    return scene


def load_scene_module(clip: str) -> ModuleType:
    """Import ``scenes/<clip>.py`` (scene files are not a package) to test what it computes."""
    spec = importlib.util.spec_from_file_location(f"scene_{clip}", ROOT / "scenes" / f"{clip}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def repo() -> Project:
    """This checkout (its media folder is the repository's ``media/``: read it, never write)."""
    return Project(ROOT, ROOT / "media")


@pytest.fixture
def fixture_project(tmp_path: Path) -> Project:
    """A scratch project holding the small test scenes of tests/fixtures/scenes."""
    shutil.copytree(FIXTURES / "scenes", tmp_path / "scenes")
    shutil.copy(ROOT / "manim.cfg", tmp_path / "manim.cfg")
    return Project(tmp_path, tmp_path / "media")


#: The test clips a small published set is made of: each longer than a second, with captions.
SET_CLIPS = ("escaped_clip", "short_clip")


@pytest.fixture(scope="session")
def published_set(tmp_path_factory) -> Project:
    """The test clips published at low quality, joined into the full video, with the preview
    page: a scratch project holding only those clips. Read-only: copy it to change it."""
    from circuit_clips.pipeline.compile import compile_video
    from circuit_clips.pipeline.project import QUALITIES
    from circuit_clips.pipeline.render import build_clip
    from circuit_clips.pipeline.web import write_page

    root = tmp_path_factory.mktemp("published_set")
    (root / "scenes").mkdir()
    for clip in SET_CLIPS:
        shutil.copy(FIXTURES / "scenes" / f"{clip}.py", root / "scenes")
    shutil.copy(ROOT / "manim.cfg", root / "manim.cfg")
    project = Project(root, root / "media")
    for clip in SET_CLIPS:
        build_clip(project, clip, QUALITIES["low"])
    compile_video(project, QUALITIES["low"])
    write_page(project, QUALITIES["low"])
    return project
