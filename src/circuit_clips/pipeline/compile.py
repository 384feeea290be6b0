"""The post's full video: every published clip joined into one MP4, without re-encoding.

``MathematicalFramework.mp4`` is the clips in storyboard order, their H.264 packets copied
as they are (timestamps moved to where each clip starts), so it looks exactly like the clips
and costs seconds, not a render. That only works when every clip was encoded with the same
settings (codec, profile, level, pixel format, size, frame rate and the decoder set-up, the
``avcC`` record); Manim encodes every clip of one quality alike, and anything else is refused
with the differing clips named.

Published beside it, all or nothing (like a clip, see :mod:`.publish`):

* ``MathematicalFramework.chapters.vtt``: a chapter per clip (cue identifier: the clip name,
  cue text: its title), for ``<track kind="chapters">``;
* ``MathematicalFramework.vtt``: every clip's captions, moved to where the clip starts;
* ``MathematicalFramework.png``: the poster, the video's last frame (the last clip's poster);
* the chapters inside the MP4 too: FFmpeg's MP4 muxer writes them both as a QuickTime chapter
  track (Apple players) and as a Nero ``chpl`` box (VLC, mpv, FFmpeg); browsers ignore both.

Chapter times are whole milliseconds, rounded *up*: a clip rarely starts on a whole millisecond
(632 frames at 15 fps end at 42133.33 ms), and a chapter rounded down would open on the last
frame of the clip before it. Captions keep the nearest millisecond.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from ..joining import join_videos
from .captions import Cue, read_vtt, shifted, to_webvtt
from .mp4 import tags
from .project import COMPILATION, Project, Quality
from .publish import PublishError, part_path, replace_with_manifest

__all__ = ["CompileError", "Chapter", "FULL_TITLE", "FULL_DESCRIPTION", "join_clips", "compile_video"]

#: The full video's title and description (its MP4 tags and manifest entry).
FULL_TITLE = "A Mathematical Framework for Transformer Circuits"
FULL_DESCRIPTION = "Every clip of the explainer in one video, a chapter per clip."


class CompileError(RuntimeError):
    """The clips cannot be joined (missing, or encoded differently); nothing was published."""


@dataclass(frozen=True)
class Chapter:
    """Where one clip sits in the joined video (seconds, exact)."""

    clip: str
    title: str
    start: Fraction
    end: Fraction

    @property
    def start_ms(self) -> int:
        """The chapter's start in whole milliseconds, rounded up: at or after the clip's first frame."""
        return math.ceil(self.start * 1000)

    @property
    def end_ms(self) -> int:
        return math.ceil(self.end * 1000)


def _settings(stream: av.video.stream.VideoStream) -> dict[str, object]:
    """What must be equal for two H.264 streams to be joined by copying their packets."""
    ctx = stream.codec_context
    return {
        "codec": ctx.name,
        "profile": ctx.profile,
        "pixel format": ctx.pix_fmt,
        "size": f"{ctx.width}x{ctx.height}",
        "frame rate": stream.guessed_rate,  # nominal: the average can be a hair off (see mp4.probe)
        "time base": stream.time_base,
        "decoder set-up (avcC)": bytes(ctx.extradata or b"").hex(),
    }


def _check_joinable(videos: dict[str, Path]) -> None:
    settings = {}
    for name, path in videos.items():
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise CompileError(f"{path} has no video stream")
            if container.streams.audio:
                raise CompileError(f"{path} has sound; joining clips with sound is not supported")
            settings[name] = _settings(container.streams.video[0])
    first, *others = settings
    for name in others:
        differ = [k for k, v in settings[first].items() if settings[name][k] != v]
        if differ:
            shown = [k for k in differ if k != "decoder set-up (avcC)"] or differ
            details = "; ".join(f"{k}: {settings[first][k]} vs {settings[name][k]}" for k in shown)
            raise CompileError(
                f"cannot join {first} and {name} without re-encoding, they differ in "
                f"{', '.join(differ)} ({details}). Render every clip at the same quality with "
                "the same encoder settings (make clips), then compile again."
            )


def join_clips(
    videos: dict[str, Path], dst: Path, *, titles: dict[str, str], metadata: dict[str, str]
) -> list[Chapter]:
    """Join ``videos`` (clip name -> MP4, in order) into ``dst`` by copying their packets.

    Each clip's timestamps are moved to start where the previous clip ends; ``dst`` is
    faststart, tagged with ``metadata``, and has a chapter per clip titled from ``titles``.
    Returns the chapters.
    """
    _check_joinable(videos)
    with av.open(str(dst), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        out.metadata.update(metadata)
        try:
            spans = join_videos(videos.values(), out)
        except ValueError as err:
            raise CompileError(str(err)) from None
        chapters = [
            Chapter(name, titles.get(name, name), start, end)
            for name, (start, end) in zip(videos, spans, strict=True)
        ]
        out.set_chapters(
            [
                {
                    "id": i,
                    "start": c.start_ms,
                    "end": c.end_ms,
                    "time_base": Fraction(1, 1000),
                    "metadata": {"title": c.title},
                }
                for i, c in enumerate(chapters, 1)
            ]
        )
    return chapters


def compile_video(project: Project, quality: Quality, clips: list[str] | None = None) -> Path:
    """Join the published ``clips`` (default: every clip, storyboard order) into the full video.

    Publishes ``MathematicalFramework.mp4``, ``.chapters.vtt``, ``.vtt`` and ``.png`` in the
    quality's output folder, all or nothing, then its manifest; returns the MP4's path.
    """
    out_dir = project.output_dir(quality)
    clips = project.clips() if clips is None else clips
    if not clips:
        raise CompileError(f"no clips to join: {project.scenes_dir} has no scene files")
    videos = {}
    for clip in clips:
        files = [out_dir / f"{clip}.{ext}" for ext in ("mp4", "png", "vtt")]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            raise CompileError(
                f"{clip} is not published in {out_dir} (missing {', '.join(missing)}): "
                f"run `make {clip}{'' if quality.name == 'high' else ' QUALITY=' + quality.name}` first"
            )
        videos[clip] = files[0]
    titles = {clip: tags(mp4).get("title") or clip for clip, mp4 in videos.items()}

    mp4 = out_dir / f"{COMPILATION}.mp4"
    finals = {ext: out_dir / f"{COMPILATION}.{ext}" for ext in ("chapters.vtt", "vtt", "png", "mp4")}
    parts = {final: part_path(final) for final in finals.values()}
    try:
        chapters = join_clips(
            videos, parts[mp4], titles=titles, metadata={"title": FULL_TITLE, "description": FULL_DESCRIPTION}
        )
        captions: list[Cue] = []
        for chapter in chapters:
            cues = shifted(read_vtt(out_dir / f"{chapter.clip}.vtt"), float(chapter.start))
            captions += [Cue(c.start, c.end, c.text) for c in cues]  # numbered anew: ids are unique
        parts[finals["vtt"]].write_text(to_webvtt(captions), encoding="utf-8")
        chapter_cues = [Cue(c.start_ms / 1000, c.end_ms / 1000, c.title, c.clip) for c in chapters]
        parts[finals["chapters.vtt"]].write_text(to_webvtt(chapter_cues, kind="chapters"), encoding="utf-8")
        shutil.copyfile(out_dir / f"{chapters[-1].clip}.png", parts[finals["png"]])
        replace_with_manifest(out_dir, parts)
    except OSError as err:
        for part in parts.values():
            part.unlink(missing_ok=True)
        raise PublishError(
            f"could not publish {COMPILATION} into {out_dir}: {err.strerror or err}. "
            "The previous published files are unchanged."
        ) from err
    except BaseException:
        for part in parts.values():
            part.unlink(missing_ok=True)
        raise
    return mp4
