from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from circuit_clips.pipeline.project import Project

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def load_scene_module(clip: str) -> ModuleType:
    """Import ``scenes/<clip>.py`` (scene files are not a package) to test what it computes."""
    spec = importlib.util.spec_from_file_location(f"scene_{clip}", ROOT / "scenes" / f"{clip}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def repo() -> Project:
    """This checkout, with its media going to a throwaway folder."""
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
