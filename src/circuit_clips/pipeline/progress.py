"""How far renders have got, what each clip's last render took, the order renders start in,
and the live display of a set of renders.

* While Manim renders, :mod:`.manim_runner` counts its animations (``play`` and ``wait``) and
  frames into the working folder's ``progress`` file (:class:`Counter`, :func:`read_count`).
* After a render that finished, its totals and duration are kept in
  ``media/build/<quality>/<clip>.last.json`` (:func:`save_record`): the next render's bar and
  estimate come from there, and so does the order renders start in (:func:`render_order`:
  slowest first, so the last renders run side by side, not one long render alone on one core).
* :class:`Display` draws the renders of one ``make``: in a terminal, one line per clip being
  rendered and one for the whole set, updated in place (``rich``); in a log, a plain line per
  clip at its start, about every 10% and at its end.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .project import Project, Quality

__all__ = [
    "Record", "Counter", "read_count", "record_path", "load_record", "save_record",
    "estimated_seconds", "render_order", "Display", "STATE_DIR",
]  # fmt: skip

#: Environment variable naming the folder where renders say they started and ended (set by ``build``).
STATE_DIR = "CIRCUIT_CLIPS_STATE_DIR"


@dataclass(frozen=True)
class Record:
    """A finished render: its animations, its frames, and how long Manim took (wall seconds)."""

    plays: int
    frames: int
    seconds: float


class Counter:
    """The animations and frames a render has done, written to ``path`` at most every 0.2 s
    (and on every animation's end) as one fixed-width line, rewritten in place."""

    def __init__(self, path: Path) -> None:
        self.plays = 0
        self.frames = 0
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        self._written = 0.0

    def flush(self, *, force: bool = True) -> None:
        now = time.monotonic()
        if force or now - self._written >= 0.2:
            os.pwrite(self._fd, f"{self.plays:10d} {self.frames:12d}\n".encode(), 0)
            self._written = now


def read_count(path: Path) -> tuple[int, int] | None:
    """The (animations, frames) a :class:`Counter` last wrote to ``path``; ``None`` if none yet."""
    try:
        plays, frames = path.read_text().split()
        return int(plays), int(frames)
    except (OSError, ValueError):
        return None


def record_path(project: Project, clip: str, quality: Quality) -> Path:
    return project.media / "build" / quality.name / f"{clip}.last.json"


def load_record(project: Project, clip: str, quality: Quality) -> Record | None:
    try:
        data = json.loads(record_path(project, clip, quality).read_text())
        return Record(int(data["plays"]), int(data["frames"]), float(data["seconds"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_record(project: Project, clip: str, quality: Quality, record: Record) -> None:
    path = record_path(project, clip, quality)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(asdict(record)) + "\n")
    os.replace(tmp, path)


def estimated_seconds(project: Project, quality: Quality, clips: list[str]) -> dict[str, float]:
    """How long each clip's render should take: its last render's time, or, with no record,
    its scene file's size times the seconds per byte of the clips that have one (size alone
    when none has)."""
    records = {c: load_record(project, c, quality) for c in clips}
    sizes = {c: float(project.scene_file(c).stat().st_size) for c in clips}
    timed = [c for c in clips if records[c] is not None]
    per_byte = sum(records[c].seconds for c in timed) / sum(sizes[c] for c in timed) if timed else 1.0
    return {c: records[c].seconds if records[c] is not None else sizes[c] * per_byte for c in clips}


def render_order(project: Project, quality: Quality, clips: list[str]) -> list[str]:
    """``clips`` slowest first (by :func:`estimated_seconds`), equal ones by name."""
    seconds = estimated_seconds(project, quality, clips)
    return sorted(clips, key=lambda c: (-seconds[c], c))


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass
class _Clip:
    name: str
    record: Record | None
    estimate: float
    started: float | None = None
    ended: float | None = None
    failed: bool = False
    count: tuple[int, int] = (0, 0)
    reported: int = -1  # plain mode: the last tenth printed

    def fraction(self) -> float | None:
        if self.ended is not None:
            return 1.0
        if self.record is None:
            return None
        plays, frames = self.count
        if self.record.frames:
            return min(frames / self.record.frames, 0.99)
        return min(plays / self.record.plays, 0.99) if self.record.plays else None

    def done_text(self) -> str:
        plays, frames = self.count
        if self.record is None:
            return f"{frames} frames"
        return f"{frames}/{self.record.frames} frames"

    def left(self, now: float) -> str:
        f = self.fraction()
        if f is None or self.started is None:
            return "estimating"
        elapsed = now - self.started
        left = elapsed * (1 - f) / f if f > 0.1 else max(self.estimate - elapsed, 0)
        return f"{_clock(left)} left"


class Display:
    """Progress of the renders of ``clips`` (in the order they start): renders report into
    ``state_dir`` (``<clip>.state``: ``started``, then ``done`` or ``failed``) and their
    working folder's ``progress`` file; call :meth:`update` now and then, :meth:`close` at the end."""

    def __init__(
        self,
        project: Project,
        quality: Quality,
        clips: list[str],
        state_dir: Path,
        *,
        live: bool | None = None,
        stream=None,
    ) -> None:
        self.project, self.quality, self.state_dir = project, quality, state_dir
        self.stream = stream or sys.stdout
        estimates = estimated_seconds(project, quality, clips)
        self.clips = [_Clip(c, load_record(project, c, quality), estimates[c]) for c in clips]
        self.start = time.monotonic()
        self.live = self.stream.isatty() if live is None else live
        self._progress = None
        if self.live and self.clips:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description:<18}"), BarColumn(bar_width=20), TextColumn("{task.fields[done]}"),
                TimeElapsedColumn(), TextColumn("{task.fields[left]}"),
                console=Console(file=self.stream), refresh_per_second=4, transient=True,
            )  # fmt: skip
            self._whole = self._progress.add_task(
                "all clips", total=sum(estimates.values()) or 1, done="", left="estimating"
            )
            self._tasks: dict[str, int] = {}
            self._progress.start()

    def _poll(self, clip: _Clip, now: float) -> None:
        try:
            state = (self.state_dir / f"{clip.name}.state").read_text().split()
        except OSError:
            return
        if state and clip.started is None:
            clip.started = now
        if state and state[0] in ("done", "failed") and clip.ended is None:
            clip.ended, clip.failed = now, state[0] == "failed"
        if clip.ended is None:
            clip.count = (
                read_count(self.project.build_dir(clip.name, self.quality) / "progress") or clip.count
            )

    def update(self) -> None:
        now = time.monotonic()
        for clip in self.clips:
            before = (clip.started, clip.ended)
            self._poll(clip, now)
            if self._progress is not None:
                self._draw(clip, now, before)
            else:
                self._print(clip, now, before)
        if self._progress is not None:
            done = sum(c.estimate * (c.fraction() or 0) for c in self.clips if c.started is not None)
            finished = sum(c.ended is not None for c in self.clips)
            elapsed = now - self.start
            total = sum(c.estimate for c in self.clips)
            left = (
                f"{_clock(elapsed * (total - done) / done)} left"
                if done > 0 and elapsed > 2
                else "estimating"
            )
            self._progress.update(
                self._whole, completed=done, done=f"{finished}/{len(self.clips)} clips", left=left
            )

    def _draw(self, clip: _Clip, now: float, before: tuple) -> None:
        if clip.started is not None and before[0] is None and clip.ended is None:
            total = clip.record.frames if clip.record and clip.record.frames else None
            self._tasks[clip.name] = self._progress.add_task(
                clip.name, total=total, done="", left="estimating"
            )
        task = self._tasks.get(clip.name)
        if task is None:
            return
        if clip.ended is not None:
            self._progress.remove_task(task)
            del self._tasks[clip.name]
            mark = "failed" if clip.failed else "done"
            self._progress.console.print(f"{clip.name:<18} {mark} in {_clock(clip.ended - clip.started)}")
            return
        self._progress.update(task, completed=clip.count[1], done=clip.done_text(), left=clip.left(now))

    def _print(self, clip: _Clip, now: float, before: tuple) -> None:
        def say(text: str) -> None:
            print(f"{clip.name}: {text}", file=self.stream, flush=True)

        if clip.started is not None and before[0] is None:
            guess = f"~{_clock(clip.estimate)} last time" if clip.record else "estimating: no earlier render"
            say(f"started ({guess})")
        if clip.started is not None and clip.ended is None:
            f = clip.fraction()
            tenth = int(f * 10) if f is not None else int((now - clip.started) // 30)  # no record: every 30 s
            if tenth > clip.reported and tenth > 0:
                clip.reported = tenth
                say(
                    f"{round(f * 100)}% ({clip.done_text()}, {_clock(now - clip.started)}, {clip.left(now)})"
                    if f is not None
                    else f"{clip.done_text()}, {_clock(now - clip.started)}"
                )
        if clip.ended is not None and before[1] is None:
            say(
                f"{'failed' if clip.failed else 'done'} in {_clock(clip.ended - (clip.started or clip.ended))}"
            )

    def close(self) -> None:
        self.update()
        if self._progress is not None:
            self._progress.stop()
