"""``make``, ``make clips`` and ``make preview``: the stale clips rendered on every core, with
live progress, then (for ``make``) the full video, the page and a closing summary.

``python -m circuit_clips.pipeline build --quality Q --goal all|clips`` is what those targets
run. Make still decides what is stale and how to render it: this asks it (``make -q``) which
clips' MP4s are missing or older than their sources, then runs ``make -jN`` on those MP4s,
slowest first (:func:`.progress.render_order`), with its output kept aside while
:class:`.progress.Display` shows the renders; a failure's output is shown in full after.
``N`` is the user's own ``-j`` if they gave one (make's job server is passed on), else every
core, as many as memory allows (:func:`default_jobs`).

SIGTERM is passed on to the inner make (which passes it on to the renders); Ctrl-C reaches
them all from the terminal. Either way this waits for make, then ends by the same signal.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .manifest import read_manifest
from .progress import STATE_DIR, Display, render_order
from .project import COMPILATION, Project, Quality

__all__ = ["MIB_PER_RENDER", "default_jobs", "user_jobs", "without_always_make", "build", "summary"]

#: Memory one render takes at most (MiB): a 1080p60 render peaks near 600 MiB, 480p15 near 300.
MIB_PER_RENDER = {"high": 600, "low": 300}

#: Set for the inner make, so its ``all``/``clips`` are make's own rules, not this again.
INNER = "CIRCUIT_CLIPS_INNER"


def _mem_available_mib() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def default_jobs(quality: Quality, *, cores: int | None = None, mem_mib: int | None = None) -> int:
    """Renders at once: one per core, as many as the available memory holds, at least one."""
    cores = cores or len(os.sched_getaffinity(0))
    mem_mib = _mem_available_mib() if mem_mib is None else mem_mib
    fits = cores if mem_mib is None else mem_mib // MIB_PER_RENDER[quality.name]
    return max(1, min(cores, fits))


def user_jobs(makeflags: str) -> bool:
    """Whether the user gave make a ``-j`` (make puts it in ``MAKEFLAGS`` for its recipes)."""
    flags = makeflags.split(" -- ")[0].split()
    return any(re.fullmatch(r"-j\d*", f) for f in flags)


def without_always_make(makeflags: str) -> str:
    """``MAKEFLAGS`` without ``-B`` (make lists its one-letter flags first, as one word)."""
    words = makeflags.split(" ")
    if words and words[0] and not words[0].startswith("-"):
        words[0] = words[0].replace("B", "")
    return " ".join(words)


def _jobserver_fds(makeflags: str) -> tuple[int, ...]:
    found = re.search(r"--jobserver-auth=(\d+),(\d+)", makeflags)
    return tuple(int(fd) for fd in found.groups()) if found else ()


def _out(quality: Quality, clip: str) -> str:
    return f"media/{quality.folder}/{clip}.mp4"  # as the Makefile names it


def stale(project: Project, quality: Quality, clips: list[str], make: list[str], env: dict) -> list[str]:
    """The clips whose MP4 make would render (``make -q`` says it is not up to date)."""
    return [
        c for c in clips
        if subprocess.run([*make, "-q", _out(quality, c)], cwd=project.root, env=_quiet(env), capture_output=True).returncode
    ]  # fmt: skip


def _quiet(env: dict) -> dict:
    """``env`` for a ``make -q``: without the job server, which it does not need."""
    return {**env, "MAKEFLAGS": re.sub(r"\s-j\d*|\s--jobserver-\S+", "", env.get("MAKEFLAGS", ""))}


def build(project: Project, quality: Quality, goal: str, make: list[str] | None = None) -> int:
    """Render the stale clips (and, for goal ``all``, the full video and page, then print the
    summary); returns make's exit code."""
    started = time.monotonic()
    make = [*(make or ["make"]), "--no-print-directory", f"QUALITY={quality.name}"]
    env = {**os.environ, INNER: "1"}
    makeflags = env.get("MAKEFLAGS", "")
    clips = render_order(project, quality, project.clips())
    if not clips:
        print(f"no clips: add a scene file {project.scenes_dir}/NAME.py (see the README)", file=sys.stderr)
        return 2
    todo = stale(project, quality, clips, make, env)
    jobs = [] if user_jobs(makeflags) else [f"-j{default_jobs(quality)}"]
    code = 0
    if todo:
        n = "your -j" if not jobs else f"{jobs[0][2:]} at once"
        print(
            f"rendering {len(todo)} of {len(clips)} clips ({quality.name} quality, {n}): {', '.join(todo)}",
            flush=True,
        )
        code = _run_renders(project, quality, todo, [*make, *jobs, *(_out(quality, c) for c in todo)], env)
    else:
        print(f"all {len(clips)} clips are up to date ({quality.name} quality)", flush=True)
    if code == 0 and goal == "all":
        targets = [
            _out(quality, COMPILATION),
            "media/index.html" if quality.name == "high" else "media/preview.html",
        ]
        # (without -B: under `make -B` it would render every clip again, as the full video's prerequisite)
        once = {**env, "MAKEFLAGS": without_always_make(makeflags)}
        sys.stdout.flush()
        if subprocess.run(
            [*make, "-q", *targets], cwd=project.root, env=_quiet(once), capture_output=True
        ).returncode:
            code = _wait(_make([*make, *targets], project, once))  # a few lines: what it joined and wrote
        if code == 0:
            print(summary(project, quality, time.monotonic() - started), flush=True)
    return code


