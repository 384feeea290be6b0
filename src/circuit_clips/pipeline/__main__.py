"""Command line of the pipeline: ``python -m circuit_clips.pipeline COMMAND ...``.

Commands: ``list``, ``render CLIP [--quality high|low]``, ``sheet CLIP [--quality ...]``,
``probe FILE``. Errors are one line that says what exists, and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .mp4 import probe
from .project import QUALITIES, Project, UnknownClipError
from .publish import PublishError
from .render import RenderError, build_clip, check_scene_class
from .sheet import contact_sheet


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m circuit_clips.pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the clips, in storyboard order")
    for name, helptext in [("render", "render a clip and publish it"), ("sheet", "write a clip's contact sheet")]:
        sub = commands.add_parser(name, help=helptext)
        sub.add_argument("clip")
        sub.add_argument("--quality", default="high", help=f"one of {', '.join(QUALITIES)}")
    sub = commands.add_parser("probe", help="print a video's codec, size, rate, duration, faststart")
    sub.add_argument("file", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    project = Project.here()
    try:
        if args.command == "list":
            print("\n".join(project.clips()))
        elif args.command == "render":
            quality = project.quality(args.quality)
            check_scene_class(project, args.clip)
            print(build_clip(project, args.clip, quality))
        elif args.command == "sheet":
            quality = project.quality(args.quality)
            project.scene_file(args.clip)
            video = project.output_dir(quality) / f"{args.clip}.mp4"
            if not video.is_file():
                raise UnknownClipError(f"{video} does not exist yet: run `make {args.clip}` first")
            out = project.media / "sheets" / quality.name / f"{args.clip}.png"
            print(contact_sheet(video, out))
        elif args.command == "probe":
            print(probe(args.file))
    except (UnknownClipError, RenderError, PublishError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
