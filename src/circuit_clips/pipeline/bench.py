"""The render benchmark: how fast the pipeline renders the clips, side by side with plain Manim.

``python -m circuit_clips.pipeline.bench`` (``make bench``) renders every clip from a clean
scratch folder at one quality (default 1080p60) and reports, per clip, its running time,
frames, wall time, CPU time, peak memory, realtime factor (wall / running time), frames per
second and file size. In the same run it renders the same scenes with **plain Manim**
(``manim render -q<flag>``, default settings, one after another, from a folder without this
project's ``manim.cfg``), times the encoder alone on the same number of frames (the
pipeline's own limit), and checks quality: each clip's size against plain Manim's, and its
frames' PSNR against a near-lossless encode (CRF 0) of the same scene.

The report is printed as a table and saved as JSON under ``media/bench/``. Timings never
decide a test's pass or fail: machines are noisy; the report is where they belong.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import av
import numpy as np

from .mp4 import frames_at, probe
from .progress import render_order
from .project import Project, Quality, class_name

#: Set for plain Manim's renders: ``ClipScene`` then installs no engine and renders as Manim ships
#: (``circuit_clips.engine.PLAIN_MANIM``; the pipeline knows no scene code, so not imported).
PLAIN_MANIM = "CIRCUIT_CLIPS_PLAIN_MANIM"

__all__ = [
    "Measured",
    "ClipStats",
    "run_measured",
    "psnr",
    "encode_limit",
    "render_order",
    "run_benchmark",
    "main",
]


@dataclass(frozen=True)
class Measured:
    """One finished process: exit code, wall and CPU seconds, peak resident memory (MiB)."""

    returncode: int
    wall: float
    cpu: float
    peak_mib: float


@dataclass(frozen=True)
class ClipStats:
    """One clip rendered one way."""

    clip: str
    running_time: float
    frames: int  # frame periods (running time x fps)
    stored_frames: int  # frames in the file (a still hold may be stored as two)
    wall: float
    cpu: float
    peak_mib: float
    size_bytes: int

    @property
    def realtime(self) -> float:
        return self.wall / self.running_time if self.running_time else float("nan")

    @property
    def fps(self) -> float:
        return self.frames / self.wall if self.wall else float("nan")

    def as_dict(self) -> dict:
        return {**asdict(self), "realtime": round(self.realtime, 3), "fps": round(self.fps, 1)}


def run_measured(cmd: list[str], *, cwd: Path, env: dict | None = None, log: Path | None = None) -> Measured:
    """Run ``cmd`` and measure it, children included (``wait4`` reports the whole tree it waited for)."""
    out = open(log, "wb") if log else subprocess.DEVNULL
    try:
        start = time.perf_counter()
        process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log:
            out.close()
    return Measured(process.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def _stats(clip: str, video: Path, measured: Measured) -> ClipStats:
    info = probe(video)
    return ClipStats(
        clip,
        info.duration,
        info.frames,
        info.stored_frames,
        measured.wall,
        measured.cpu,
        measured.peak_mib,
        video.stat().st_size,
    )


def _check(measured: Measured, what: str, log: Path) -> None:
    if measured.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"{what} failed (exit {measured.returncode}); log {log}:\n{tail}")


def bench_pipeline(
    project: Project, clips: list[str], quality: Quality, jobs: int, scratch: Path
) -> tuple[list[ClipStats], float]:
    """Render ``clips`` through the pipeline, ``jobs`` at a time (as ``make -j``), into ``scratch``."""
    env = {**os.environ, "CIRCUIT_CLIPS_ROOT": str(project.root), "CIRCUIT_CLIPS_MEDIA": str(scratch)}
    logs = scratch / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    def one(clip: str) -> ClipStats:
        cmd = [sys.executable, "-m", "circuit_clips.pipeline", "render", clip, "--quality", quality.name]
        measured = run_measured(cmd, cwd=project.root, env=env, log=logs / f"{clip}.log")
        _check(measured, f"pipeline render of {clip}", logs / f"{clip}.log")
        return _stats(clip, scratch / quality.folder / f"{clip}.mp4", measured)

    order = render_order(project, quality, clips)  # as make starts them
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:  # started in make's order, reported in ``clips``'
        done = dict(zip(order, pool.map(one, order)))
    return [done[clip] for clip in clips], time.perf_counter() - start


def bench_plain(
    project: Project, clips: list[str], quality: Quality, scratch: Path, extra: list[str] = ()
) -> list[ClipStats]:
    """Render ``clips`` with plain ``manim render``, one after another, in ``scratch`` (no manim.cfg there)."""
    scratch.mkdir(parents=True, exist_ok=True)
    stats = []
    for clip in clips:
        out = scratch / "out" / f"{clip}.mp4"
        cmd = [
            sys.executable, "-m", "manim", "render", f"-q{quality.flag}", "--media_dir", str(scratch),
            "-o", str(out), "--progress_bar", "none", *extra,
            str(project.scenes_dir / f"{clip}.py"), class_name(clip),
        ]  # fmt: skip
        log = scratch / f"{clip}.log"
        measured = run_measured(cmd, cwd=scratch, env={**os.environ, PLAIN_MANIM: "1"}, log=log)
        _check(measured, f"plain manim render of {clip}", log)
        stats.append(_stats(clip, out, measured))
    return stats


def _encoder_settings(project: Project) -> tuple[str, str, dict[str, str]]:
    """The codec, pixel format and options the project's ``manim.cfg`` sets (Manim's defaults otherwise)."""
    import configparser

    parser = configparser.ConfigParser()
    parser.read(project.root / "manim.cfg")
    codec = parser.get("video_encoder", "codec", fallback="auto")
    pix = parser.get("video_encoder", "pixel_format", fallback="auto")
    options = (
        dict(parser.items("video_encoder.options")) if parser.has_section("video_encoder.options") else {}
    )
    codec = "libx264" if codec == "auto" else codec
    pix = "yuv420p" if pix == "auto" else pix
    return codec, pix, {"crf": "23", **options}


def encode_limit(
    sample: Path, frames: int, quality: Quality, codec: str, pix: str, options: dict[str, str]
) -> float:
    """Seconds to encode ``frames`` frames (cycling through real frames of ``sample``) with these settings alone."""
    with av.open(str(sample)) as container:
        pool = []
        for frame in container.decode(container.streams.video[0]):
            pool.append(frame.to_ndarray(format="rgb24"))
            if len(pool) >= 120:
                break
    frames_rgb = [av.VideoFrame.from_ndarray(f, format="rgb24") for f in pool]
    target = Path(os.devnull)
    start = time.perf_counter()
    with av.open(str(target), "w", format="mp4") as out:
        stream = out.add_stream(codec, rate=quality.fps, options=options)
        stream.width, stream.height, stream.pix_fmt = quality.width, quality.height, pix
        for i in range(frames):
            for packet in stream.encode(frames_rgb[i % len(frames_rgb)]):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return time.perf_counter() - start


def psnr(video: Path, reference: Path, *, every: int = 10) -> float:
    """The lowest PSNR (dB, RGB) over every ``every``-th frame period of ``video`` against ``reference``.

    Frames are matched by time (the middle of each frame period), not by decoding order: the
    pipeline stores a still hold as two frames where the reference stores every copy.
    """
    info = probe(reference)
    times = [(i + 0.5) / float(info.fps) for i in range(0, info.frames, every)]
    worst = float("inf")
    for x, y in zip(frames_at(video, times), frames_at(reference, times), strict=True):
        mse = np.mean((x.astype(np.float64) - y.astype(np.float64)) ** 2)
        worst = min(worst, float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse))
    return worst


def _make_noop_seconds(project: Project, quality: Quality, media: Path) -> float:
    """Wall time of ``make`` when every clip is already up to date (asked with ``make -q``)."""
    start = time.perf_counter()
    subprocess.run(["make", "-q", "clips", f"QUALITY={quality.name}"], cwd=project.root, capture_output=True)
    return time.perf_counter() - start


def run_benchmark(
    project: Project, clips: list[str], quality: Quality, *, jobs: int, baseline: bool, check_quality: bool
) -> dict:
    """Run the benchmark and return the report (also the JSON written under ``media/bench/``)."""
    scratch = project.media / "bench" / f"scratch-{quality.name}"
    shutil.rmtree(scratch, ignore_errors=True)
    ours, wall = bench_pipeline(project, clips, quality, jobs, scratch / "pipeline")
    total_running = sum(s.running_time for s in ours)
    total_frames = sum(s.frames for s in ours)
    stored_frames = sum(s.stored_frames for s in ours)
    codec, pix, options = _encoder_settings(project)
    report: dict = {
        "quality": asdict(quality),
        "jobs": jobs,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "encoder": {"codec": codec, "pixel_format": pix, "options": options},
        "clips": [s.as_dict() for s in ours],
        "total": {
            "running_time": round(total_running, 3),
            "frames": total_frames,
            "stored_frames": stored_frames,
            "wall": round(wall, 2),
            "cpu": round(sum(s.cpu for s in ours), 2),
            "realtime": round(wall / total_running, 3),
            "peak_mib": round(max(s.peak_mib for s in ours), 1),
        },
    }
    # The pipeline's own limit: encoding the frames it stores, with its settings, and nothing else.
    limit = encode_limit(
        scratch / "pipeline" / quality.folder / f"{clips[0]}.mp4", stored_frames, quality, codec, pix, options
    )
    report["encoder_limit"] = {
        "frames": stored_frames,
        "seconds": round(limit, 2),
        "fps": round(stored_frames / limit, 1),
    }
    if baseline:
        plain = bench_plain(project, clips, quality, scratch / "plain")
        plain_wall = sum(s.wall for s in plain)
        report["plain_manim"] = {
            "clips": [s.as_dict() for s in plain],
            "wall": round(plain_wall, 2),
            "realtime": round(plain_wall / total_running, 3),
        }
        report["speedup"] = round(plain_wall / wall, 2)
        report["size_ratio"] = {o.clip: round(o.size_bytes / p.size_bytes, 3) for o, p in zip(ours, plain)}
    if check_quality:
        reference = bench_plain(
            project,
            clips,
            quality,
            scratch / "reference",
            ["--encoder-option", "crf=0", "--encoder-option", "preset=ultrafast"],
        )
        report["psnr_db"] = {
            s.clip: round(
                psnr(
                    scratch / "pipeline" / quality.folder / f"{s.clip}.mp4",
                    scratch / "reference" / "out" / f"{s.clip}.mp4",
                ),
                2,
            )
            for s in reference
        }
    report["make_noop_seconds"] = round(_make_noop_seconds(project, quality, scratch), 3)
    out = project.media / "bench" / f"report-{quality.name}.json"
    out.write_text(json.dumps(report, indent=2))
    report["report_file"] = str(out)
    return report


def format_report(report: dict) -> str:
    """The report as a plain-text table."""
    head = f"{'clip':<20}{'run s':>7}{'frames':>8}{'wall s':>8}{'cpu s':>8}{'peak MiB':>10}{'x real':>8}{'fps':>7}{'MiB':>7}"
    lines = [head, "-" * len(head)]
    plain = {c["clip"]: c for c in report.get("plain_manim", {}).get("clips", [])}
    for c in report["clips"]:
        lines.append(
            f"{c['clip']:<20}{c['running_time']:>7.1f}{c['frames']:>8}{c['wall']:>8.1f}{c['cpu']:>8.1f}"
            f"{c['peak_mib']:>10.0f}{c['realtime']:>8.2f}{c['fps']:>7.0f}{c['size_bytes'] / 2**20:>7.2f}"
        )
        if c["clip"] in plain:
            p = plain[c["clip"]]
            lines.append(
                f"{'  plain manim':<20}{'':>7}{p['frames']:>8}{p['wall']:>8.1f}{p['cpu']:>8.1f}"
                f"{p['peak_mib']:>10.0f}{p['realtime']:>8.2f}{p['fps']:>7.0f}{p['size_bytes'] / 2**20:>7.2f}"
            )
    t = report["total"]
    lines.append("-" * len(head))
    lines.append(
        f"whole set, {report['jobs']} jobs: {t['running_time']:.1f} s of video in {t['wall']:.1f} s wall "
        f"= {t['realtime']:.2f}x its running time; peak {t['peak_mib']:.0f} MiB per render"
    )
    e = report["encoder_limit"]
    lines.append(
        f"frames stored: {t.get('stored_frames', t['frames'])} of {t['frames']}; encoding them alone "
        f"({report['encoder']['options']}) takes {e['seconds']:.1f} s = {e['fps']:.0f} fps"
    )
    if "plain_manim" in report:
        p = report["plain_manim"]
        lines.append(
            f"plain manim, one after another: {p['wall']:.1f} s = {p['realtime']:.2f}x; speed-up {report['speedup']:.2f}x"
        )
        worst = max(report["size_ratio"].items(), key=lambda kv: kv[1])
        lines.append(f"largest size ratio to plain manim: {worst[1]:.2f} ({worst[0]})")
    if "psnr_db" in report:
        low = min(report["psnr_db"].items(), key=lambda kv: kv[1])
        lines.append(f"lowest PSNR against a CRF-0 encode: {low[1]:.1f} dB ({low[0]})")
    lines.append(f"make with nothing to do: {report['make_noop_seconds']:.2f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m circuit_clips.pipeline.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--quality", default="high")
    parser.add_argument("--clips", help="comma-separated clip names (default: every clip)")
    parser.add_argument("--jobs", type=int, default=2, help="clips rendered at once (as make -j)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain Manim renders")
    parser.add_argument("--no-quality-check", action="store_true", help="skip the CRF-0 reference renders")
    args = parser.parse_args(argv)
    project = Project.here()
    quality = project.quality(args.quality)
    clips = args.clips.split(",") if args.clips else project.clips()
    for clip in clips:
        project.scene_file(clip)
    report = run_benchmark(
        project,
        clips,
        quality,
        jobs=args.jobs,
        baseline=not args.no_baseline,
        check_quality=not args.no_quality_check,
    )
    print(format_report(report))
    print(f"report: {report['report_file']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
