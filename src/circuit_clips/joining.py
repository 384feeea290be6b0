"""Joining H.264 videos end to end by copying their packets: no re-encoding, seconds not minutes.

Used twice: to join a clip's partial movies (one per animation, see ``engine.frame_writer``) and
to join the clips into the post's full video (``pipeline.compile``). Both need the same care:

* each video starts where the previous one ends, by its *presentation* timestamps (a still hold
  may be stored as two frames far apart, so counting packets would be wrong);
* decoding timestamps must keep increasing across the seam. Every video begins with its
  B-frame delay (its first decoding timestamp two frames before its first picture), which can
  fall at or before the previous video's last one; such a timestamp is moved to one tick after
  it, as FFmpeg's muxer does. One tick is 1/15360 s here, so no picture moves.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import av

__all__ = ["join_videos"]


def join_videos(
    paths: Iterable[Path | str], out: av.container.OutputContainer
) -> list[tuple[Fraction, Fraction]]:
    """Copy the video packets of ``paths``, in order, into ``out`` (a new container), end to end.

    Returns each video's (start, end) in seconds. Raises ``ValueError`` for a video without
    frames or with another time base than the first (their timestamps could not be copied).
    """
    stream = None
    time_base = None
    offset = 0  # where the next video starts, in the common time base
    last_dts = None
    spans = []
    for path in paths:
        with av.open(str(path)) as inp:
            source = inp.streams.video[0]
            if stream is None:
                stream = out.add_stream_from_template(source)
                time_base = source.time_base
            elif source.time_base != time_base:
                raise ValueError(
                    f"{path}: time base {source.time_base}, not {time_base} like the videos before it"
                )
            packets = [p for p in inp.demux(source) if p.dts is not None and p.size]
            if not packets:
                raise ValueError(f"{path} has no video frames")
            start = min(p.pts for p in packets)
            end = max(p.pts + p.duration for p in packets)
            for packet in packets:
                packet.pts += offset - start
                packet.dts += offset - start
                if last_dts is not None and packet.dts <= last_dts:
                    packet.dts = last_dts + 1
                last_dts = packet.dts
                packet.stream = stream
                out.mux(packet)
        spans.append((offset * time_base, (offset + end - start) * time_base))
        offset += end - start
    return spans
