"""What rendering needs from the system, and whether it is here: ``make doctor``.

Rendering a clip needs LaTeX and ``dvisvgm`` (every ``MathTex``), the LaTeX files Manim's
template loads, and the cairo and pango libraries behind pycairo and ManimPango. Installing
(``make setup``) also needs a C compiler, Python's headers and the cairo and pango headers,
because pycairo and ManimPango are built from source. FFmpeg is not needed: PyAV carries it.

The render command runs :func:`require_render_dependencies` first, so a missing package is one
line naming the Debian package to install instead of a traceback from deep inside Manim.

Standard library only, so it also runs before the ``.venv`` exists:
``python3 src/circuit_clips/pipeline/doctor.py [--require render|setup]``.
"""

from __future__ import annotations

import argparse
import importlib
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Check",
    "MissingDependencyError",
    "render_checks",
    "setup_checks",
    "test_checks",
    "require",
    "require_render_dependencies",
    "report",
    "main",
]


class MissingDependencyError(RuntimeError):
    """A system package that rendering (or installing) needs is not installed."""


@dataclass(frozen=True)
class Check:
    """One thing looked for: ``found`` says where it is, or is ``None`` when it is missing."""

    name: str
    purpose: str
    needed_for: str  # "render", "setup" or "tests"
    package: str  # the Debian package(s) that provide it
    found: str | None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.found is not None


#: The LaTeX files Manim 0.22's default template (``standalone`` with ``preview``, babel's
#: English, amsmath, amssymb) loads, and the Debian package ``tools/setup.sh`` installs for each.
LATEX_FILES = {
    "standalone.cls": "texlive-latex-extra",
    "preview.sty": "texlive-latex-extra",
    "babel.sty": "texlive-latex-base",
    "english.ldf": "texlive-latex-base",
    "amsmath.sty": "texlive-latex-base",
    "amssymb.sty": "texlive-latex-base",
}


def _program(name: str, purpose: str, needed_for: str, package: str) -> Check:
    path = shutil.which(name)
    return Check(name, purpose, needed_for, package, path, "" if path else "not on PATH")


