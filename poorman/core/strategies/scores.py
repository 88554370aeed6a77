"""Layer contribution scores from one forward pass per batch.

Hooks on the layer stack record what goes into each layer and what comes out,
so a single forward pass gives every layer's input/output similarity. Using
the layer modules (not `output_hidden_states`) matters: several families apply
a final norm to the last hidden state, which would distort the top layer.

Token choice (`token=`):
    "first"  the first real token, BERT's [CLS];
    "last"   the last real token, XLNet's summary <cls> and a causal LM's last;
    "mean"   the cosine of every real token, averaged over the sequence.
Padding is excluded through the attention mask, whichever side it is on.
"""

import contextlib
from dataclasses import dataclass, field

import numpy as np
import torch
from tqdm.auto import tqdm

from ..surgery import get_adapter

TOKENS = ("first", "last", "mean")
_HIDDEN_KWARGS = ("hidden_states", "x", "output_h", "hidden_state")


def block_angular_distance(boundary_cosine, k):
    """arccos(cos)/pi between the input and the output of every block of k consecutive layers:
    entry i is the block of layers i..i+k-1 (boundary i is the input of layer i)."""
    boundary_cosine = np.asarray(boundary_cosine, dtype=float)
    L = boundary_cosine.shape[0] - 1
    cos = np.clip([boundary_cosine[i, i + k] for i in range(L - k + 1)], -1.0, 1.0)
    return np.arccos(cos) / np.pi


@dataclass
class LayerScores:
    """cosine[i]: mean cosine between layer i's input and output (high = little change).
    boundary_cosine[i, j]: mean cosine between the input of layer i and the input of
    layer j (index L is the last layer's output), for block strategies."""
    cosine: np.ndarray
    boundary_cosine: np.ndarray
    token: str
    num_examples: int
    meta: dict = field(default_factory=dict)

    @property
    def block_influence(self):
        """ShortGPT's BI = 1 - cos."""
        return 1.0 - self.cosine

    def angular_distance(self, k):
        """arccos(cos)/pi between the input and output of every k-block."""
        return block_angular_distance(self.boundary_cosine, k)

    def to_dict(self):
        return {"cosine": self.cosine.tolist(), "boundary_cosine": self.boundary_cosine.tolist(),
                "token": self.token, "num_examples": self.num_examples, "meta": self.meta}

    @classmethod
    def from_dict(cls, d):
        return cls(np.asarray(d["cosine"]), np.asarray(d["boundary_cosine"]), d["token"],
                   d["num_examples"], d.get("meta", {}))


def _hidden_in(args, kwargs):
    if args and torch.is_tensor(args[0]):
        return args[0]
    for name in _HIDDEN_KWARGS:
        if torch.is_tensor(kwargs.get(name)):
            return kwargs[name]
    raise RuntimeError("could not find the hidden states among a layer's inputs")


def _hidden_out(output):
    return output if torch.is_tensor(output) else output[0]


def _token_index(mask, token):
    """(batch,) position of the first or last real token of each example."""
    positions = torch.arange(mask.shape[1], device=mask.device).expand_as(mask)
    real = mask.bool()
    if token == "first":
        return torch.where(real, positions, mask.shape[1]).min(dim=1).values
    return torch.where(real, positions, -1).max(dim=1).values


def _pairwise_cosine(states, mask, token):
    """states: list of n (batch, seq, hidden) -> per-example (n, n, batch) cosines.

    first/last: the cosine between the chosen token's vectors. mean: the per-token
    cosine averaged over each example's real tokens. Each vector is normalised once
    (in float32); for `mean` only the real tokens are kept and one example's sum of
    per-token cosines for all n x n pairs is a single matmul of its flattened
    (n, tokens * hidden) block with itself.
    """
    F = torch.nn.functional
    if token != "mean":
        idx = _token_index(mask, token)
        rows = torch.arange(mask.shape[0], device=mask.device)
        x = torch.stack([F.normalize(h[rows, idx].float(), dim=-1) for h in states], dim=1)  # (b, n, h)
        return torch.bmm(x, x.transpose(1, 2)).permute(1, 2, 0)
    real = mask.bool()
    x = torch.stack([F.normalize(h[real].float(), dim=-1) for h in states])  # (n, real tokens, h)
    n, lengths = len(states), real.sum(dim=1).tolist()
    out = torch.zeros(n, n, len(lengths), device=x.device)
    for e, block in enumerate(x.split(lengths, dim=1)):
        if lengths[e]:
            block = block.reshape(n, -1)
            out[:, :, e] = (block @ block.T) / lengths[e]
    return out


