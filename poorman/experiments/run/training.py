"""Fine-tuning with HF Trainer: the one place that turns a profile's `train` settings into
TrainingArguments, and the train and evaluate stages of a run.

`train_cfg` is a profile's `train` dict (after `task_train`): batch_size, learning_rate, epochs,
weight_decay, warmup_ratio, group_by_length, freeze_embeddings, freeze_layers, ... The precision
is not among them: it is chosen for the hardware (core/precision.py) and passed on its own.
"""

import contextlib
import time

import torch
from transformers import (DataCollatorWithPadding, PrinterCallback, ProgressCallback, Trainer, TrainerCallback,
                          TrainingArguments)

from ...core.precision import Precision
from ...core.surgery import get_adapter
from ..data.metrics import trainer_metrics


@contextlib.contextmanager
def quiet_libraries(verbose=False):
    """Unless verbose: no progress bars from datasets (map, tokenize) or transformers ("Writing
    model shards"), and transformers logs errors only. Restored on exit."""
    if verbose:
        yield
        return
    import datasets
    from transformers.utils import logging
    before = datasets.is_progress_bar_enabled(), logging.is_progress_bar_enabled(), logging.get_verbosity()
    datasets.disable_progress_bars()
    logging.disable_progress_bar()
    logging.set_verbosity_error()
    try:
        yield
    finally:
        if before[0]:
            datasets.enable_progress_bars()
        if before[1]:
            logging.enable_progress_bar()
        logging.set_verbosity(before[2])


def _renamed_in_transformers_5(train_cfg):
    """Length grouping and the warm-up ratio, under the names this transformers version knows."""
    fields = TrainingArguments.__dataclass_fields__
    grouped, warmup = train_cfg.get("group_by_length", False), train_cfg.get("warmup_ratio", 0.0)
    out = {"train_sampling_strategy": "group_by_length" if grouped else "random"} \
        if "train_sampling_strategy" in fields else {"group_by_length": grouped}
    out.update({"warmup_ratio": warmup} if "warmup_ratio" in fields else {"warmup_steps": float(warmup)})
    return out


def training_arguments(train_cfg, output_dir, seed, *, precision: Precision | None = None, progress=False,
                       **changes):
    """TrainingArguments for `train_cfg`: no checkpoints, no logging, no reports; autocast as
    `precision` says (None: fp32); `changes` (e.g. max_steps=30) go over the result."""
    flags = precision.trainer_flags() if precision else {"bf16": False, "fp16": False}
    args = dict(
        output_dir=str(output_dir), per_device_train_batch_size=train_cfg["batch_size"],
        per_device_eval_batch_size=max(32, train_cfg["batch_size"]),
        learning_rate=train_cfg["learning_rate"], num_train_epochs=train_cfg.get("epochs", 1),
        weight_decay=train_cfg.get("weight_decay", 0.0), **flags,
        seed=seed, data_seed=seed, save_strategy="no", eval_strategy="no", report_to=[],
        logging_strategy="no", disable_tqdm=not progress, use_cpu=not torch.cuda.is_available(),
        **_renamed_in_transformers_5(train_cfg))
    if torch.cuda.is_available():
        args.update(gpu_levers(train_cfg))
    return TrainingArguments(**{**args, **changes})


def gpu_levers(train_cfg):
    """Less host time per GPU step (at the paper's batch 8 a step is ~45 ms of host work against a
    few ms of GPU work: benchmarks/README.md, P6):
    - no NaN check of each step's loss: `torch.isnan(loss)` makes the host wait for the GPU every
      step, and it only filters the logged average (this engine logs nothing), so the trained
      model is bit-for-bit the same;
    - fused AdamW: one kernel for all parameters instead of a few per tensor (equal to the
      default AdamW up to float rounding, not bit-for-bit);
    - eval batches four times the training batch: evaluation needs no gradients, so memory allows
      it, and fewer steps mean fewer host round trips (the same scores, up to float rounding).
    Their gain is measured by benchmarks/p6_gpu_pipeline.py --levers on a GPU."""
    return {"logging_nan_inf_filter": False, "optim": "adamw_torch_fused",
            "per_device_eval_batch_size": max(64, 4 * train_cfg["batch_size"])}


