"""The readers' rules for captions, shared by the kit that paces them and the pipeline that checks them.

Pure Python: the pipeline reads it without Manim.
"""

from __future__ import annotations

__all__ = ["MAX_CHARS_PER_SECOND", "MIN_CUE_SECONDS", "MAX_FULL_VIDEO_SECONDS"]

MAX_CHARS_PER_SECOND = 15.0
"""The fastest a caption may go: a viewer reads it while also watching the picture."""
MIN_CUE_SECONDS = 1.5
"""The shortest a caption may stay up, however few its words."""
MAX_FULL_VIDEO_SECONDS = 11 * 60
"""The longest the full video (every clip, joined) may run: a reader watches it in one sitting."""
