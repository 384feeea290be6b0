"""Command line of the pipeline: ``python -m circuit_clips.pipeline COMMAND ...``.

Commands: ``list``, ``render CLIP [--quality high|low]``, ``build --goal all|clips`` (what
``make`` runs: the stale clips on every core with live progress, then for ``all`` the full video,
the page and a summary), ``order`` (the order renders start in: slowest first), ``sheet CLIP [--quality ...] [--per-cue]``,
``probe FILE``, ``doctor``, ``compile`` (the full video), ``page`` (the preview page),
``serve [--port N]``, ``check-web [--screenshot PNG]`` (the page in headless Chromium).
Errors are one line that says what exists, and a non-zero exit code.
SIGINT and SIGTERM stop a render cleanly (Manim stopped, nothing half-published); the process
then ends by that signal, as its caller (make, a shell loop) expects.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from .compile import CompileError, compile_video
from .doctor import MissingDependencyError, require_render_dependencies
from .doctor import main as doctor_main
from .mp4 import probe
from .project import QUALITIES, Project, UnknownClipError
from .publish import PublishError
from .render import Interrupted, RenderError, build_clip, check_scene_class
from .sheet import contact_sheet


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m circuit_clips.pipeline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the clips, in storyboard order")
    for name, helptext in [
        ("render", "render a clip and publish it"),
        ("sheet", "write a clip's contact sheet"),
    ]:
        sub = commands.add_parser(name, help=helptext)
        sub.add_argument("clip")
        sub.add_argument("--quality", default="high", help=f"one of {', '.join(QUALITIES)}")
        if name == "sheet":
            sub.add_argument(
                "--per-cue",
                action="store_true",
                help="one frame at the middle of every caption cue (NAME-cues.png)",
            )
    sub = commands.add_parser(
        "build", help="render the stale clips at once, with live progress (what make runs)"
    )
    sub.add_argument("--goal", choices=["all", "clips"], default="all")
    sub.add_argument("--quality", default="high", help=f"one of {', '.join(QUALITIES)}")
    sub = commands.add_parser("order", help="the clips in the order their renders start: slowest first")
    sub.add_argument("--quality", default="high", help=f"one of {', '.join(QUALITIES)}")
    sub = commands.add_parser(
        "readers", help="each published clip's length, cues and fastest cue; the total against 11 min"
    )
    sub.add_argument("clips", nargs="*", help="clips to report (default: every clip)")
    sub.add_argument("--quality", default="high", help=f"one of {', '.join(QUALITIES)}")
    sub = commands.add_parser("probe", help="print a video's codec, size, rate, duration, faststart")
    sub.add_argument("file", type=Path)
    commands.add_parser("doctor", help="list the system packages rendering needs: present or missing")
    for name, helptext in [
        ("compile", "join the published clips into the full video, with chapters and captions"),
        ("page", "write the preview page of the published videos"),
        ("serve", "serve media/ on 127.0.0.1 to view the preview page"),
        ("check-web", "play every video of the preview page in headless Chromium and check it"),
    ]:
        sub = commands.add_parser(name, help=helptext)
        sub.add_argument("--quality", default="high", help=f"one of {', '.join(QUALITIES)}")
        if name == "serve":
            sub.add_argument("--port", type=int, default=8000)
        if name == "check-web":
            sub.add_argument("--screenshot", type=Path, help="save a screenshot taken during playback")
    return parser


def _raise_interrupted(signum: int, frame: object) -> None:
    raise Interrupted(signum)


def _die_by(signum: int) -> int:
    """End this process by ``signum`` (after clean-up), so the caller sees how it ended."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    return 128 + signum  # not reached


def _web(project: Project, args: argparse.Namespace) -> int:
    """The ``page``, ``serve`` and ``check-web`` commands."""
    from . import web

    quality = project.quality(args.quality)
    try:
        if args.command == "page":
            print(web.write_page(project, quality))
        elif args.command == "serve":
            web.serve(project, quality, args.port)
        else:
            from .browser import check_page, problems

            report = check_page(project.media, web.page_path(project, quality), screenshot=args.screenshot)
            found = problems(report, project.output_dir(quality))
            print("\n".join(found) or f"ok: {len(report.videos)} videos play in Chromium ({report.url})")
            return 1 if found else 0
    except (OSError, ModuleNotFoundError) as err:  # nothing published, port in use; no Chromium/Playwright
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def _sheet(project: Project, args: argparse.Namespace) -> Path:
    """The ``sheet`` command: a published clip's contact sheet."""
    quality = project.quality(args.quality)
    project.scene_file(args.clip)
    video = project.output_dir(quality) / f"{args.clip}.mp4"
    if not video.is_file():
        raise UnknownClipError(f"{video} does not exist yet: run `make {args.clip}` first")
    name = f"{args.clip}-cues" if args.per_cue else args.clip
    out = project.media / "sheets" / quality.name / f"{name}.png"
    try:
        return contact_sheet(video, out, per_cue=args.per_cue)
    except FileNotFoundError as err:
        raise UnknownClipError(str(err)) from err


def _readers(project: Project, args: argparse.Namespace) -> int:
    """The ``readers`` command: the published clips' lengths and paces, the total against the
    full video's budget when every clip is reported."""
    from ..readers import MAX_FULL_VIDEO_SECONDS
    from .readers_report import readers_report

    for clip in args.clips:
        project.scene_file(clip)
    names = args.clips or project.clips()
    budget = None if args.clips else MAX_FULL_VIDEO_SECONDS
    try:
        text, ok = readers_report(names, project.output_dir(project.quality(args.quality)), budget=budget)
    except FileNotFoundError as err:
        raise UnknownClipError(str(err)) from err
    print(text)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    project = Project.here()
    signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        if args.command == "list":
            print("\n".join(project.clips()))
        elif args.command == "render":
            quality = project.quality(args.quality)
            check_scene_class(project, args.clip)
            require_render_dependencies()
            print(build_clip(project, args.clip, quality))
        elif args.command == "sheet":
            print(_sheet(project, args))
        elif args.command == "build":
            from .build import build

            return build(project, project.quality(args.quality), args.goal)
        elif args.command == "order":
            from .progress import render_order

            print("\n".join(render_order(project, project.quality(args.quality), project.clips())))
        elif args.command == "readers":
            return _readers(project, args)
        elif args.command == "probe":
            print(probe(args.file))
        elif args.command == "doctor":
            return doctor_main([])
        elif args.command == "compile":
            print(compile_video(project, project.quality(args.quality)))
        elif args.command in ("page", "serve", "check-web"):
            return _web(project, args)
    except (UnknownClipError, RenderError, PublishError, MissingDependencyError, CompileError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:  # Ctrl-C, or SIGTERM as Interrupted
        return _die_by(getattr(err, "signum", signal.SIGINT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