def _latex_files() -> list[Check]:
    kpsewhich = shutil.which("kpsewhich")
    if kpsewhich is None:
        return []  # reported by the kpsewhich check itself
    try:
        found = subprocess.run(
            [kpsewhich, *LATEX_FILES], capture_output=True, text=True, timeout=30
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        found = []
    where = {Path(p).name: p for p in found}
    return [
        Check(
            name,
            "a LaTeX file MathTex loads",
            "render",
            package,
            where.get(name),
            "" if name in where else "kpsewhich does not find it",
        )
        for name, package in LATEX_FILES.items()
    ]


def _python_module(module: str, purpose: str, package: str) -> Check:
    try:
        imported = importlib.import_module(module)
    except ModuleNotFoundError:
        return Check(
            module, purpose, "render", "(run make setup)", None, f"not installed in {sys.executable}"
        )
    except (ImportError, OSError) as err:  # the module is there but its C library is not
        return Check(module, purpose, "render", package, None, f"cannot load: {err}")
    return Check(module, purpose, "render", package, getattr(imported, "__file__", None) or module)


def _typesets() -> Check:
    """Typeset one formula the way Manim does (latex, then dvisvgm) and say whether it worked."""
    name, purpose, package = "typeset a formula", "latex + dvisvgm on Manim's template", "texlive-latex-base"
    latex, dvisvgm = shutil.which("latex"), shutil.which("dvisvgm")
    if not (latex and dvisvgm):
        return Check(name, purpose, "render", package, None, "needs latex and dvisvgm")
    document = (
        "\\documentclass[preview]{standalone}\n\\usepackage[english]{babel}\n"
        "\\usepackage{amsmath}\n\\usepackage{amssymb}\n\\begin{document}\n"
        "\\begin{align*}x^\\top W_{OV} = \\sum_i a_i\\end{align*}\n\\end{document}\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "f.tex").write_text(document)
        try:
            run = subprocess.run(
                [latex, "-interaction=batchmode", "-halt-on-error", "f.tex"],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=60,
            )
            if run.returncode != 0:
                log = Path(tmp, "f.log")
                errors = (
                    [l for l in log.read_text(errors="replace").splitlines() if l.startswith("!")]
                    if log.exists()
                    else []
                )
                return Check(name, purpose, "render", package, None, (errors or ["latex failed"])[0])
            run = subprocess.run(
                [dvisvgm, "-n", "-v", "0", "-o", "f.svg", "f.dvi"],
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=60,
            )
        except (OSError, subprocess.SubprocessError) as err:
            return Check(name, purpose, "render", package, None, str(err))
        if run.returncode != 0 or not Path(tmp, "f.svg").is_file():
            return Check(
                name,
                purpose,
                "render",
                "dvisvgm",
                None,
                (run.stderr.strip() or "dvisvgm failed").splitlines()[0],
            )
    return Check(name, purpose, "render", package, "ok")


def render_checks(*, typeset: bool = False) -> list[Check]:
    """What rendering needs. ``typeset`` also runs LaTeX once (about half a second)."""
    checks = [
        _program("latex", "LaTeX, typesets every MathTex", "render", "texlive-latex-base"),
        _program("dvisvgm", "turns LaTeX's output into SVG for MathTex", "render", "dvisvgm"),
        _program("kpsewhich", "finds LaTeX's files", "render", "texlive-binaries"),
        *_latex_files(),
        _python_module("cairo", "pycairo: draws every frame (libcairo2)", "libcairo2-dev"),
        _python_module("manimpango", "ManimPango: lays out Text (libpango)", "libpango1.0-dev"),
    ]
    if typeset:
        checks.append(_typesets())
    return checks


def _pkg_config(module: str, purpose: str, package: str) -> Check:
    pkg_config = shutil.which("pkg-config")
    if pkg_config is None:
        return Check(f"{module} headers", purpose, "setup", package, None, "pkg-config is missing")
    try:
        run = subprocess.run([pkg_config, "--modversion", module], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as err:
        return Check(f"{module} headers", purpose, "setup", package, None, str(err))
    if run.returncode != 0:
        return Check(
            f"{module} headers", purpose, "setup", package, None, f"pkg-config does not know {module}"
        )
    return Check(f"{module} headers", purpose, "setup", package, f"version {run.stdout.strip()}")


def setup_checks() -> list[Check]:
    """What installing needs: pycairo and ManimPango are compiled against cairo and pango."""
    include = Path(sysconfig.get_paths()["include"]) / "Python.h"
    compiler = shutil.which("gcc") or shutil.which("cc")
    return [
        Check(
            "C compiler",
            "builds pycairo and ManimPango",
            "setup",
            "gcc",
            compiler,
            "" if compiler else "no gcc or cc on PATH",
        ),
        Check(
            "Python.h",
            "Python's headers, for the same builds",
            "setup",
            "python3-dev",
            str(include) if include.is_file() else None,
            "" if include.is_file() else f"no {include}",
        ),
        _program("pkg-config", "finds the cairo and pango headers", "setup", "pkg-config"),
        _pkg_config("cairo", "pycairo builds against it", "libcairo2-dev"),
        _pkg_config("pangocairo", "ManimPango builds against it", "libpango1.0-dev"),
    ]


def test_checks() -> list[Check]:
    """Optional: only the browser test needs Chromium."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    return [
        Check(
            "chromium",
            "headless browser for the page test (optional)",
            "tests",
            "chromium",
            path,
            "" if path else "not on PATH",
        )
    ]


test_checks.__test__ = False  # not a pytest test


def _packages(missing: list[Check]) -> list[str]:
    names: list[str] = []
    for check in missing:
        if check.package.startswith("("):
            continue
        for package in check.package.split():
            if package not in names:
                names.append(package)
    return names


def require(checks: list[Check], what: str) -> None:
    """Raise a one-line :class:`MissingDependencyError` naming the packages if any check failed."""
    missing = [c for c in checks if not c.ok]
    if not missing:
        return
    things = "; ".join(f"{c.name} ({c.problem})" for c in missing)
    packages = _packages(missing)
    if packages:
        fix = f"install the Debian package{'s' if len(packages) > 1 else ''} {' '.join(packages)} (sudo apt-get install {' '.join(packages)})"
    else:
        fix = "run make setup"
    raise MissingDependencyError(
        f"cannot {what}: missing {things}: {fix}; `make doctor` lists what is present"
    )


def require_render_dependencies() -> None:
    """The cheap checks the render command runs before starting Manim (a few milliseconds)."""
    require(render_checks(), "render")


def report(checks: list[Check]) -> str:
    """A table: status, what, what for, the package, where it was found or what is wrong."""
    rows = [("", "what", "needed for", "Debian package", "found / problem")]
    for c in checks:
        rows.append(
            ("ok" if c.ok else "MISSING", c.name, c.needed_for, c.package, c.found if c.ok else c.problem)
        )
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="doctor", description="What rendering needs, and whether it is here."
    )
    parser.add_argument(
        "--require",
        choices=["render", "setup"],
        help="check only that, quietly; exit 1 with one line naming the packages if missing",
    )
    args = parser.parse_args(argv)
    if args.require:
        try:
            require(render_checks() if args.require == "render" else setup_checks(), args.require)
        except MissingDependencyError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        return 0
    checks = render_checks(typeset=True) + setup_checks() + test_checks()
    print(report(checks))
    missing = [c for c in checks if not c.ok and c.needed_for != "tests"]
    if missing:
        packages = _packages(missing)
        print(f"\nmissing: {', '.join(c.name for c in missing)}.")
        if packages:
            print(f"install: sudo apt-get install {' '.join(packages)}   (or: tools/setup.sh render)")
        if any(not p.package or p.package.startswith("(") for p in missing):
            print("Python packages: make setup")
        return 1
    print("\neverything rendering and installing need is here.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
