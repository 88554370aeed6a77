"""A record's size and latency describe the saved fp32 model, timed in the run's precision on
purpose, not through the bf16-autocast wrapper that training leaves on the model.

Trainer(bf16=True) wraps forward in torch.autocast; measured as is, every later use of the model
would run in bf16 whatever was asked for.
"""

import torch

from poorman.experiments.run import finetune
from poorman.experiments.run.planning import run_spec
from poorman.experiments.sweep.schedule import train_one
from poorman.experiments.profiles import load_profile

SMOKE = load_profile("smoke")


def test_latency_is_measured_without_autocast(tmp_path, monkeypatch):
    profile = SMOKE.with_overrides(precision="bf16", train={**SMOKE.train, "max_train": 8, "max_eval": 8})
    seen, asked = [], []

    def spy(model, *args, **kwargs):
        query = model.base_model.encoder.layer[0].attention.self.query
        hook = query.register_forward_hook(lambda mod, inp, out: seen.append(out.dtype))
        model(input_ids=torch.tensor([[2, 10, 11, 3]]))
        hook.remove()
        asked.append(args[-1])
        return {"median_ms": 0.0}

    monkeypatch.setattr(finetune, "latency", spy)
    train_one(run_spec(profile, "tiny-random/bert", "baseline", "none", 0, "rte", 42), profile, tmp_path)
    assert seen == [torch.float32] and asked == ["bf16"]