def freeze(model, train_cfg):
    """Stop gradients to the embeddings and to `freeze_layers` (indices of the pruned model)."""
    base = model.base_model
    if train_cfg.get("freeze_embeddings"):
        for p in model.get_input_embeddings().parameters():
            p.requires_grad = False
        for p in getattr(base, "embeddings", torch.nn.Module()).parameters():
            p.requires_grad = False
    layers = get_adapter(model).layer_list(model)
    for i in train_cfg.get("freeze_layers") or []:
        for p in layers[i].parameters():
            p.requires_grad = False


def make_trainer(model, tokenizer, task, train_data, args, *, verbose=False, callbacks=()):
    """A Trainer with dynamic padding and the task's metrics; quiet (no metric dicts, no bars)
    unless `verbose`. On a GPU batches are padded to a multiple of 8: there, exact lengths (many distinct
    batch shapes) made training 1.5x slower (benchmarks/README.md, P6). A CPU's time follows the FLOPs (P1, P3), so extra
    padding would only add work there."""
    multiple = 8 if args.device.type == "cuda" else None
    trainer = Trainer(model=model, args=args, train_dataset=train_data,
                      data_collator=DataCollatorWithPadding(tokenizer, pad_to_multiple_of=multiple),
                      compute_metrics=trainer_metrics(task), callbacks=list(callbacks))
    if not verbose:  # these print every logged dict (train_runtime, eval_*) and draw the inner bars
        trainer.remove_callback(PrinterCallback)
        trainer.remove_callback(ProgressCallback)
    return trainer


def train(trainer):
    """(mean training loss, seconds)."""
    start = time.perf_counter()
    out = trainer.train()
    return out.training_loss, time.perf_counter() - start


def evaluate(trainer, evals):
    """(metrics, seconds) over {split: tokenized data}. One split: its metrics as they are;
    several (MNLI): prefixed by split, and `score` is the mean of the splits' scores."""
    metrics, seconds = {}, 0.0
    for split, data in evals.items():
        start = time.perf_counter()
        out = trainer.evaluate(eval_dataset=data, metric_key_prefix="eval")
        seconds += time.perf_counter() - start
        prefix = "" if len(evals) == 1 else f"{split}_"
        metrics.update({prefix + k[len("eval_"):]: v for k, v in out.items()
                        if k.startswith("eval_") and not k.endswith(("runtime", "per_second", "loss"))
                        and not k.startswith("eval_steps")})
    if len(evals) > 1:
        metrics["score"] = sum(metrics[f"{s}_score"] for s in evals) / len(evals)
    return metrics, seconds


def trained_model(trainer):
    """The trained model in eval mode, unwrapped: Trainer(bf16=True or fp16=True) leaves its forward pass
    wrapped in autocast, and what follows (similarity, saving) is about the fp32 model."""
    return trainer.accelerator.unwrap_model(trainer.model, keep_fp32_wrapper=False).eval()


class ConcurrencySampler(TrainerCallback):
    """The most trainings seen running at once (this one included) while this one trains,
    by calling `count()` at the start, the end, and once a second in between."""

    def __init__(self, count):
        self.count, self.most, self._last = count, 1, 0.0

    def _sample(self):
        self.most, self._last = max(self.most, self.count()), time.monotonic()

    def on_train_begin(self, args, state, control, **kwargs):
        self._sample()

    def on_step_end(self, args, state, control, **kwargs):
        if time.monotonic() - self._last >= 1.0:
            self._sample()

    def on_train_end(self, args, state, control, **kwargs):
        self._sample()
