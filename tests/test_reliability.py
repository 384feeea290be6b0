"""Reliable builds, tested by injecting the faults (issue 6).

Parallel renders in one media root, the same clip rendered twice at once, ``make -j2``/``-j4``
from a clean checkout; SIGINT/SIGTERM/SIGKILL during Manim, while publishing and after it, also
through make; a scene that raises; the same clip rendered twice from clean folders; unknown
names; LaTeX and dvisvgm hidden from PATH, the cairo/pango headers hidden from pkg-config; a
file where the published folder should be, a full disk and a read-only file system (real
tmpfs mounts in a private mount namespace, which also work as root, unlike chmod).

Every check looks at the files on disk afterwards. The renders use the lowest quality and the
small scenes of tests/fixtures/scenes; ``long_clip`` is the one with versions (``VERSION = N``
gives the caption "version N" and 2 + N + 0.2 seconds), so a test can tell which version each
published file belongs to.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from circuit_clips.pipeline.mp4 import last_frame, probe
from circuit_clips.pipeline.project import QUALITIES, Project
from circuit_clips.pipeline.render import build_clip

from .conftest import FIXTURES, ROOT

LOW = QUALITIES["low"]
PIPELINE = [sys.executable, "-m", "circuit_clips.pipeline"]
HOOKED = [sys.executable, str(FIXTURES / "hooked_pipeline.py")]
CLIP_FILES = ("mp4", "png", "vtt")


# --- helpers -------------------------------------------------------------------------------


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_EVENTS", "HOOK_PAUSE_AT", "HOOK_EVENTS")}
    env.update(extra)
    return env


def run_pipeline(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*PIPELINE, *args], cwd=root, env=env or _env(), capture_output=True, text=True)


def start(cmd: list[str], root: Path, env: dict) -> subprocess.Popen:
    """Start ``cmd`` in a new session, so a signal to its process group is like Ctrl-C in a
    terminal and reaches nothing else (not pytest). Its output goes to files, not pipes: reading
    a pipe to its end would wait for any orphaned Manim still holding it, and hide it."""
    out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=err, text=True, start_new_session=True)
    proc.outputs = (out, err)
    return proc


def make_cmd(*args: str) -> list[str]:
    # The scratch project has no .venv and no setup stamp: use this interpreter, skip set-up.
    return ["make", "--no-print-directory", f"PY={sys.executable}", "RENDER_SETUP=", *args]


def wait_for(path: Path, proc: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc is not None and proc.poll() is not None:
            rc, out, err = finish(proc)
            pytest.fail(f"exited ({rc}) before {path.name}:\n{out}\n{err}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {path}")
        time.sleep(0.01)


def finish(proc: subprocess.Popen, timeout: float = 60) -> tuple[int, str, str]:
    """Wait for ``proc`` itself (not for whatever it left running) and return its exit code and output."""
    proc.wait(timeout=timeout)
    texts = []
    for f in proc.outputs:
        f.seek(0)
        texts.append(f.read())
        f.close()
    return proc.returncode, *texts


def manim_processes(root: Path) -> list[str]:
    """Command lines of the running Manim processes that render a scene of ``root``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        text = " ".join(a.decode(errors="replace") for a in args)
        if "manim" in text and str(root) in text:
            found.append(text)
    return found


