"""``python -m circuit_clips.training``: train the clips' model if its cache is stale, print its figures."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    from circuit_clips.training.cache import INDUCTION_CONFIG, default_cache_dir, load_or_train

    parser = argparse.ArgumentParser(
        prog="python -m circuit_clips.training",
        description="Train the clips' two-layer attention-only model (if its cache is stale) "
        "and print what it learned, measured on held-out sequences.",
    )
    parser.add_argument("--cache-dir", default=None, help=f"default: {default_cache_dir()}")
    parser.add_argument("--quiet", action="store_true", help="no progress lines while training")
    args = parser.parse_args(argv)

    def progress(entry: dict) -> None:
        if entry["step"] % 250 == 0:
            print(
                f"step {entry['step']:5d}  loss {entry['loss']:.3f}  "
                f"copied chunk {entry['loss_repeated']:.3f}  elsewhere {entry['loss_other']:.3f}",
                flush=True,
            )

    run = load_or_train(INDUCTION_CONFIG, args.cache_dir, None if args.quiet else progress)
    info = run.info
    print(
        f"run {info['key']} in {run.path}: trained in {info['seconds']} s, "
        f"phase change at step {info['phase_change_step']}"
    )
    print(json.dumps(info["measured"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
