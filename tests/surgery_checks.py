"""Shared helpers for the surgery tests: tiny seeded models, a hook-based reference
("the original model with the dropped layers skipped"), and reload checks, including
one that runs in a fresh interpreter that never imports poorman."""

import contextlib
import json
import os
import subprocess
import sys

import pytest
import torch
import transformers
from transformers import CONFIG_MAPPING
from transformers import (AutoConfig, AutoModel, AutoModelForCausalLM, AutoModelForMaskedLM,
                          AutoModelForSequenceClassification)

from poorman.core.surgery import drop_layers, get_adapter

HEADS = {"base": AutoModel, "seq": AutoModelForSequenceClassification,
         "mlm": AutoModelForMaskedLM, "clm": AutoModelForCausalLM}

# Tiny but not trivial: a large-ish init scale so that dropping a layer visibly changes outputs.
_ENC = dict(vocab_size=99, hidden_size=32, num_hidden_layers=5, num_attention_heads=2, intermediate_size=64,
            max_position_embeddings=64, initializer_range=0.1)
_DEC = dict(vocab_size=99, hidden_size=32, num_hidden_layers=5, num_attention_heads=4, num_key_value_heads=2,
            intermediate_size=64, max_position_embeddings=64, initializer_range=0.1, tie_word_embeddings=False,
            pad_token_id=0, bos_token_id=1, eos_token_id=2)
TINY = {
    "bert": _ENC,
    "roberta": {**_ENC, "pad_token_id": 1},
    "xlm-roberta": {**_ENC, "pad_token_id": 1},
    "electra": {**_ENC, "embedding_size": 16},
    "mpnet": {**_ENC, "pad_token_id": 1},
    "deberta-v2": {**_ENC, "relative_attention": True, "position_buckets": 8, "max_relative_positions": 16,
                   "pos_att_type": ["p2c", "c2p"], "norm_rel_ebd": "layer_norm"},
    "distilbert": dict(vocab_size=99, dim=32, n_layers=5, n_heads=2, hidden_dim=64, max_position_embeddings=64,
                       initializer_range=0.1),
    "xlnet": dict(vocab_size=99, d_model=32, n_layer=5, n_head=2, d_inner=64, initializer_range=0.1),
    "albert": {**_ENC, "num_hidden_layers": 6, "embedding_size": 16},
    # local_attention=4 (window 2 each side) < seq len 12, so local vs global matters
    "modernbert": dict(vocab_size=99, hidden_size=32, intermediate_size=64, num_hidden_layers=6,
                       num_attention_heads=2, max_position_embeddings=64, local_attention=4,
                       global_attn_every_n_layers=3, initializer_range=0.1, pad_token_id=0,
                       bos_token_id=1, eos_token_id=2, cls_token_id=1, sep_token_id=2),
    "gpt2": dict(vocab_size=99, n_embd=32, n_layer=5, n_head=2, n_positions=64, initializer_range=0.1,
                 pad_token_id=0, bos_token_id=1, eos_token_id=2),
    "llama": _DEC,
    # sliding_window=4 < sequence length, and only some layers slide
    "qwen2": {**_DEC, "use_sliding_window": True, "sliding_window": 4, "max_window_layers": 2},
    "qwen3": {**_DEC, "head_dim": 8, "use_sliding_window": True, "sliding_window": 4, "max_window_layers": 3},
    "mistral": {**_DEC, "sliding_window": 4},
}
DECODERS = ("gpt2", "llama", "qwen2", "qwen3", "mistral")


def tiny_config(model_type, **overrides):
    if model_type not in CONFIG_MAPPING:  # a family newer than the installed transformers
        pytest.skip(f"transformers {transformers.__version__} has no {model_type}", allow_module_level=True)
    return AutoConfig.for_model(model_type, **{**TINY[model_type], **overrides})