def assert_no_manim_left(root: Path) -> None:
    """The pipeline has ended: the Manim it started must be gone too (it would otherwise go on
    writing into the working folder). A moment's grace for the kernel, not for Manim to finish."""
    deadline = time.monotonic() + 0.5
    while (left := manim_processes(root)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"Manim still running after the pipeline ended: {left}"


def set_version(root: Path, version: int, extra: str = "") -> None:
    scene = root / "scenes" / "long_clip.py"
    text = re.sub(r"^VERSION = \d+$", f"VERSION = {version}", scene.read_text(), flags=re.M)
    text = text.replace("        self.wait(0.2)\n", f"        self.wait(0.2)\n{extra}")
    scene.write_text(text)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a folder (dotfiles included) with its bytes."""
    return (
        {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()} if folder.exists() else {}
    )


def identity(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def check_manifest(out: Path) -> None:
    """If the folder has a manifest, every file it names exists and its MP4 hashes match."""
    manifest = out / "manifest.json"
    if not manifest.exists():
        return
    data = json.loads(manifest.read_text())
    entries = list(data.get("clips", [])) + ([data["full_video"]] if data.get("full_video") else [])
    for entry in entries:
        for key in ("mp4", "poster", "captions"):
            assert (out / entry[key]).is_file(), f"manifest names {entry[key]}, which is missing"
        if "sha256" in entry:
            import hashlib

            assert hashlib.sha256((out / entry["mp4"]).read_bytes()).hexdigest() == entry["sha256"], (
                f"manifest's {entry['mp4']} is another version"
            )


def check_valid_clip(out: Path, clip: str) -> None:
    """A published clip: a web-ready MP4 with frames, its poster (= its last frame), captions."""
    mp4 = out / f"{clip}.mp4"
    info = probe(mp4)
    assert info.web_ready and info.frames > 0, info
    poster = np.asarray(Image.open(out / f"{clip}.png").convert("RGB"))
    assert poster.shape == (info.height, info.width, 3)
    assert np.abs(poster.astype(int) - last_frame(mp4).astype(int)).mean() < 2, "poster of another version"
    vtt = (out / f"{clip}.vtt").read_text()
    assert vtt.startswith("WEBVTT") and "-->" in vtt


def published_version(out: Path, clip: str = "long_clip") -> int | None:
    """Which version of ``clip`` ``out`` holds, after checking the set is complete and coherent:
    no temporary files, MP4 + poster + captions all or none, and all three of one version."""
    names = {p.name for p in out.iterdir()} if out.exists() else set()
    assert not [n for n in names if n.endswith(".part")], f"temporary files left: {sorted(names)}"
    present = [ext for ext in CLIP_FILES if f"{clip}.{ext}" in names]
    check_manifest(out)
    if not present:
        return None
    assert present == list(CLIP_FILES), f"incomplete set: only {present} of {clip}"
    check_valid_clip(out, clip)
    version = int(re.search(r"version (\d+)", (out / f"{clip}.vtt").read_text()).group(1))
    info = probe(out / f"{clip}.mp4")
    assert info.duration == pytest.approx(2 + version + 0.2, abs=1.5 / 15), "captions of another version"
    return version


# --- fixtures ------------------------------------------------------------------------------


def new_project(folder: Path, clips: list[str] | None = None) -> Path:
    """A scratch project: the fixture scenes (or only ``clips``), manim.cfg and the Makefile."""
    shutil.copytree(FIXTURES / "scenes", folder / "scenes")
    if clips is not None:
        for scene in (folder / "scenes").glob("*.py"):
            if scene.stem not in clips:
                scene.unlink()
    shutil.copy(ROOT / "manim.cfg", folder / "manim.cfg")
    shutil.copy(ROOT / "Makefile", folder / "Makefile")
    return folder


@pytest.fixture(scope="module")
def published_v1(tmp_path_factory) -> Path:
    """A project holding short_clip and long_clip, both published (long_clip at version 1)."""
    root = new_project(tmp_path_factory.mktemp("v1") / "project", ["short_clip", "long_clip"])
    result = subprocess.run(
        make_cmd("clips", "QUALITY=low"), cwd=root, capture_output=True, text=True, env=_env()
    )
    assert result.returncode == 0, result.stderr
    assert published_version(root / "media" / "preview") == 1
    return root


@pytest.fixture
def v1(published_v1, tmp_path) -> Path:
    """A copy of ``published_v1`` whose long_clip scene has been edited to version 2."""
    root = tmp_path / "project"
    shutil.copytree(published_v1, root)
    set_version(root, 2)
    return root


# --- parallel builds -----------------------------------------------------------------------


def test_two_renders_typesetting_the_same_text_at_once_in_one_media_root(fixture_project, tmp_path):
    """The two scenes typeset the same Text and MathTex at the same moment (they wait for each
    other first). Sharing Manim's media folder, this fails almost every time (a `.svg` or `.dvi`
    of the other process vanishes); the pipeline's per-clip working folders must make it pass."""
    events = tmp_path / "events"
    events.mkdir()
    env = _env(TEST_EVENTS=str(events))
    procs = [
        start([*PIPELINE, "render", clip, "--quality", "low"], fixture_project.root, env)
        for clip in ("typeset_a", "typeset_b")
    ]
    results = [finish(p) for p in procs]
    for rc, _out, err in results:
        assert rc == 0, err
    spans = [tuple(map(float, (events / f"typeset_typeset_{x}").read_text().split())) for x in "ab"]
    assert max(s[0] for s in spans) < min(s[1] for s in spans), f"the typesetting did not overlap: {spans}"
    out = fixture_project.output_dir(LOW)
    for clip in ("typeset_a", "typeset_b"):
        check_valid_clip(out, clip)
    check_manifest(out)


