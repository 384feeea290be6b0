#!/usr/bin/env bash
# Install what this project needs, skipping what is already there.
#   tools/setup.sh render   system packages Manim builds against and LaTeX, then the .venv
#   tools/setup.sh test     the same, plus Chromium (browser tests) and the test extras
# System packages come from apt-get (through sudo when not root); Python packages go into .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-render}
render_packages=(
  gcc python3-dev pkg-config libcairo2-dev libpango1.0-dev     # pycairo and ManimPango build from source
  texlive-latex-base texlive-latex-extra texlive-fonts-recommended texlive-science
  dvisvgm cm-super-minimal                                     # MathTex
)
test_packages=(chromium)
extras=""
case "$what" in
  render) packages=("${render_packages[@]}") ;;
  test) packages=("${render_packages[@]}" "${test_packages[@]}"); extras="[test]" ;;
  *) echo "usage: tools/setup.sh render|test" >&2; exit 2 ;;
esac

missing=()
if command -v dpkg-query >/dev/null; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
else
  echo "setup: no dpkg here; make sure these are installed: ${packages[*]}" >&2
fi

if ((${#missing[@]})); then
  echo "setup: installing system packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  python3 -m venv .venv
fi
stamp=".venv/.installed-$what"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing circuit_clips$extras into .venv"
  # pycairo and ManimPango are compiled: say which headers are missing before pip fails deep inside.
  .venv/bin/python -c "import cairo, manimpango" 2>/dev/null || python3 src/circuit_clips/pipeline/doctor.py --require setup
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade "pip>=23"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".$extras"
  touch "$stamp"
fi