def _run_renders(project: Project, quality: Quality, todo: list[str], cmd: list[str], env: dict) -> int:
    with tempfile.TemporaryDirectory(prefix="progress-", dir=_scratch(project)) as state:
        env = {**env, STATE_DIR: state}
        with open(Path(state, "make.out"), "w+") as out, open(Path(state, "make.err"), "w+") as err:
            proc = _make(cmd, project, env, stdout=out, stderr=err)
            display = Display(project, quality, todo, Path(state))
            try:
                code = _wait(proc, display.update)
            finally:
                display.close()
                out.seek(0)
                err.seek(0)
                made, errors = out.read(), err.read()
            if code != 0:  # the failure in full, after the progress
                sys.stdout.write(made)
                sys.stderr.write(errors)
            elif errors.strip():  # warnings
                sys.stderr.write(errors)
    return code


def _make(cmd: list[str], project: Project, env: dict, **kwargs) -> subprocess.Popen:
    """Start the inner make, with the user's make job server (if any) passed on."""
    return subprocess.Popen(cmd, cwd=project.root, env=env, pass_fds=_jobserver_fds(env.get("MAKEFLAGS", "")),
                            preexec_fn=_stop_with_parent, **kwargs)  # fmt: skip


def _stop_with_parent() -> None:
    """In the inner make: get SIGTERM from the kernel if ``build`` is killed (``kill -9``)."""
    from .render import _PR_SET_PDEATHSIG, _libc

    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


def _scratch(project: Project) -> Path:
    folder = project.media / "build"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _wait(proc: subprocess.Popen, tick=None) -> int:
    """Wait for ``proc``; on SIGTERM pass it on and keep waiting, then end by it."""
    got: list[int] = []

    def on_signal(signum, frame):
        got.append(signum)
        if signum == signal.SIGTERM and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    handlers = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while proc.poll() is None:
            if tick is not None:
                tick()
            try:
                proc.wait(timeout=0.25)
            except subprocess.TimeoutExpired:
                pass
    finally:
        for s, h in handlers.items():
            signal.signal(s, h)
    if got:
        raise KeyboardInterrupt(got[0]) if got[0] == signal.SIGINT else _interrupted(got[0])
    return proc.returncode


def _interrupted(signum: int) -> KeyboardInterrupt:
    from .render import Interrupted

    return Interrupted(signum)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def summary(project: Project, quality: Quality, took: float, port: int = 8000) -> str:
    """What ``make`` published, how long it took, and what to do next."""
    folder = project.output_dir(quality)
    manifest = read_manifest(folder)
    rows = list(manifest["clips"]) + ([manifest["full_video"]] if manifest.get("full_video") else [])
    width = max((len(e["mp4"]) for e in rows), default=10)
    lines = [f"Published in {folder.relative_to(project.root) if folder.is_relative_to(project.root) else folder}/ "
             f"({quality.width}x{quality.height}, {quality.fps} fps):"]  # fmt: skip
    for e in rows:
        lines.append(f"  {e['mp4']:<{width}}  {_clock(e['duration']):>12}  {_size(e['size']):>8}")
    total = sum(p.stat().st_size for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    clips_time = sum(e["duration"] for e in manifest["clips"])
    lines.append(f"  {len(manifest['clips'])} clips, {_clock(clips_time)} of video; "
                 f"{total / 1e6:.1f} MB in all, with posters, captions and manifest")  # fmt: skip
    lines.append(f"Took {_clock(took)}.")
    page = "index.html" if quality.name == "high" else "preview.html"
    lines.append("Next:")
    lines.append(f"  make serve{'' if quality.name == 'high' else ' QUALITY=low'}   "
                 f"then open http://127.0.0.1:{port}/{page} (every video as the post embeds it, with the HTML to paste)")  # fmt: skip
    lines.append(f"  copy {folder.relative_to(project.root) if folder.is_relative_to(project.root) else folder}/ "
                 "to your site's /videos/ folder")  # fmt: skip
    return "\n".join(lines)
