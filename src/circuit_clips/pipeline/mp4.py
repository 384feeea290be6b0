"""Reading and rewriting MP4 files: their real properties, faststart, and their frames."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

__all__ = [
    "VideoInfo",
    "probe",
    "top_level_boxes",
    "remux_faststart",
    "frames_at",
    "last_frame",
    "codecs_parameter",
    "tags",
]


@dataclass(frozen=True)
class VideoInfo:
    """What a browser cares about in an MP4."""

    codec: str
    profile: str | None
    pixel_format: str
    width: int
    height: int
    fps: Fraction
    frames: int  # frame periods the video lasts (duration x fps): what a player shows
    duration: float
    stored_frames: int  # compressed frames in the file: fewer when still holds are stored once
    faststart: bool

    @property
    def web_ready(self) -> bool:
        return self.codec == "h264" and self.pixel_format == "yuv420p" and self.faststart


def top_level_boxes(path: Path) -> list[str]:
    """The types of an MP4 file's top-level boxes, in file order (``ftyp``, ``moov``, ``mdat``...)."""
    boxes = []
    with open(path, "rb") as f:
        while header := f.read(8):
            if len(header) < 8:
                break
            size, kind = struct.unpack(">I4s", header)
            boxes.append(kind.decode("latin-1"))
            if size == 1:
                size = struct.unpack(">Q", f.read(8))[0]
                f.seek(size - 16, 1)
            elif size == 0:
                break
            else:
                f.seek(size - 8, 1)
    return boxes


def _is_faststart(path: Path) -> bool:
    boxes = top_level_boxes(path)
    return "moov" in boxes and "mdat" in boxes and boxes.index("moov") < boxes.index("mdat")


def probe(path: Path | str) -> VideoInfo:
    """Open ``path`` and report its video stream, timed by its packets' timestamps.

    A still hold may be stored as two frames (see ``circuit_clips.engine.frame_writer``), so
    ``frames`` counts frame periods from the first frame's start to the last one's end, and
    ``stored_frames`` the frames actually in the file.
    """
    path = Path(path)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        ctx = stream.codec_context
        packets = [(p.pts, p.duration) for p in container.demux(stream) if p.size]
        # The nominal rate: Manim's joined partial movies can leave one frame a few ticks short,
        # which moves the average rate (frames / duration) off 15 or 60 by a hair.
        rate = stream.guessed_rate or stream.average_rate
        fps = Fraction(rate) if rate else Fraction(0)
        if packets and stream.time_base is not None:
            start = min(pts for pts, _ in packets)
            end = max(pts + duration for pts, duration in packets)
            span = (end - start) * stream.time_base
            frames = round(span * fps)
        else:
            span, frames = Fraction(0), 0
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        else:
            duration = float(span)
        return VideoInfo(
            codec=ctx.name,
            profile=ctx.profile,
            pixel_format=ctx.pix_fmt or "",
            width=ctx.width,
            height=ctx.height,
            fps=fps,
            frames=frames,
            duration=duration,
            stored_frames=len(packets),
            faststart=_is_faststart(path),
        )


def remux_faststart(src: Path, dst: Path, metadata: dict[str, str] | None = None) -> None:
    """Copy ``src`` into ``dst`` without re-encoding, with the ``moov`` atom first.

    ``metadata`` become the file's tags (``title`` and ``description`` are the ones players show).
    """
    with (
        av.open(str(src)) as inp,
        av.open(str(dst), "w", format="mp4", options={"movflags": "+faststart"}) as out,
    ):
        out.metadata.update(metadata or {})
        streams = {}
        for s in inp.streams:
            if s.type in ("video", "audio"):
                streams[s.index] = out.add_stream_from_template(s)
        for packet in inp.demux(*[inp.streams[i] for i in streams]):
            if packet.dts is None:
                continue
            packet.stream = streams[packet.stream.index]
            out.mux(packet)


def codecs_parameter(path: Path | str) -> str:
    """The RFC 6381 ``codecs`` value of the video stream, e.g. ``avc1.64002a`` (H.264 High, level 4.2).

    Read from the stream's ``avcC`` record (profile, constraint flags, level): the value a
    ``<source type='video/mp4; codecs="..."'>`` needs so a browser can tell before downloading.
    """
    with av.open(str(path)) as container:
        ctx = container.streams.video[0].codec_context
        extradata = ctx.extradata or b""
        if ctx.name != "h264" or len(extradata) < 4 or extradata[0] != 1:
            raise ValueError(f"{path}: not an H.264 stream with an avcC record")
        return "avc1." + extradata[1:4].hex()


def tags(path: Path | str) -> dict[str, str]:
    """The file's container tags (``title``, ``description``, ``encoder``...)."""
    with av.open(str(path)) as container:
        return dict(container.metadata)


def frames_at(path: Path | str, times: list[float]) -> Iterator[np.ndarray]:
    """Decode the frames showing at each of ``times`` (seconds, ascending) as RGB arrays."""
    pending = sorted(times)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        previous = None
        for frame in container.decode(stream):
            t = float(frame.pts * stream.time_base)
            while pending and t > pending[0] + 1e-9 and previous is not None:
                yield previous
                pending.pop(0)
            if not pending:
                return
            previous = frame.to_ndarray(format="rgb24")
        while pending and previous is not None:
            yield previous
            pending.pop(0)


def last_frame(path: Path | str) -> np.ndarray:
    """The final frame of a video, as an RGB array."""
    with av.open(str(path)) as container:
        frame = None
        for frame in container.decode(container.streams.video[0]):  # noqa: B007 (keeps the last)
            pass
        if frame is None:
            raise ValueError(f"{path} has no video frames")
        return frame.to_ndarray(format="rgb24")