def build(model_type, head="base", **overrides):
    """A seeded random tiny model in eval mode."""
    torch.manual_seed(0)
    return HEADS[head].from_config(tiny_config(model_type, **overrides)).eval()


def make_inputs(model, batch=2, seq=12):
    """Random ids avoiding special tokens; encoders get right padding in the last row."""
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(3, model.config.vocab_size, (batch, seq), generator=g)
    mask = torch.ones_like(ids)
    if model.config.model_type not in DECODERS:
        mask[-1, -3:] = 0
    return {"input_ids": ids, "attention_mask": mask}


def main_output(model, inputs):
    with torch.no_grad():
        out = model(**inputs)
    return out.logits if "logits" in out else out.last_hidden_state


def num_params(module):
    return sum(p.numel() for p in module.parameters())


def layer_params(model, indices):
    layers = get_adapter(model).layer_list(model)
    return sum(num_params(layers[i]) for i in indices)


def _identity(module, args, kwargs, out):
    """Forward hook: return the layer's input in the layer's own output structure."""
    hidden = args[0] if args else kwargs.get("hidden_states", kwargs.get("output_h"))
    if torch.is_tensor(out):
        return hidden
    return (hidden, *out[1:])


@contextlib.contextmanager
def skipping(model, drop):
    """The original model with the layers in `drop` turned into identities (via hooks)."""
    layers = get_adapter(model).layer_list(model)
    handles = [layers[i].register_forward_hook(_identity, with_kwargs=True) for i in drop]
    try:
        yield model
    finally:
        for h in handles:
            h.remove()


def snapshot(model):
    """Everything drop_layers could touch: weights, config, layer count."""
    state = {k: v.clone() for k, v in model.state_dict().items()}
    return state, model.config.to_json_string(), repr(model)


def assert_untouched(model, snap):
    state, config_json, text = snap
    now = model.state_dict()
    assert now.keys() == state.keys()
    assert all(torch.equal(now[k], state[k]) for k in state)
    assert model.config.to_json_string() == config_json
    assert not hasattr(model.config, "poorman")
    assert repr(model) == text


def check_noop(model_type, head):
    model = build(model_type, head)
    inputs = make_inputs(model)
    before, snap = main_output(model, inputs), snapshot(model)
    assert drop_layers(model, []) is model
    assert torch.equal(main_output(model, inputs), before)
    assert_untouched(model, snap)


def check_drop(model_type, head, drop, atol=1e-5, **overrides):
    """Drop `drop`; compare with hook-skipping on the original. Returns (model, inputs, output)."""
    model = build(model_type, head, **overrides)
    inputs = make_inputs(model)
    num_layers = get_adapter(model).num_layers(model)
    full = main_output(model, inputs)
    with skipping(model, drop):
        ref = main_output(model, inputs)
    params, dropped_params = num_params(model), layer_params(model, drop)

    drop_layers(model, drop, strategy="test")
    out = main_output(model, inputs)
    assert torch.allclose(out, ref, atol=atol), (out - ref).abs().max()
    assert not torch.allclose(out, full, atol=1e-3), "dropping layers should change the output"
    kept = [i for i in range(num_layers) if i not in drop]
    assert len(get_adapter(model).layer_list(model)) == len(kept)
    assert model.config.num_hidden_layers == len(kept)
    assert num_params(model) == params - dropped_params
    assert model.config.poorman == {"original_num_layers": num_layers, "dropped": sorted(drop), "kept": kept,
                                    "strategy": "test"}
    json.dumps(model.config.poorman)
    return model, inputs, out


def check_layer_idx(model):
    """Every layer_idx inside layer i equals i."""
    for i, layer in enumerate(get_adapter(model).layer_list(model)):
        for m in layer.modules():
            if hasattr(m, "layer_idx"):
                assert m.layer_idx == i, (type(m).__name__, m.layer_idx, i)