def test_the_same_clip_rendered_twice_at_once_waits_its_turn(v1, tmp_path):
    """Two renders of one clip would share its working folder and temporary files: the second,
    started while the first is drawing, waits for it, then renders; both succeed."""
    set_version(v1, 3)  # 5 s of animation at 30 ms a frame: the first holds the lock > 2 s
    events = tmp_path / "events"
    events.mkdir()
    cmd = [*PIPELINE, "render", "long_clip", "--quality", "low"]
    first = start(cmd, v1, _env(TEST_EVENTS=str(events)))
    wait_for(events / "scene_started", first)
    second = start(cmd, v1, _env(TEST_EVENTS=str(events)))
    results = [finish(first), finish(second)]
    assert [r[0] for r in results] == [0, 0], [r[2] for r in results]
    assert f"being rendered by process {first.pid}: waiting for it to finish" in results[1][2]
    assert published_version(v1 / "media" / "preview") == 3


@pytest.mark.parametrize("jobs", [2, 4])
def test_parallel_make_from_a_clean_checkout(tmp_path, jobs):
    clips = ["random_clip", "short_clip", "typeset_a", "typeset_b"]
    root = new_project(tmp_path / "project", clips)
    events = tmp_path / "events"
    events.mkdir()
    result = subprocess.run(
        make_cmd(f"-j{jobs}", "clips", "QUALITY=low"),
        cwd=root,
        capture_output=True,
        text=True,
        env=_env(TEST_EVENTS=str(events)),
    )
    assert result.returncode == 0, result.stderr
    spans = [tuple(map(float, (events / f"typeset_typeset_{x}").read_text().split())) for x in "ab"]
    assert max(s[0] for s in spans) < min(s[1] for s in spans), "typeset_a and typeset_b did not overlap"
    out = root / "media" / "preview"
    assert sorted(p.name for p in out.iterdir() if p.name != "manifest.json") == sorted(
        f"{c}.{ext}" for c in clips for ext in CLIP_FILES
    )
    for clip in clips:
        check_valid_clip(out, clip)
    check_manifest(out)
    if (out / "manifest.json").exists():
        assert sorted(e["name"] for e in json.loads((out / "manifest.json").read_text())["clips"]) == clips
    assert subprocess.run(make_cmd("-q", "clips", "QUALITY=low"), cwd=root).returncode == 0, "all up to date"