@contextlib.contextmanager
def _one_cpu_thread(device):
    """On CPU, run the similarity maths on one thread. It is tiny next to the forward pass
    (n^2 * tokens * hidden against layers * tokens * hidden^2), but it is many small ops, and
    each multi-threaded op pays a fork/join; on a busy machine that made it cost 20% of a
    forward pass (one thread: under 1%)."""
    if device.type != "cpu":
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _is_text(x):
    return isinstance(x, str) or (isinstance(x, (list, tuple)) and len(x) == 2
                                  and all(isinstance(t, str) for t in x))


def _batches(inputs, tokenizer, batch_size, max_length):
    if isinstance(inputs, (list, tuple)) and inputs and _is_text(inputs[0]):
        if tokenizer is None:
            raise ValueError("texts need a tokenizer: layer_scores(model, texts, tokenizer=tok)")
        for s in range(0, len(inputs), batch_size):
            chunk = list(inputs[s:s + batch_size])
            bad = [x for x in chunk if not _is_text(x)]
            if bad:
                raise ValueError(f"expected texts or (text, text) pairs, got {bad[0]!r}")
            pairs = [not isinstance(c, str) for c in chunk]
            if all(pairs):
                texts = ([c[0] for c in chunk], [c[1] for c in chunk])
            elif any(pairs):  # a mix: the tokenizer encodes each tuple in a batch as a pair
                texts = ([c if isinstance(c, str) else tuple(c) for c in chunk],)
            else:
                texts = (chunk,)
            enc = tokenizer(*texts, truncation=True, max_length=max_length, padding=True,
                            return_tensors="pt")
            yield dict(enc)
    elif isinstance(inputs, dict) or hasattr(inputs, "keys"):
        n = len(inputs["input_ids"])
        for s in range(0, n, batch_size):
            yield {k: v[s:s + batch_size] for k, v in inputs.items()}
    else:
        yield from inputs  # an iterable of ready batches


@contextlib.contextmanager
def _layer_states(model, adapter):
    """Yield a list that each forward pass fills with the hidden states entering the first layer
    and leaving every layer (L + 1 tensors); hooks removed and the mode restored afterwards."""
    captured: list = []

    def pre_hook(module, args, kwargs):
        if not captured:
            captured.append(_hidden_in(args, kwargs))

    def post_hook(module, args, kwargs, output):
        captured.append(_hidden_out(output))

    handles = []
    for layer in adapter.layer_list(model):
        handles.append(layer.register_forward_pre_hook(pre_hook, with_kwargs=True))
        handles.append(layer.register_forward_hook(post_hook, with_kwargs=True))
    was_training = model.training
    model.eval()
    try:
        yield captured
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)


def _batch_cosines(model, adapter, captured, batch, token) -> torch.Tensor:
    """(L + 1, L + 1, batch) cosines between every pair of layer boundaries for one batch."""
    L, device = adapter.num_layers(model), next(model.parameters()).device
    batch = {k: v.to(device) for k, v in batch.items() if torch.is_tensor(v)}
    captured.clear()
    model(**batch)
    if len(captured) != L + 1:
        raise RuntimeError(f"expected {L} layer calls, saw {len(captured) - 1}")
    states = captured if adapter.hidden_batch_first else [h.transpose(0, 1) for h in captured]
    mask = batch.get("attention_mask", torch.ones(states[0].shape[:2], device=device))
    with _one_cpu_thread(device):
        return _pairwise_cosine(states, mask, token)


@torch.inference_mode()
def layer_scores(model: torch.nn.Module, inputs, *, tokenizer=None, token: str = "mean", batch_size: int = 16,
                 max_length: int = 128, progress: bool = True) -> LayerScores:
    """Mean input/output cosine per layer over a calibration sample.

    `inputs`: a list of texts (or text pairs) with `tokenizer`, a dict of tensors
    (e.g. a BatchEncoding), or an iterable of such batches.
    """
    if token not in TOKENS:
        raise ValueError(f"unknown token choice {token!r}; choose one of {', '.join(TOKENS)}")
    adapter = get_adapter(model)
    L = adapter.num_layers(model)
    total, count = torch.zeros(L + 1, L + 1, dtype=torch.float64), 0
    with _layer_states(model, adapter) as captured:
        for batch in tqdm(_batches(inputs, tokenizer, batch_size, max_length), disable=not progress,
                          desc="layer scores"):
            cos = _batch_cosines(model, adapter, captured, batch, token)
            total += cos.sum(-1).double().cpu()
            count += cos.shape[-1]
    if count == 0:
        raise ValueError("layer_scores got no calibration examples")
    boundary = (total / count).numpy()
    cosine = np.array([boundary[i, i + 1] for i in range(L)])
    meta = {"model_type": model.config.model_type,
            "name_or_path": getattr(model.config, "_name_or_path", "")}
    return LayerScores(cosine, boundary, token, count, meta)
