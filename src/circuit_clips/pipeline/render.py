"""Rendering one clip with Manim, in its own working folder, then publishing it.

Safe to run several at once (``make -j``) and to interrupt:

* every clip renders in its own working folder, so parallel renders share no Manim cache (they
  share typeset text only through a store of whole files, see :mod:`.typeset_cache`); a lock
  file per clip and quality makes a second render of the *same* clip wait;
* Manim runs in its own process group, which is stopped (SIGTERM, then SIGKILL) when the
  pipeline is interrupted or fails, and killed by the kernel if the pipeline itself is killed;
* a working folder whose render did not finish is emptied before the next render, so a
  partial movie or LaTeX file cut short is never reused from Manim's cache;
* every render uses the same seed (``--seed 0``) and ``PYTHONHASHSEED=0``.
"""

from __future__ import annotations

import ast
import ctypes
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import typeset_cache
from .manifest import MANIFEST, folder_lock, scene_text
from .manim_runner import PROGRESS
from .progress import STATE_DIR, Record, read_count, save_record
from .project import Project, Quality, UnknownClipError, class_name
from .publish import PublishError, part_path, publish_clip

__all__ = [
    "RenderError",
    "Interrupted",
    "SEED",
    "scene_classes",
    "check_scene_class",
    "clip_lock",
    "render_clip",
    "build_clip",
    "typeset_store",
]

#: The random seed of every render (``random`` and ``numpy.random``; Manim seeds both).
SEED = 0


class RenderError(RuntimeError):
    """Manim failed to render a clip."""


class Interrupted(KeyboardInterrupt):
    """SIGTERM (or another terminating signal) arrived; raised like Ctrl-C's KeyboardInterrupt."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def scene_classes(scene_file: Path) -> list[str]:
    """The names of the classes defined at the top level of a scene file."""
    try:
        tree = ast.parse(scene_file.read_text(encoding="utf-8"), filename=str(scene_file))
    except SyntaxError as err:
        raise RenderError(f"{scene_file}, line {err.lineno}: {err.msg}") from None
    return [node.name for node in tree.body if isinstance(node, ast.ClassDef)]


def check_scene_class(project: Project, clip: str) -> str:
    """The clip's Scene class name, after checking its scene file defines it."""
    scene_file = project.scene_file(clip)
    expected = class_name(clip)
    found = scene_classes(scene_file)
    if expected not in found:
        raise UnknownClipError(
            f"{scene_file} must define class {expected} (the clip name in CamelCase); "
            f"it defines: {', '.join(found) or 'no classes'}"
        )
    return expected


def _manim_dies_with(parent: int) -> None:
    """In Manim's process, before it starts: be killed by the kernel if ``parent`` dies first.

    The pipeline stops Manim itself when it is interrupted; this covers SIGKILL, which it
    cannot catch (Linux only; elsewhere an orphaned Manim finishes on its own).
    """
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
        if os.getppid() != parent:  # the pipeline died before prctl took effect
            os._exit(1)


_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None) if sys.platform.startswith("linux") else None


def _stop(proc: subprocess.Popen) -> None:
    """Stop Manim and everything it started (its process group): SIGTERM, then SIGKILL after 5 s.

    Runs with SIGINT/SIGTERM held, so a second Ctrl-C cannot leave Manim running.
    """
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        for sig, grace in ((signal.SIGTERM, 5.0), (signal.SIGKILL, None)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def render_clip(project: Project, clip: str, quality: Quality, *, manim_args: list[str] = ()) -> Path:
    """Render ``clip`` with Manim into its working folder and return the MP4's path.

    The working folder (``media/build/<quality>/<clip>``) is Manim's ``media_dir`` for this
    render alone, seeded with the typeset text other renders finished (:mod:`.typeset_cache`)
    and adding its own to that store when it succeeds. If the
    previous render there did not finish (interrupted, killed, or the scene raised), the folder
    is emptied first: Manim would otherwise reuse a partial movie or SVG that was cut short.
    Manim runs in its own process group; if this function is interrupted (KeyboardInterrupt,
    :class:`Interrupted`), that group is stopped before the exception goes on.
    """
    scene_file = project.scene_file(clip)
    cls = check_scene_class(project, clip)
    work, out = _working_folder(project, clip, quality)
    unfinished = work / ".unfinished"
    cmd = [
        sys.executable, "-m", "circuit_clips.pipeline.manim_runner", "render",
        "-q", quality.flag,
        "--media_dir", str(work),
        "-o", str(out),
        "--progress_bar", "none",
        "-v", "WARNING",
        "--seed", str(SEED),
        "--disable_caching",  # make decides what is stale; Manim's per-play hashing only costs time
        *manim_args,
        str(scene_file), cls,
    ]  # fmt: skip
    progress = work / "progress"
    progress.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONHASHSEED": "0", PROGRESS: str(progress)}
    parent = os.getpid()
    _say(clip, "started")
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=project.root, env=env, start_new_session=True, preexec_fn=lambda: _manim_dies_with(parent)
    )
    try:
        returncode = proc.wait()
    finally:
        if proc.returncode is None:  # interrupted while Manim runs
            _stop(proc)
        _say(clip, "done" if proc.returncode == 0 and out.is_file() else "failed")
    if returncode < 0:
        raise RenderError(
            f"manim was killed by {signal.Signals(-returncode).name} while rendering {clip} ({scene_file})"
        )
    if returncode != 0:
        raise RenderError(f"manim failed to render {clip} ({scene_file}, exit code {returncode})")
    if not out.is_file():
        raise RenderError(f"manim finished {clip} but wrote no video at {out}")
    unfinished.unlink()
    _keep_for_later(project, clip, quality, work, read_count(progress) or (0, 0), time.monotonic() - started)
    return out