# --- interrupted and failed renders --------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_during_manim_keeps_the_previous_clip(v1, tmp_path, sig):
    out = v1 / "media" / "preview"
    before = snapshot(out)
    events = tmp_path / "events"
    events.mkdir()
    proc = start([*PIPELINE, "render", "long_clip", "--quality", "low"], v1, _env(TEST_EVENTS=str(events)))
    wait_for(events / "scene_started", proc)
    time.sleep(0.5)  # Manim is drawing frames (30 ms each)
    assert manim_processes(v1), "Manim is running"
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C: the whole foreground process group
    else:
        os.kill(proc.pid, sig)  # what make does to its child on SIGTERM
    rc, _, err = finish(proc)
    assert rc == -sig, f"the pipeline should end by {sig.name}: {rc}\n{err}"
    assert "interrupted" in err and "not published" in err and "Traceback" not in err
    assert snapshot(out) == before, "the previous version must be untouched"
    assert_no_manim_left(v1)
    # The next render publishes the new version, whole.
    result = run_pipeline(v1, "render", "long_clip", "--quality", "low")
    assert result.returncode == 0, result.stderr
    assert published_version(out) == 2
    assert probe(out / "long_clip.mp4").frames == round(4.2 * 15)


@pytest.mark.parametrize(
    "step, sig, expected",
    [
        ("parts_written", signal.SIGINT, 1),
        ("parts_written", signal.SIGTERM, 1),
        ("renaming", signal.SIGTERM, 2),
        ("renaming", signal.SIGINT, 2),
    ],
)
def test_signal_while_publishing_gives_the_old_set_or_the_new_one(v1, tmp_path, step, sig, expected):
    """Before the renames the temporary files are removed and the old set stays; once they
    have begun, the signal waits until all are renamed (the new set)."""
    out = v1 / "media" / "preview"
    before = snapshot(out)
    events = tmp_path / "events"
    events.mkdir()
    proc = start(
        [*HOOKED, "render", "long_clip", "--quality", "low"],
        v1,
        _env(HOOK_PAUSE_AT=step, HOOK_EVENTS=str(events)),
    )
    wait_for(events / step, proc)
    if step == "parts_written":
        assert [n for n in os.listdir(out) if n.endswith(".part")], (
            "the hook pauses with the .part files written"
        )
    os.killpg(proc.pid, sig)
    rc, _, err = finish(proc)
    assert rc == -sig, err
    assert published_version(out) == expected
    if expected == 1:
        assert snapshot(out) == before
        assert "not published" in err
    else:
        assert "just after it was published" in err


def test_signal_at_any_moment_leaves_the_old_or_the_new_complete_set(v1, tmp_path):
    """Signal a render at moments spread over its whole run, alternating SIGINT and SIGTERM;
    whatever it was doing, the folder holds version 1 or version 2, complete."""
    out = v1 / "media" / "preview"
    saved = tmp_path / "saved"
    shutil.copytree(out, saved)
    events = tmp_path / "events"
    events.mkdir()
    env = _env(TEST_EVENTS=str(events))
    began = time.monotonic()
    assert finish(start([*PIPELINE, "render", "long_clip", "--quality", "low"], v1, env))[0] == 0
    whole = time.monotonic() - began
    assert published_version(out) == 2
    outcomes = []
    for i, fraction in enumerate([0.15, 0.45, 0.75, 0.95]):
        shutil.rmtree(out)
        shutil.copytree(saved, out)
        (events / "scene_started").unlink(missing_ok=True)
        proc = start([*PIPELINE, "render", "long_clip", "--quality", "low"], v1, env)
        time.sleep(fraction * whole)
        sig = (signal.SIGINT, signal.SIGTERM)[i % 2]
        manim_was_drawing = (events / "scene_started").exists()
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:  # it had just finished
            pass
        rc, _, err = finish(proc)
        assert rc in (0, -sig), err
        outcomes.append((fraction, manim_was_drawing, published_version(out)))
        assert_no_manim_left(v1)
    assert any(drawing and version == 1 for _, drawing, version in outcomes), (
        f"no signal landed while Manim was drawing: {outcomes}"
    )


