"""The engine is installed by constructing a clip, not by importing the kit.

Its patches are process-wide, so each case runs in a fresh interpreter; Manim as it ships
defines neither ``VMobjectFromSVGPath.__deepcopy__`` nor ``Transform.interpolate_mobject``
(both inherited), which is what "unpatched" is checked against.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from circuit_clips.engine import PLAIN_MANIM

PROBE = """
import json, sys
from manim import Transform, tempconfig
from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

def patched():
    return ["__deepcopy__" in vars(VMobjectFromSVGPath), "interpolate_mobject" in vars(Transform)]

import circuit_clips.kit as kit
imported = patched()

class Probe(kit.ClipScene):
    title = "probe"
    description = "engine test"

with tempconfig({"media_dir": sys.argv[1], "dry_run": True, "format": None, "verbosity": "ERROR"}):
    first = Probe()
    once = [VMobjectFromSVGPath.__deepcopy__, Transform.interpolate_mobject]
    second = Probe()
    again = [VMobjectFromSVGPath.__deepcopy__, Transform.interpolate_mobject]
print(json.dumps({
    "imported": imported,
    "constructed": patched(),
    "same_patches": once == again,
    "camera": type(second.camera).__name__,
    "writer": type(second.renderer.file_writer).__name__,
}))
"""


def _probe(tmp_path, plain: str) -> dict:
    env = {**os.environ, PLAIN_MANIM: plain}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_importing_the_kit_patches_nothing_and_a_clip_installs_the_engine_once(tmp_path):
    seen = _probe(tmp_path, "")
    assert seen["imported"] == [False, False]
    assert seen["constructed"] == [True, True]
    assert seen["same_patches"]
    assert (seen["camera"], seen["writer"]) == ("FastCairoCamera", "HoldOnceFileWriter")


@pytest.mark.parametrize("plain", ["1", "yes"])
def test_with_plain_manim_a_clip_renders_with_manim_as_it_ships(tmp_path, plain):
    seen = _probe(tmp_path, plain)
    assert seen["imported"] == [False, False]
    assert seen["constructed"] == [False, False]
    assert (seen["camera"], seen["writer"]) == ("Camera", "SceneFileWriter")
