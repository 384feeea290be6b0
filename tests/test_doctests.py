"""Every ``>>>`` example in ``src/`` runs, and gives what it shows.

The list is explicit (a kit example needs Manim's config pointed at a scratch folder, which
``--doctest-modules`` would not do), and checked against the source: a module with an example
that is not listed here fails, so no example goes unrun.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest
from manim import tempconfig

SRC = Path(__file__).resolve().parent.parent / "src"

#: The modules with examples: the model (pure numpy) and the kit's values and mobjects.
MODULES = (
    "circuit_clips.model",
    "circuit_clips.titles",
    "circuit_clips.kit.pacing",
    "circuit_clips.kit.theme",
    "circuit_clips.kit.head",
    "circuit_clips.kit.heatmap",
    "circuit_clips.kit.layout",
    "circuit_clips.kit.matrix_guides",
    "circuit_clips.kit.sparse_heatmap",
    "circuit_clips.kit.stream",
    "circuit_clips.kit.tokens",
    "circuit_clips.kit.vector",
    "circuit_clips.kit.vocab",
)


def _modules_with_examples() -> set[str]:
    found = set()
    for path in SRC.rglob("*.py"):
        if any(line.lstrip().startswith(">>>") for line in path.read_text(encoding="utf-8").splitlines()):
            found.add(".".join(path.relative_to(SRC).with_suffix("").parts))
    return found


def test_every_module_with_examples_is_run():
    assert _modules_with_examples() == set(MODULES), "list the module in tests/test_doctests.py MODULES"


@pytest.mark.parametrize("name", MODULES)
def test_examples(name, tmp_path):
    module = importlib.import_module(name)
    with tempconfig({"media_dir": str(tmp_path), "verbosity": "ERROR"}):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE, verbose=False, report=True)
    assert result.attempted > 0, f"{name} has no example to run"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (see above)"