@pytest.mark.parametrize("how", ["ctrl-c", "kill make"])
def test_interrupted_make_then_make_renders_only_what_is_missing(v1, tmp_path, how):
    out = v1 / "media" / "preview"
    before = snapshot(out)
    short = {ext: identity(out / f"short_clip.{ext}") for ext in CLIP_FILES}
    events = tmp_path / "events"
    events.mkdir()
    env = _env(TEST_EVENTS=str(events))
    proc = start(make_cmd("clips", "QUALITY=low"), v1, env)
    wait_for(events / "scene_started", proc)
    time.sleep(0.5)
    if how == "ctrl-c":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        os.kill(proc.pid, signal.SIGTERM)  # make passes SIGTERM on to the pipeline
    rc, _, err = finish(proc)
    assert rc != 0
    assert snapshot(out) == before, err
    assert_no_manim_left(v1)
    # What is left to do: long_clip, and only it.
    planned = subprocess.run(
        make_cmd("-n", "clips", "QUALITY=low"), cwd=v1, capture_output=True, text=True
    ).stdout
    assert "render long_clip" in planned and "render short_clip" not in planned, planned
    result = subprocess.run(
        make_cmd("clips", "QUALITY=low"), cwd=v1, capture_output=True, text=True, env=_env()
    )
    assert result.returncode == 0, result.stderr
    assert published_version(out) == 2
    assert {ext: identity(out / f"short_clip.{ext}") for ext in CLIP_FILES} == short, (
        "short_clip was not redone"
    )


def test_make_keeps_a_clip_published_just_before_ctrl_c(v1, tmp_path):
    """make deletes a target whose recipe it interrupts if the file changed; the clips are
    precious (the pipeline publishes all or nothing), so a poster never loses its video."""
    out = v1 / "media" / "preview"
    events = tmp_path / "events"
    events.mkdir()
    cmd = make_cmd("long_clip", "QUALITY=low", f"PIPELINE={' '.join(HOOKED)}")
    proc = start(cmd, v1, _env(HOOK_PAUSE_AT="published", HOOK_EVENTS=str(events)))
    wait_for(events / "published", proc)
    os.killpg(proc.pid, signal.SIGINT)
    rc, _, err = finish(proc)
    assert rc != 0
    assert published_version(out) == 2, err
    assert subprocess.run(make_cmd("-q", "long_clip", "QUALITY=low"), cwd=v1).returncode == 0, "up to date"


def test_sigkill_leaves_no_manim_behind_and_the_next_render_cleans_up(v1, tmp_path):
    """SIGKILL cannot be caught: the kernel stops Manim with the pipeline, the published set is
    untouched, and the next render removes the stale `.part` files."""
    out = v1 / "media" / "preview"
    before = snapshot(out)
    events = tmp_path / "events"
    events.mkdir()
    proc = start([*PIPELINE, "render", "long_clip", "--quality", "low"], v1, _env(TEST_EVENTS=str(events)))
    wait_for(events / "scene_started", proc)
    time.sleep(0.3)
    proc.kill()
    finish(proc)
    assert_no_manim_left(v1)
    assert snapshot(out) == before
    # Killed again, this time in the middle of publishing: .part files stay behind...
    proc = start(
        [*HOOKED, "render", "long_clip", "--quality", "low"],
        v1,
        _env(HOOK_PAUSE_AT="parts_written", HOOK_EVENTS=str(events)),
    )
    wait_for(events / "parts_written", proc)
    proc.kill()
    finish(proc)
    left = snapshot(out)
    parts = sorted(n for n in left if n.endswith(".part"))
    assert parts and all(n.startswith(".") for n in parts), "only hidden .part files, never a published name"
    assert {n: b for n, b in left.items() if n not in parts} == before
    # ... which the next render removes first, even one that then fails (the scene raises) ...
    scene = v1 / "scenes" / "long_clip.py"
    good = scene.read_text()
    scene.write_text(good.replace("        self.wait(0.2)\n", "        raise RuntimeError('broken')\n"))
    result = run_pipeline(v1, "render", "long_clip", "--quality", "low")
    assert result.returncode == 2 and "broken" in result.stderr
    assert snapshot(out) == before
    # ... and once the scene is fixed, the next render publishes the new version, whole.
    scene.write_text(good)
    result = run_pipeline(v1, "render", "long_clip", "--quality", "low")
    assert result.returncode == 0, result.stderr
    assert published_version(out) == 2
    assert probe(out / "long_clip.mp4").frames == round(4.2 * 15)


