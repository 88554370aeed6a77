"""A record's size and latency describe the saved fp32 model, not the bf16-autocast training wrapper.

Trainer(bf16=True) wraps forward in torch.autocast; measured as is, the latency would be that of
bf16 matmuls, which is not what the saved checkpoint runs.
"""

import torch

from poorman.experiments import finetune
from poorman.experiments.planning import run_spec
from poorman.experiments.schedule import train_one
from poorman.experiments.profiles import load_profile

SMOKE = load_profile("smoke")


def test_latency_is_measured_without_autocast(tmp_path, monkeypatch):
    profile = SMOKE.with_overrides(train={**SMOKE.train, "bf16": True, "max_train": 8, "max_eval": 8})
    seen = []

    def spy(model, *args, **kwargs):
        query = model.base_model.encoder.layer[0].attention.self.query
        hook = query.register_forward_hook(lambda mod, inp, out: seen.append(out.dtype))
        model(input_ids=torch.tensor([[2, 10, 11, 3]]))
        hook.remove()
        return {"median_ms": 0.0}

    monkeypatch.setattr(finetune, "latency", spy)
    train_one(run_spec(profile, "tiny-random/bert", "baseline", "none", 0, "rte", 42), profile, tmp_path)
    assert seen == [torch.float32]
