"""poorman.core.measure: parameter counts, checkpoint size, FLOPs, latency. No timing assertions here:
how fast pruned models run is a benchmark (benchmarks/p1_latency.py), not a test."""

import statistics

import pytest

from poorman import drop_layers
from poorman.core.measure import checkpoint_size, count_parameters, forward_flops, ideal_speedup, latency, measure
from poorman.core.surgery import get_adapter
from surgery_checks import build, layer_params

FAMILIES = [("bert", "seq"), ("bert", "mlm"), ("gpt2", "clm"), ("xlnet", "clm"), ("albert", "mlm"),
            ("llama", "clm"), ("distilbert", "seq"), ("modernbert", "mlm")]


def unique_numel(model):
    seen = {}
    for _, p in model.named_parameters(remove_duplicate=False):
        seen[p.data_ptr()] = p.numel()
    return sum(seen.values())


@pytest.mark.parametrize("model_type, head", FAMILIES)
def test_parts_sum_to_unique_total(model_type, head):
    model = build(model_type, head)
    c = count_parameters(model)
    assert c["total"] == unique_numel(model)
    assert c["embeddings"] + c["layers"] + c["other"] == c["total"]
    assert all(v > 0 for v in c.values())
    assert c["embeddings"] >= model.get_input_embeddings().weight.numel()
    assert c["layers"] == sum(p.numel() for p in get_adapter(model).layer_list(model).parameters())


def test_tied_embeddings_count_once():
    model = build("gpt2", "clm", tie_word_embeddings=True)
    assert model.lm_head.weight is model.transformer.wte.weight
    c = count_parameters(model)
    every = sum(p.numel() for _, p in model.named_parameters(remove_duplicate=False))
    assert c["total"] == every - model.lm_head.weight.numel()
    # GPT-2's embeddings are the token and the position tables
    assert c["embeddings"] == model.transformer.wte.weight.numel() + model.transformer.wpe.weight.numel()
    untied = count_parameters(build("gpt2", "clm", tie_word_embeddings=False))
    assert untied["total"] == c["total"] + model.lm_head.weight.numel()
    assert untied["other"] == c["other"] + model.lm_head.weight.numel()


@pytest.mark.parametrize("model_type, head", [("bert", "seq"), ("gpt2", "clm"), ("llama", "clm"), ("xlnet", "base")])
def test_layers_part_shrinks_by_the_dropped_layers(model_type, head):
    model = build(model_type, head)
    before, dropped = count_parameters(model), layer_params(model, [1, 3])
    drop_layers(model, [1, 3])
    after = count_parameters(model)
    assert after["layers"] == before["layers"] - dropped
    assert after["total"] == before["total"] - dropped
    assert (after["embeddings"], after["other"]) == (before["embeddings"], before["other"])


def test_albert_drop_keeps_its_parameters():
    model = build("albert")
    before = count_parameters(model)
    with pytest.warns(UserWarning, match="shares one set"):
        drop_layers(model, [0, 1])
    assert count_parameters(model) == before


def test_checkpoint_size_shrinks_by_the_dropped_weights():
    model = build("bert", "seq")
    full = checkpoint_size(model)
    assert full > 4 * count_parameters(model)["total"]  # float32 weights plus config and header
    dropped = layer_params(model, [0, 2])
    drop_layers(model, [0, 2])
    pruned = checkpoint_size(model)
    assert 0 < pruned < full
    # the weights go (4 bytes each), along with their safetensors header entries; the config grows a little
    assert 4 * dropped < full - pruned < 4 * dropped + 4096


def test_forward_flops_ratio_and_ideal_speedup():
    L, k = 5, 2
    model = build("bert", "seq")
    full = forward_flops(model, batch_size=2, seq_len=16)
    assert full > 0
    assert forward_flops(model, batch_size=4, seq_len=16) == 2 * full  # linear in the batch
    drop_layers(model, [0, 4])
    pruned = forward_flops(model, batch_size=2, seq_len=16)
    # the embeddings and the head stay, so the FLOPs fall by less than the layer count does
    assert (L - k) / L < pruned / full < 1
    speedup = ideal_speedup({"flops": full}, {"flops": pruned})
    assert 1 < speedup < L / (L - k)


def test_latency_is_median_of_repeats():
    model = build("bert").train()
    calls = []
    handle = model.register_forward_pre_hook(lambda *_: calls.append(1))
    out = latency(model, batch_size=2, seq_len=8, repeats=5, warmup=2)
    handle.remove()
    assert len(calls) == 7  # warm-up runs are not timed
    assert len(out["times_ms"]) == 5 and all(t > 0 for t in out["times_ms"])
    assert out["median_ms"] == statistics.median(out["times_ms"])
    assert (out["batch_size"], out["seq_len"]) == (2, 8)
    assert model.training  # mode restored


def test_measure_collects_everything():
    model = build("bert", "seq")
    m = measure(model, batch_size=2, seq_len=8, repeats=2, warmup=0)
    assert m["num_layers"] == 5
    assert m["params"] == count_parameters(model)
    assert m["flops"] == forward_flops(model, 2, 8)
    assert m["checkpoint_bytes"] > 0 and len(m["latency"]["times_ms"]) == 2
    light = measure(model, batch_size=2, seq_len=8, size=False, timing=False)
    assert set(light) == {"num_layers", "params", "flops"}
