from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from circuit_clips.pipeline.project import Project

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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