def _working_folder(project: Project, clip: str, quality: Quality) -> tuple[Path, Path]:
    """``clip``'s working folder, emptied if its last render did not finish, marked unfinished
    and seeded with the shared typeset text; and the path Manim writes the video to."""
    work = project.build_dir(clip, quality)
    unfinished = work / ".unfinished"
    if unfinished.exists():
        shutil.rmtree(work)
    out = work / "out" / f"{clip}.mp4"
    shutil.rmtree(out.parent, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    unfinished.touch()
    store = typeset_store(project)
    try:  # (after marking the folder unfinished: a copy cut short is wiped with it)
        typeset_cache.seed(store, work)
    except OSError as err:  # only this render's speed depends on it
        print(f"{clip}: could not reuse the typeset text in {store}: {err.strerror or err}", file=sys.stderr)
    return work, out


def _keep_for_later(
    project: Project, clip: str, quality: Quality, work: Path, count: tuple[int, int], seconds: float
) -> None:
    """After a render: record its size and time (the next render's estimate) and share its
    typeset text with later renders; neither is needed for this render, so failures only warn."""
    plays, frames = count
    try:
        save_record(project, clip, quality, Record(plays, frames, round(seconds, 2)))
    except OSError as err:
        print(f"{clip}: could not record its render time: {err.strerror or err}", file=sys.stderr)
    store = typeset_store(project)
    try:
        typeset_cache.collect(work, store)
    except OSError as err:
        print(f"{clip}: could not share its typeset text in {store}: {err.strerror or err}", file=sys.stderr)


def _say(clip: str, state: str) -> None:
    """Tell ``build``'s progress display (if any: ``$CIRCUIT_CLIPS_STATE_DIR``) that the
    render of ``clip`` has ``started``, is ``done`` or has ``failed``."""
    folder = os.environ.get(STATE_DIR)
    if folder:
        try:
            Path(folder, f"{clip}.state").write_text(f"{state}\n")
        except OSError:
            pass  # only the display depends on it


def typeset_store(project: Project) -> Path:
    """The typeset text every clip and quality shares (see :mod:`.typeset_cache`)."""
    return project.media / "build" / "typeset"


@contextmanager
def clip_lock(project: Project, clip: str, quality: Quality) -> Iterator[None]:
    """Hold the lock of one clip at one quality, for its whole render and publish.

    A second render of the same clip (say, ``make`` in two terminals) waits here for the first
    to finish instead of sharing its working folder and temporary files. The lock is an
    ``flock`` on ``media/build/<quality>/<clip>.lock``, which the kernel releases when the
    process ends, however it ends.
    """
    path = project.build_dir(clip, quality).with_name(f"{clip}.lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as err:
        raise RenderError(f"cannot create the lock file {path}: {err.strerror or err}") from err
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
            print(
                f"{clip} ({quality.name}) is being rendered by process {holder}: waiting for it to finish",
                file=sys.stderr,
                flush=True,
            )
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def _remove_stale_parts(out_dir: Path, clip: str) -> None:
    """Remove the temporary files a killed publish of ``clip`` left (``.NAME.ext.part``), and a
    stale ``.manifest.json.part`` (with the folder locked: a live one is another publish's)."""
    parts = [part_path(out_dir / f"{clip}.{ext}") for ext in ("png", "vtt", "mp4")]
    manifest_part = part_path(out_dir / MANIFEST)
    try:
        for part in parts:
            if os.path.lexists(part):  # (unlinking a missing file is EROFS on a read-only disk)
                part.unlink()
        if os.path.lexists(manifest_part):
            with folder_lock(out_dir):
                manifest_part.unlink(missing_ok=True)
    except OSError as err:
        raise PublishError(
            f"cannot remove a stale temporary file in {out_dir}: {err.strerror or err}"
        ) from err


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


def build_clip(project: Project, clip: str, quality: Quality, *, manim_args: list[str] = ()) -> Path:
    """Render ``clip`` and publish it into the quality's output folder; returns the published MP4.

    Holds the clip's :func:`clip_lock` throughout and first removes temporary files a killed
    earlier publish left. Interrupted, it says whether the clip was published, and re-raises.

    The scene class's ``title`` and ``description`` (read from the scene file, not imported;
    the title falls back to the clip name) are tagged into the MP4 and listed in the manifest.
    """
    out_dir = project.output_dir(quality)
    with clip_lock(project, clip, quality):
        published_before = _identity(out_dir / f"{clip}.mp4")
        try:
            _remove_stale_parts(out_dir, clip)
            title, description = scene_text(project.scene_file(clip), class_name(clip))
            rendered = render_clip(project, clip, quality, manim_args=manim_args)
            return publish_clip(
                rendered, project.output_dir(quality), clip, title=title or clip, description=description
            )
        except KeyboardInterrupt as err:
            now = _identity(out_dir / f"{clip}.mp4")
            what = getattr(err, "signum", None) and signal.Signals(err.signum).name or "SIGINT"
            if now is not None and now != published_before:
                print(f"{clip}: interrupted ({what}) just after it was published", file=sys.stderr)
            else:
                print(
                    f"{clip}: interrupted ({what}), not published: {out_dir} keeps its previous files",
                    file=sys.stderr,
                )
            raise