def test_a_cache_file_cut_short_by_a_kill_is_not_reused(fixture_project):
    """A render killed while dvisvgm or pango writes an SVG leaves it truncated under its final
    name in Manim's cache, where the next render would read it ("no element found"). After a
    render that did not finish, the working folder is emptied instead."""
    build_clip(fixture_project, "typeset_a", LOW)
    work = fixture_project.build_dir("typeset_a", LOW)
    cached = [*work.glob("Tex/*.svg"), *work.glob("texts/*.svg")]
    assert cached, "typeset_a caches its MathTex and Text as SVG"
    for svg in cached:
        svg.write_bytes(svg.read_bytes()[:40])
    # A real render, killed (-9) as soon as it has begun: it did not finish.
    proc = start([*PIPELINE, "render", "typeset_a", "--quality", "low"], fixture_project.root, _env())
    wait_for(work / ".unfinished", proc)
    proc.kill()
    finish(proc)
    assert_no_manim_left(fixture_project.root)
    result = run_pipeline(fixture_project.root, "render", "typeset_a", "--quality", "low")
    assert result.returncode == 0, result.stderr
    check_valid_clip(fixture_project.output_dir(LOW), "typeset_a")


def test_scene_that_raises_stops_make_and_keeps_the_previous_files(v1):
    out = v1 / "media" / "preview"
    before = snapshot(out)
    set_version(v1, 2, extra='        raise RuntimeError("deliberate failure after an edit")\n')
    result = subprocess.run(
        make_cmd("clips", "QUALITY=low"), cwd=v1, capture_output=True, text=True, env=_env()
    )
    assert result.returncode != 0
    assert "deliberate failure after an edit" in result.stdout + result.stderr
    assert "error: manim failed to render long_clip" in result.stderr
    assert snapshot(out) == before
    assert subprocess.run(make_cmd("-q", "long_clip", "QUALITY=low"), cwd=v1).returncode == 1, "still to do"
    set_version(v1, 2, extra="")
    (v1 / "scenes" / "long_clip.py").write_text(
        (v1 / "scenes" / "long_clip.py")
        .read_text()
        .replace('        raise RuntimeError("deliberate failure after an edit")\n', "")
    )
    result = subprocess.run(
        make_cmd("clips", "QUALITY=low"), cwd=v1, capture_output=True, text=True, env=_env()
    )
    assert result.returncode == 0, result.stderr
    assert published_version(out) == 2


# --- determinism ---------------------------------------------------------------------------


def decoded_frames(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(container.streams.video[0])])


def test_rendering_twice_from_clean_folders_gives_the_same_frames_and_bytes(tmp_path):
    """random_clip draws from `random` and `numpy.random`; with the pipeline's seed two clean
    renders (in different folders) match frame for frame and byte for byte, while another seed
    changes the frames, which shows the comparison can fail."""
    published = []
    for name, args in [("first", []), ("second", []), ("other_seed", ["--seed", "1"])]:
        project = Project(new_project(tmp_path / name, ["random_clip"]), tmp_path / name / "media")
        (project.root / "manim.cfg").unlink()  # the seed is the pipeline's, not only manim.cfg's
        published.append(build_clip(project, "random_clip", LOW, manim_args=args))
    first, second, other = (decoded_frames(p) for p in published)
    assert first.shape == second.shape and np.array_equal(first, second), "same seed, different frames"
    for ext in CLIP_FILES:
        assert (
            published[0].with_suffix(f".{ext}").read_bytes()
            == published[1].with_suffix(f".{ext}").read_bytes()
        ), ext
    assert not np.array_equal(first[-1], other[-1]), "the seed does not reach the frames"


