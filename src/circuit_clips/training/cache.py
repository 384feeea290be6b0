"""The trained model as a build product: trained on first use, cached, retrained only on change.

A run lives in ``<cache dir>/<key>/`` where ``key`` hashes the training code (see
:func:`cache_key`) and the :class:`TrainConfig`; the default cache dir is
``media/build/trained/`` of this checkout (``CIRCUIT_CLIPS_TRAINED_DIR`` overrides it):

* ``weights.npz``: the weights under TransformerLens's keys
  (:meth:`AttnOnlyTransformer.from_state_dict` loads it);
* ``log.json``: the settings, the training time, the log (every ``log_every`` steps: the
  loss on a fixed held-out batch overall, on the copied chunk and elsewhere), the step of
  the phase change and the held-out figures of :func:`measure`;
* ``patterns.npz``: ``steps [n]``, ``patterns [n, n_layers, n_heads, n_ctx, n_ctx]`` (every
  ``snapshot_every`` steps) and ``tokens [n_ctx]``, the held-out sequence (its second half
  repeats its first) whose attention patterns they are.

A run is written into a temporary folder and renamed into place, so an interrupted training
never leaves half a cache; while one process trains, another asking for the same run waits
for it (a lock file ``.<key>.lock``) and then loads it; ``latest.json`` (written the same way) names the newest run and is
what ``make trained-model`` builds.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from circuit_clips.model import AttnOnlyTransformer
from circuit_clips.training.measure import measure, phase_change_step
from circuit_clips.training.train import TrainConfig, held_out_rng, model_from_params, train

__all__ = [
    "INDUCTION_CONFIG",
    "TrainedRun",
    "cache_key",
    "default_cache_dir",
    "load_or_train",
    "trained_induction_model",
]

#: The settings of the trained model the clips show.
INDUCTION_CONFIG = TrainConfig()

CACHE_ENV = "CIRCUIT_CLIPS_TRAINED_DIR"
#: The layout of a cached run (files and their fields): change it when that layout changes.
CACHE_FORMAT = 1
#: The modules whose code decides what a run holds; the cache key hashes them.
KEYED_SOURCES = ("core.py", "data.py", "train.py", "measure.py")
MODEL_NAME = "trained two-layer attn-only"


@dataclass
class TrainedRun:
    """A cached training run: the model, its log (``log.json``) and its pattern snapshots."""

    model: AttnOnlyTransformer
    info: dict  # log.json: config, key, seconds, log, phase_change_step, measured
    snapshot_steps: np.ndarray
    snapshots: np.ndarray  # [n, n_layers, n_heads, n_ctx, n_ctx]
    snapshot_tokens: np.ndarray
    path: Path


def default_cache_dir() -> Path:
    """``$CIRCUIT_CLIPS_TRAINED_DIR``, else ``media/build/trained`` of this checkout."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    root = Path(__file__).resolve().parents[3]
    if not (root / "pyproject.toml").is_file():  # installed, not a checkout
        root = Path.cwd()
    return root / "media" / "build" / "trained"


def cache_key(config: TrainConfig) -> str:
    """A hash of the code that makes a run's content and of the settings.

    That code is ``core.py``, ``data.py``, ``train.py`` (the weights, the log, the
    snapshots) and ``measure.py`` (the figures in ``log.json``); ``CACHE_FORMAT`` stands for
    the layout of the files this module writes, and changes with it.
    """
    digest = hashlib.sha256()
    digest.update(f"{CACHE_FORMAT}\0".encode())
    digest.update(json.dumps(config.to_dict(), sort_keys=True).encode())
    for name in KEYED_SOURCES:
        source = Path(__file__).with_name(name)
        digest.update(name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def trained_induction_model(
    config: TrainConfig = INDUCTION_CONFIG, cache_dir: str | os.PathLike | None = None
) -> AttnOnlyTransformer:
    """The trained two-layer attention-only model, trained on first use and cached."""
    return load_or_train(config, cache_dir).model


def load_or_train(
    config: TrainConfig = INDUCTION_CONFIG,
    cache_dir: str | os.PathLike | None = None,
    progress=None,
) -> TrainedRun:
    """The cached run of ``config``, training it first if the cache does not hold it."""
    cache_dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = cache_key(config)
    path = cache_dir / key
    if not (path / "log.json").is_file():
        with _locked(cache_dir / f".{key}.lock"):  # a second process waits, then loads
            if not (path / "log.json").is_file():
                _train_into(config, cache_dir, key, progress)
    _write_atomically(cache_dir / "latest.json", json.dumps({"key": key, "path": str(path)}) + "\n")
    return _load(path, config)


def _train_into(config: TrainConfig, cache_dir: Path, key: str, progress) -> None:
    result = train(config, progress)
    model = model_from_params(result.params, config, MODEL_NAME)
    info = {
        "key": key,
        "config": config.to_dict(),
        "seconds": round(result.seconds, 2),
        "phase_change_step": phase_change_step(result.log),
        "measured": measure(
            model, held_out_rng(config), min_chunk=config.min_chunk, max_chunk=config.max_chunk
        ),
        "log": result.log,
    }
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=cache_dir))
    try:
        np.savez(tmp / "weights.npz", **model.state_dict())
        np.savez(
            tmp / "patterns.npz",
            steps=np.array(result.snapshot_steps),
            patterns=result.snapshots,
            tokens=result.snapshot_tokens,
        )
        (tmp / "log.json").write_text(json.dumps(info, indent=1) + "\n")
        try:
            tmp.rename(cache_dir / key)
        except OSError:  # another process finished the same run first: keep theirs
            if not (cache_dir / key / "log.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextlib.contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _load(path: Path, config: TrainConfig) -> TrainedRun:
    info = json.loads((path / "log.json").read_text())
    model = AttnOnlyTransformer.from_state_dict(
        path / "weights.npz", attn_scale=config.attn_scale, name=MODEL_NAME
    )
    with np.load(path / "patterns.npz") as data:
        steps, patterns, tokens = data["steps"], data["patterns"], data["tokens"]
    return TrainedRun(model, info, steps, patterns, tokens, path)
