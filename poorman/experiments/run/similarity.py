"""How much fine-tuning changed each layer: linear CKA and cosine between two models' hidden states.

The paper (section on BERT vs XLNet) compares each pre-trained model with its
fine-tuned copy layer by layer. Linear CKA (Kornblith et al. 2019) over real
(non-padding) tokens is invariant to rotations and scale; the mean per-token
cosine is the plainer measure. Index 0 is the embedding output, i the output of layer i.
"""

import torch


def linear_cka(x, y):
    """Linear CKA between two (n, d) representations of the same n items."""
    x = x - x.mean(0, keepdim=True)
    y = y - y.mean(0, keepdim=True)
    xy = (y.T @ x).norm() ** 2
    return (xy / ((x.T @ x).norm() * (y.T @ y).norm())).item()


def _real_token_states(model, batch, mask):
    """Hidden states of the real tokens, on the CPU (the models may sit on different devices)."""
    device = next(model.parameters()).device
    states = model.base_model(**{k: v.to(device) for k, v in batch.items()}, output_hidden_states=True).hidden_states
    return [(h if h.shape[:2] == mask.shape else h.transpose(0, 1)).cpu()[mask] for h in states]


@torch.inference_mode()
def layer_similarity(model_a, model_b, batches, max_tokens=4096):
    """Per hidden-state index: {'layer', 'cka', 'cosine'} between model_a and model_b on the same batches."""
    states_a, states_b = None, None
    for batch in batches:
        mask = batch["attention_mask"].bool()
        ha, hb = (_real_token_states(m, batch, mask) for m in (model_a, model_b))
        states_a = ha if states_a is None else [torch.cat([s, h]) for s, h in zip(states_a, ha)]
        states_b = hb if states_b is None else [torch.cat([s, h]) for s, h in zip(states_b, hb)]
        if states_a[0].shape[0] >= max_tokens:
            break
    rows = []
    for i, (a, b) in enumerate(zip(states_a, states_b)):
        a, b = a[:max_tokens].double(), b[:max_tokens].double()
        cos = torch.nn.functional.cosine_similarity(a, b, dim=-1).mean().item()
        rows.append({"layer": i, "cka": linear_cka(a, b), "cosine": cos})
    return rows