# --- clear errors --------------------------------------------------------------------------


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "args, scene, expected",
    [
        (["render", "no_such_clip"], None, ["no clip named 'no_such_clip'", "short_clip", "long_clip"]),
        (["render", "short_clip", "--quality", "ultra"], None, ["unknown quality 'ultra'", "high, low"]),
        (
            ["render", "empty_clip"],
            "from manim import Scene\n",
            ["must define class EmptyClip", "no classes"],
        ),
        (["render", "wrong_name"], None, ["must define class WrongName", "it defines: SomethingElse"]),
        (
            ["render", "typo_clip"],
            "from manim import Scene\n\nclass TypoClip(Scene)\n    pass\n",
            ["typo_clip.py, line 3", "expected ':'"],
        ),
        (["sheet", "short_clip", "--quality", "low"], None, ["does not exist yet", "make short_clip"]),
    ],
    ids=[
        "unknown clip",
        "unknown quality",
        "no scene class",
        "class name mismatch",
        "syntax error",
        "sheet before render",
    ],
)
def test_wrong_names_get_one_line_that_says_what_exists(fixture_project, args, scene, expected):
    if scene is not None:
        (fixture_project.scenes_dir / f"{args[1]}.py").write_text(scene)
    line = one_line_error(run_pipeline(fixture_project.root, *args))
    for text in expected:
        assert text in line
    assert not (fixture_project.media / "build").exists(), "nothing was started"


