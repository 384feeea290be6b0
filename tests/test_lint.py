"""One formatter and linter for the whole tree: ruff, configured in ``pyproject.toml``.

Fix what this reports with ``.venv/bin/ruff check --fix`` and ``.venv/bin/ruff format``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PATHS = ["src", "tests", "scenes", "tools", "docs/examples"]


def _ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, *PATHS], cwd=ROOT, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(
    "args",
    [("check", "--no-fix", "--output-format", "concise"), ("format", "--check")],
    ids=["check", "format"],
)
def test_ruff(args):
    result = _ruff(*args)
    assert result.returncode == 0, f"ruff {' '.join(args)} {' '.join(PATHS)}:\n{result.stdout}{result.stderr}"
