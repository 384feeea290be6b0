"""Publishing a rendered clip: a faststart MP4, its poster and its captions, all or nothing.

Every file is first written beside its final name (``.NAME.ext.part``) and only renamed
into place once all of them are complete; the renames run with SIGINT/SIGTERM held back,
so an interrupted publish leaves the previous good set or the new one, never a mixture.
"""

from __future__ import annotations

import os
import signal
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

from .captions import read_srt, to_webvtt
from .mp4 import last_frame, remux_faststart

__all__ = ["PublishError", "publish_clip", "replace_all", "part_path"]


class PublishError(RuntimeError):
    """Publishing failed; the previous published files are untouched."""


def part_path(final: Path) -> Path:
    """The temporary name a file is written under before it is renamed to ``final``."""
    return final.with_name(f".{final.name}.part")


@contextmanager
def _signals_held():
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def replace_all(parts: dict[Path, Path]) -> None:
    """Rename each temporary file onto its final path, uninterrupted by SIGINT/SIGTERM.

    ``parts`` maps final path -> temporary path; the last entry is renamed last (put the file
    that marks the set as complete, such as the MP4 a Makefile watches, last).
    """
    with _signals_held():
        for final, part in parts.items():
            os.replace(part, final)


def publish_clip(rendered: Path, out_dir: Path, name: str) -> Path:
    """Publish ``rendered`` (an MP4 with an optional ``.srt`` beside it) as ``out_dir/name.*``.

    Writes ``name.mp4`` (faststart, stream copy), ``name.png`` (the last frame: the poster)
    and ``name.vtt`` (the captions), and returns the MP4's path.
    """
    mp4 = out_dir / f"{name}.mp4"
    finals = [out_dir / f"{name}.png", out_dir / f"{name}.vtt", mp4]
    parts = {final: part_path(final) for final in finals}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        Image.fromarray(last_frame(rendered)).save(parts[finals[0]], format="PNG")
        cues = read_srt(rendered.with_suffix(".srt"))
        parts[finals[1]].write_text(to_webvtt(cues), encoding="utf-8")
        remux_faststart(rendered, parts[mp4])
        replace_all(parts)
    except OSError as err:
        for part in parts.values():
            part.unlink(missing_ok=True)
        raise PublishError(
            f"could not publish {name} into {out_dir}: {err.strerror or err}. "
            "The previous published files are unchanged; free some disk space or make the "
            "folder writable, then run make again."
        ) from err
    except BaseException:
        for part in parts.values():
            part.unlink(missing_ok=True)
        raise
    return mp4