def path_without(tmp_path: Path, hidden: set[str]) -> str:
    """A PATH with every program of this one except ``hidden`` (symlinked into one folder)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(folder):
            continue
        for entry in os.scandir(folder):
            if entry.name not in hidden and not (bin_dir / entry.name).exists():
                (bin_dir / entry.name).symlink_to(entry.path)
    return str(bin_dir)


def test_render_without_latex_names_the_packages_before_starting(fixture_project, tmp_path):
    env = _env(PATH=path_without(tmp_path, {"latex", "dvisvgm"}))
    line = one_line_error(
        run_pipeline(fixture_project.root, "render", "short_clip", "--quality", "low", env=env)
    )
    assert "cannot render" in line and "latex" in line and "dvisvgm" in line
    assert "sudo apt-get install texlive-latex-base dvisvgm" in line and "make doctor" in line
    assert not (fixture_project.media / "build" / "low" / "short_clip").exists(), "Manim never started"


def test_doctor_lists_what_is_present_and_what_is_missing(fixture_project, tmp_path):
    doctor = subprocess.run(
        make_cmd("doctor"), cwd=new_project(tmp_path / "p"), capture_output=True, text=True, env=_env()
    )
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    for name in (
        "latex",
        "dvisvgm",
        "standalone.cls",
        "cairo",
        "manimpango",
        "typeset a formula",
        "cairo headers",
    ):
        assert re.search(rf"^ok\s+{re.escape(name)}\s", doctor.stdout, re.M), name
    hidden = _env(
        PATH=path_without(tmp_path, {"latex", "dvisvgm"}), PKG_CONFIG_LIBDIR=str(tmp_path), PKG_CONFIG_PATH=""
    )
    sick = run_pipeline(fixture_project.root, "doctor", env=hidden)
    assert sick.returncode == 1 and "Traceback" not in sick.stderr
    for name, package in [
        ("latex", "texlive-latex-base"),
        ("dvisvgm", "dvisvgm"),
        ("typeset a formula", ""),
        ("cairo headers", "libcairo2-dev"),
        ("pangocairo headers", "libpango1.0-dev"),
    ]:
        assert re.search(rf"^MISSING\s+{re.escape(name)}\s.*{re.escape(package)}", sick.stdout, re.M), name
    assert re.search(r"^ok\s+kpsewhich\s", sick.stdout, re.M), "what is there is still listed as there"
    assert "sudo apt-get install texlive-latex-base dvisvgm" in sick.stdout
    # The check tools/setup.sh runs before building pycairo and ManimPango, with the system Python.
    setup = subprocess.run(
        ["python3", str(ROOT / "src/circuit_clips/pipeline/doctor.py"), "--require", "setup"],
        capture_output=True,
        text=True,
        env=hidden,
    )
    assert setup.returncode == 1
    assert "libcairo2-dev libpango1.0-dev" in setup.stderr and len(setup.stderr.strip().splitlines()) == 1


# --- publishing onto a broken disk ---------------------------------------------------------


def test_a_file_where_the_published_folder_should_be_is_one_clear_line(fixture_project):
    out = fixture_project.output_dir(LOW)
    out.parent.mkdir(parents=True)
    out.write_bytes(b"not a folder")
    line = one_line_error(run_pipeline(fixture_project.root, "render", "short_clip", "--quality", "low"))
    assert f"could not publish short_clip into {out}" in line and "a file is in the way" in line
    assert out.read_bytes() == b"not a folder"


def _unshare() -> list[str] | None:
    """A command prefix that runs in a private mount namespace, or None where that is not allowed."""
    if shutil.which("unshare") is None:
        return None
    for prefix in (["unshare", "--mount"], ["unshare", "--map-root-user", "--mount"]):
        probe_run = subprocess.run(
            [*prefix, "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True
        )
        if probe_run.returncode == 0:
            return prefix
    return None


UNSHARE = _unshare()


@pytest.mark.skipif(UNSHARE is None, reason="cannot mount a tmpfs in a private mount namespace here")
@pytest.mark.parametrize("fault", ["disk full", "read-only"])
def test_publishing_onto_a_full_or_read_only_disk_keeps_the_previous_files(fixture_project, tmp_path, fault):
    """media/preview is a real 1 MiB tmpfs holding the previous files; then it is filled up
    (ENOSPC) or remounted read-only (EROFS, which binds root too), and the clip re-rendered."""
    out = fixture_project.output_dir(LOW)
    build_clip(fixture_project, "short_clip", LOW)
    previous = tmp_path / "previous"
    shutil.move(out, previous)
    out.mkdir()
    after = tmp_path / "after"
    after.mkdir()
    script = f"""
        set -e
        mount -t tmpfs -o size=1m tmpfs "{out}"
        cp -a "{previous}/." "{out}/"
        if [ "$FAULT" = "disk full" ]; then dd if=/dev/zero of="{out}/filler" bs=4k 2>/dev/null || true; fi
        if [ "$FAULT" = "read-only" ]; then mount -o remount,ro "{out}"; fi
        set +e
        "$PY" -m circuit_clips.pipeline render short_clip --quality low 2> "{tmp_path}/stderr"
        echo $? > "{tmp_path}/rc"
        cp -a "{out}/." "{after}/"
    """
    env = _env(FAULT=fault, PY=sys.executable)
    subprocess.run([*UNSHARE, "sh", "-c", script], cwd=fixture_project.root, env=env, check=True)
    result = subprocess.CompletedProcess(
        [], int((tmp_path / "rc").read_text()), "", (tmp_path / "stderr").read_text()
    )
    line = one_line_error(result)
    reason, advice = {
        "disk full": ("No space left on device", "free some disk space"),
        "read-only": ("Read-only file system", "writable file system"),
    }[fault]
    assert f"could not publish short_clip into {out}: {reason}" in line and advice in line
    assert "previous published files are unchanged" in line
    kept = snapshot(after)
    kept.pop("filler", None)
    assert kept == snapshot(previous), "the previous files, and nothing else (no .part files)"
