"""Captions: Manim writes SubRip (``.srt``) subcaptions; browsers want WebVTT (``.vtt``).

And the readers' pace they are held to (:func:`cue_pace`): every cue at most
:data:`MAX_CHARS_PER_SECOND` characters per second and at least :data:`MIN_CUE_SECONDS` long.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import srt

from circuit_clips.readers import MAX_CHARS_PER_SECOND, MIN_CUE_SECONDS

__all__ = [
    "Cue",
    "read_srt",
    "read_vtt",
    "to_webvtt",
    "shifted",
    "MAX_CHARS_PER_SECOND",
    "MIN_CUE_SECONDS",
    "TIMING_RESOLUTION",
    "CuePace",
    "cue_chars",
    "cue_pace",
    "pace_problems",
    "title_card_problems",
]

TIMING_RESOLUTION = 0.001
"""Cue times are written to the millisecond: a cue held exactly long enough may read 1 ms short,
so the pace rules give a cue that millisecond."""


@dataclass(frozen=True)
class Cue:
    """One caption: shown from ``start`` to ``end`` (seconds); ``identifier`` names it in WebVTT."""

    start: float
    end: float
    text: str
    identifier: str = ""


def read_srt(path: Path) -> list[Cue]:
    """The cues of an ``.srt`` file (none if the file does not exist: the scene had no captions)."""
    if not path.exists():
        return []
    return [
        Cue(s.start.total_seconds(), s.end.total_seconds(), s.content)
        for s in srt.parse(path.read_text(encoding="utf-8"))
    ]


def _timestamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def to_webvtt(cues: list[Cue], kind: str | None = None) -> str:
    """A WebVTT document with ``cues``, timings kept to the millisecond.

    Cue text is plain text: ``&`` and ``<`` are escaped (WebVTT reads them as markup), ``-->``
    becomes ``->`` and blank lines are dropped (either would end the cue early).
    """
    lines = ["WEBVTT" + (f" - {kind}" if kind else ""), ""]
    for i, cue in enumerate(cues, 1):
        text = cue.text.replace("-->", "->").replace("&", "&amp;").replace("<", "&lt;")
        text = "\n".join(line for line in text.splitlines() if line.strip())
        identifier = cue.identifier.replace("-->", "->").replace("\n", " ") or str(i)
        lines += [identifier, f"{_timestamp(cue.start)} --> {_timestamp(cue.end)}", text, ""]
    return "\n".join(lines)


_TIMING = re.compile(r"^((?:\d+:)?\d{2}:\d{2}\.\d{3})\s+-->\s+((?:\d+:)?\d{2}:\d{2}\.\d{3})")


def _seconds(stamp: str) -> float:
    *hours_minutes, seconds = stamp.split(":")
    minutes = 0
    for part in hours_minutes:
        minutes = minutes * 60 + int(part)
    whole, ms = seconds.split(".")
    return ((minutes * 60 + int(whole)) * 1000 + int(ms)) / 1000  # 93.867, not 93.86699999999999


def read_vtt(path: Path) -> list[Cue]:
    """The cues of a WebVTT file written by :func:`to_webvtt` (text unescaped, timings in seconds)."""
    cues = []
    for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8").strip())[1:]:
        lines = block.splitlines()
        at = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        if at is None:
            continue  # a NOTE, STYLE or REGION block
        start, end = _TIMING.match(lines[at]).groups()
        text = html.unescape("\n".join(lines[at + 1 :]))
        cues.append(Cue(_seconds(start), _seconds(end), text, lines[0] if at == 1 else ""))
    return cues


def shifted(cues: list[Cue], offset: float) -> list[Cue]:
    """The same cues, ``offset`` seconds later."""
    return [Cue(c.start + offset, c.end + offset, c.text, c.identifier) for c in cues]


@dataclass(frozen=True)
class CuePace:
    """How fast one cue asks to be read: ``chars`` characters in ``seconds``."""

    cue: Cue
    chars: int
    seconds: float

    @property
    def cps(self) -> float:
        """Characters per second (infinite for a cue with no duration)."""
        return self.chars / self.seconds if self.seconds > 0 else float("inf")

    @property
    def too_fast(self) -> bool:
        """More than :data:`MAX_CHARS_PER_SECOND` (the cue given :data:`TIMING_RESOLUTION`)."""
        return self.chars > MAX_CHARS_PER_SECOND * (self.seconds + TIMING_RESOLUTION) + 1e-9

    @property
    def too_short(self) -> bool:
        """Less than :data:`MIN_CUE_SECONDS` (the cue given :data:`TIMING_RESOLUTION`)."""
        return self.seconds + TIMING_RESOLUTION < MIN_CUE_SECONDS - 1e-9

    def __str__(self) -> str:
        return f"{self.cue.start:6.2f}-{self.cue.end:6.2f} s  {self.cps:4.1f} cps  {self.chars} chars  {self.cue.text!r}"


def cue_chars(text: str) -> int:
    """The characters a viewer reads in a cue: every letter, digit, space and punctuation mark,
    a line break counted as the space it stands for, surrounding blanks not counted."""
    return len(" ".join(line.strip() for line in text.splitlines() if line.strip()))


def cue_pace(cues: list[Cue] | Path) -> list[CuePace]:
    """The pace of each cue (of a list, or of a ``.vtt`` file), in order."""
    if isinstance(cues, Path):
        cues = read_vtt(cues)
    return [CuePace(c, cue_chars(c.text), round(c.end - c.start, 6)) for c in cues]


def pace_problems(cues: list[Cue] | Path) -> list[str]:
    """One line per cue read faster than :data:`MAX_CHARS_PER_SECOND` or shown for less than
    :data:`MIN_CUE_SECONDS` (empty when every cue keeps the readers' pace)."""
    found = []
    for pace in cue_pace(cues):
        rules = [f"over {MAX_CHARS_PER_SECOND:g} cps"] * pace.too_fast + [
            f"under {MIN_CUE_SECONDS:g} s"
        ] * pace.too_short
        if rules:
            found.append(f"{', '.join(rules)}: {pace}")
    return found


def title_card_problems(cues: list[Cue] | Path, title: str, description: str) -> list[str]:
    """Whether the title card is held long enough to read its title and its sentence.

    The first cue is the title card's (its text is the title, the description is on screen while
    it shows): it must last at least the reading time of both at :data:`MAX_CHARS_PER_SECOND`.
    ``title`` and ``description`` are the published, plain text
    (:func:`circuit_clips.pipeline.manifest.scene_text`), as the card's cue has the title.
    """
    if isinstance(cues, Path):
        cues = read_vtt(cues)
    if not cues:
        return ["no captions: the title card has no cue"]
    first = cues[0]
    if first.text.strip() != title.strip():
        return [f"the first cue is {first.text!r}, not the title {title!r}"]
    chars = cue_chars(title) + 1 + cue_chars(description)
    needed = chars / MAX_CHARS_PER_SECOND
    held = first.end - first.start
    if held + TIMING_RESOLUTION < needed - 1e-9:
        return [f"title card held {held:.2f} s, its title and sentence ({chars} chars) need {needed:.2f} s"]
    return []
