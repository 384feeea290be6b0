"""Train a small attention-only transformer in numpy and see which circuits it learned.

Pure numpy (never imports manim). The forward pass of
:class:`~circuit_clips.model.AttnOnlyTransformer` for a batch, its gradients derived by
hand, Adam (:mod:`.core`); random sequences with one chunk copied later (:mod:`.data`);
the training loop (:mod:`.train`); held-out measurements of the circuits (:mod:`.measure`);
and the trained model as a cached build product (:mod:`.cache`)::

    from circuit_clips.training import trained_induction_model
    model = trained_induction_model()   # trains on first use (a few minutes), then cached

``python -m circuit_clips.training`` trains (if needed) and prints the held-out figures.
See ``docs/training.md``.
"""

from circuit_clips.training.cache import (
    INDUCTION_CONFIG,
    TrainedRun,
    cache_key,
    default_cache_dir,
    load_or_train,
    trained_induction_model,
)
from circuit_clips.training.core import Adam, forward, loss_and_grads, next_token_loss
from circuit_clips.training.data import copied_chunks_batch, repeated_halves_batch
from circuit_clips.training.measure import measure, phase_change_step
from circuit_clips.training.train import TrainConfig, TrainResult, model_from_params, train

__all__ = [
    "INDUCTION_CONFIG",
    "Adam",
    "TrainConfig",
    "TrainResult",
    "TrainedRun",
    "cache_key",
    "copied_chunks_batch",
    "default_cache_dir",
    "forward",
    "load_or_train",
    "loss_and_grads",
    "measure",
    "model_from_params",
    "next_token_loss",
    "phase_change_step",
    "repeated_halves_batch",
    "train",
    "trained_induction_model",
]