def same_attention(model):
    """Reload with the attention the model ran with: under transformers 4.x GPT-2's
    scale_attn_by_inverse_layer_idx takes effect in eager attention only."""
    return {"attn_implementation": model.config._attn_implementation}


def check_reload(model, inputs, out, head, path, atol=1e-5):
    """save_pretrained + plain from_pretrained (in this process): same depth, record, outputs."""
    model.save_pretrained(path)
    assert os.path.exists(os.path.join(path, "model.safetensors"))
    again, info = HEADS[head].from_pretrained(path, output_loading_info=True, **same_attention(model))
    again.eval()
    assert not info["missing_keys"] and not info["unexpected_keys"], info
    assert again.config.num_hidden_layers == model.config.num_hidden_layers
    assert len(get_adapter(again).layer_list(again)) == len(get_adapter(model).layer_list(model))
    assert again.config.poorman == model.config.poorman
    for name in ("layer_types", "max_window_layers", "use_sliding_window", "sliding_window"):
        assert getattr(again.config, name, None) == getattr(model.config, name, None), name
    torch.testing.assert_close(main_output(again, inputs), out, atol=atol, rtol=1e-4)
    return again


_RELOAD_SCRIPT = """
import json, sys, torch, transformers
for job in json.load(open(sys.argv[1])):
    model, info = getattr(transformers, job["auto"]).from_pretrained(job["dir"], output_loading_info=True,
                                                                     **job["kwargs"])
    model.eval()
    with torch.no_grad():
        out = model(**torch.load(job["inputs"]))
    torch.save({"out": out.logits if "logits" in out else out.last_hidden_state,
                "missing": sorted(info["missing_keys"]), "unexpected": sorted(info["unexpected_keys"]),
                "depth": model.config.num_hidden_layers, "poorman": model.config.poorman}, job["result"])
assert "poorman" not in sys.modules, "the reload must not need poorman"
"""


def check_reload_subprocess(cases, tmp_path, atol=1e-5):
    """cases: list of (model, inputs, output, head). Saves each, reloads all in ONE fresh
    interpreter that never imports poorman, and compares."""
    jobs = []
    for n, (model, inputs, _, head) in enumerate(cases):
        d = tmp_path / f"m{n}"
        model.save_pretrained(d)
        torch.save(inputs, d / "inputs.pt")
        jobs.append({"auto": HEADS[head].__name__, "dir": str(d), "inputs": str(d / "inputs.pt"),
                     "result": str(d / "result.pt"), "kwargs": same_attention(model)})
    (tmp_path / "jobs.json").write_text(json.dumps(jobs))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error",
           "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", _RELOAD_SCRIPT, str(tmp_path / "jobs.json")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for job, (model, _, out, _) in zip(jobs, cases):
        res = torch.load(job["result"])
        assert res["missing"] == [] and res["unexpected"] == [], res
        assert res["depth"] == model.config.num_hidden_layers
        assert res["poorman"] == model.config.poorman
        torch.testing.assert_close(res["out"], out, atol=atol, rtol=1e-4)


def check_generate(model_type, drop, **overrides):
    """Pruned greedy generate with KV cache == original with hooks skipping `drop`, no cache;
    and pruned with cache == pruned without."""
    model = build(model_type, "clm", **overrides)
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(3, model.config.vocab_size, (2, 6), generator=g)
    kw = dict(attention_mask=torch.ones_like(ids), max_new_tokens=8, do_sample=False, pad_token_id=0)
    with torch.no_grad():
        with skipping(model, drop):
            ref = model.generate(ids, use_cache=False, **kw)
        drop_layers(model, drop)
        cached = model.generate(ids, use_cache=True, **kw)
        uncached = model.generate(ids, use_cache=False, **kw)
    assert ref.shape[1] > ids.shape[1] + 4  # really generated something
    assert torch.equal(cached, ref), (cached, ref)
    assert torch.equal(cached, uncached)
    check_layer_idx(model)
    return model
