"""Writing frames faster: a still hold is stored as its first and last frame, not every copy.

Manim writes a still hold (a ``wait`` with nothing moving) as the same RGBA frame ``n`` times,
converting it to YUV 4:2:0 and running the H.264 encoder on every copy; many of the clips'
frames are such holds (the captions need reading time), and x264 spends nearly as long on a
repeated frame as on a new one (``docs/performance.md``).

Here a hold is converted once and encoded twice: at its first frame's time and at its last
frame's time. A player shows the first until the second is due, so every moment of the video
shows exactly the picture Manim's encoder would show (tested frame by frame, losslessly), the
running time is unchanged, and the hold's middle frames cost nothing. The stream keeps its
frame rate as its time base; only the stored frames thin out (variable frame rate, which
browsers and MP4 handle by timestamps).

Manim joins the partial movies with decoding timestamps it lets FFmpeg guess from the order
of the packets, which goes wrong when frames are this far apart (the last hold of a clip
would end seconds early); :class:`HoldOnceFileWriter` joins them by their own timestamps
(:func:`circuit_clips.joining.join_videos`).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from manim import __version__ as manim_version
from manim.scene.scene_file_writer import SceneFileWriter
from manim.scene.video_segment_encoder import VideoSegmentEncoder

from ..joining import join_videos

__all__ = ["HoldOnceSegmentEncoder", "HoldOnceFileWriter"]


class HoldOnceSegmentEncoder(VideoSegmentEncoder):
    """Manim's segment encoder, storing a repeated frame at its first and last time only.

    It also copies each frame into one RGBA frame it keeps, instead of a new frame per picture
    (``VideoFrame.from_ndarray``): the same pixels, without allocating a frame each time.
    """

    _rgba: av.VideoFrame | None = None

    def _rgba_frame(self, pixels: np.ndarray) -> av.VideoFrame:
        if self._rgba is None:
            self._rgba = av.VideoFrame(self.spec.width, self.spec.height, "rgba")
            plane = self._rgba.planes[0]
            self._rgba_rows = np.frombuffer(plane, np.uint8).reshape(self.spec.height, plane.line_size)
        self._rgba_rows[:, : self.spec.width * 4] = pixels.reshape(self.spec.height, -1)
        return self._rgba

    def write_frame(self, pixels, *, repeat: int = 1) -> None:
        self._validate_frame(pixels, repeat)
        first = self._next_pts
        self._next_pts += repeat
        # The last copy too, so the hold lasts to its end even when it ends the segment
        # (a stored frame lasts until the next one; the segment's last lasts one frame).
        times = (first,) if repeat == 1 else (first, first + repeat - 1)
        time_base = Fraction(self.spec.frame_rate.denominator, self.spec.frame_rate.numerator)
        try:
            frame = self._rgba_frame(pixels).reformat(format=self.spec.pixel_format)
            frame.time_base = time_base
            for pts in times:
                frame.pts = pts  # the encoder keeps its own reference with this pts
                for packet in self._stream.encode(frame):
                    self._container.mux(packet)
        except BaseException as error:
            raise self._operation_error("encode", error) from error


class HoldOnceFileWriter(SceneFileWriter):
    """Manim's file writer with :class:`HoldOnceSegmentEncoder` for every partial movie, joined
    by their timestamps."""

    def _create_segment_encoder(self, target: Path) -> VideoSegmentEncoder:
        if self.video_encoder is None:
            raise RuntimeError("Video segment encoding requires resolved settings.")
        return HoldOnceSegmentEncoder(target=target, spec=self.video_encoder)

    def combine_files(
        self, input_files, output_file: Path, create_gif: bool = False, includes_sound: bool = False
    ) -> None:
        if create_gif or includes_sound:
            return super().combine_files(input_files, output_file, create_gif, includes_sound)
        output_file.parent.mkdir(parents=True, exist_ok=True)
        with av.open(str(output_file), mode="w") as out:
            out.metadata["comment"] = f"Rendered with Manim Community v{manim_version}"
            join_videos(input_files, out)
