"""Publishing a rendered clip: a faststart MP4, its poster and its captions, all or nothing.

The folder's ``manifest.json`` (see :mod:`.manifest`) is rebuilt in the same step and renamed
in last, with the folder locked, so it always lists exactly the published videos.

Every file is first written beside its final name (``.NAME.ext.part``) and only renamed
into place once all of them are complete; the renames run with SIGINT/SIGTERM held back,
so an interrupted publish leaves the previous good set or the new one, never a mixture.
"""

from __future__ import annotations

import errno
import os
import signal
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

from .captions import read_srt, to_webvtt
from .manifest import MANIFEST, build_manifest, folder_lock, write_manifest
from .mp4 import last_frame, remux_faststart

__all__ = ["PublishError", "publish_clip", "replace_all", "replace_with_manifest", "part_path"]


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


def replace_with_manifest(out_dir: Path, parts: dict[Path, Path]) -> None:
    """:func:`replace_all` ``parts``, then the folder's rebuilt ``manifest.json``, folder locked.

    The manifest's temporary file is added to ``parts`` (so a caller cleaning up ``parts``
    after an error removes it too).
    """
    manifest = out_dir / MANIFEST
    with folder_lock(out_dir):
        parts[manifest] = part_path(manifest)
        write_manifest(parts[manifest], build_manifest(out_dir, parts))
        replace_all(parts)


def publish_clip(rendered: Path, out_dir: Path, name: str, *, title: str = "", description: str = "") -> Path:
    """Publish ``rendered`` (an MP4 with an optional ``.srt`` beside it) as ``out_dir/name.*``.

    Writes ``name.mp4`` (faststart, stream copy, tagged with ``title`` (default: ``name``)
    and ``description``), ``name.png`` (the last frame: the poster) and ``name.vtt`` (the
    captions), then the folder's ``manifest.json``, and returns the MP4's path.
    """
    mp4 = out_dir / f"{name}.mp4"
    finals = [out_dir / f"{name}.png", out_dir / f"{name}.vtt", mp4]
    parts = {final: part_path(final) for final in finals}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        Image.fromarray(last_frame(rendered)).save(parts[finals[0]], format="PNG")
        cues = read_srt(rendered.with_suffix(".srt"))
        parts[finals[1]].write_text(to_webvtt(cues), encoding="utf-8")
        remux_faststart(rendered, parts[mp4], metadata={"title": title or name, "description": description})
        replace_with_manifest(out_dir, parts)
    except OSError as err:
        _remove_parts(parts)
        raise PublishError(_failure(name, out_dir, err)) from err
    except BaseException:
        _remove_parts(parts)
        raise
    return mp4


def _remove_parts(parts: dict[Path, Path]) -> None:
    """Remove the temporary files, held against a second Ctrl-C (the next render would anyway)."""
    with _signals_held():
        for part in parts.values():
            try:
                part.unlink(missing_ok=True)
            except OSError:
                pass  # e.g. a read-only folder, where no part could be written either


def _failure(name: str, out_dir: Path, err: OSError) -> str:
    """One line: what failed, on which file, that nothing changed, and what to do."""
    advice = {
        errno.ENOSPC: "free some disk space",
        errno.EDQUOT: "free some disk space (the disk quota is used up)",
        errno.EROFS: "publish onto a writable file system",
        errno.EACCES: "make the folder writable",
        errno.EPERM: "make the folder writable",
        errno.ENOTDIR: f"make {out_dir} a folder (a file is in the way)",
        errno.EEXIST: f"make {out_dir} a folder (a file is in the way)",
    }.get(err.errno, "free some disk space or make the folder writable")
    where = f" ({err.filename})" if err.filename else ""
    return (
        f"could not publish {name} into {out_dir}: {err.strerror or err}{where}. "
        f"The previous published files are unchanged; {advice}, then run make again."
    )
