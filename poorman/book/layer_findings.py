"""What chapter 2's two layer profiles say, as sentences a test can hold to their numbers.

Each function reads one figure's data and returns a Reading: whether the pattern the sentence
describes is there, the numbers it states, and the sentence, chosen between hand-written
alternatives. The check that picks the sentence is the one its numbers are asserted against,
so a store where the pattern does not hold gets the other sentence, never a false one.

- `fine_tuning_depth(sim, model)`: linear CKA between a pre-trained model's layers and its
  fine-tuned copy's (1 = unchanged), by relative depth. The pattern: fine-tuning keeps the bottom
  (CKA at least KEPT below relative depth BOTTOM) and rewrites the top (at most REWRITTEN above TOP).
- `contribution_vs_symmetric(cosine, runs, model)`: the cosine between each layer's input and
  output, and the layers contribution and symmetric drop. The pattern: the layers that change
  their input least sit in the middle, so contribution drops mostly what symmetric drops.
"""

from dataclasses import dataclass, field

import pandas as pd

BOTTOM, TOP = 0.3, 0.8          # relative depths: below BOTTOM is "bottom", above TOP is "top"
KEPT, REWRITTEN = 0.9, 0.5      # CKA: at least KEPT is "left as it was", at most REWRITTEN "rewritten"
MOSTLY = 0.5                    # contribution "mostly" drops symmetric's layers: over half of them


@dataclass
class Reading:
    holds: bool                 # the pattern is in the data
    text: str                   # the sentence chosen for it (Markdown)
    numbers: dict = field(default_factory=dict)


def _num(x, bars=(KEPT, REWRITTEN)):
    """Two decimals, or three where two would print a value on the wrong side of a bar as the bar."""
    return f"{x:.3f}" if any(f"{x:.2f}" == f"{b:.2f}" and x != b for b in bars) else f"{x:.2f}"


def _span(values):
    lo, hi = _num(float(min(values))), _num(float(max(values)))
    return lo if lo == hi else f"{lo} to {hi}"


def fine_tuning_depth(sim, model, label=None):
    """sim: rows of model, task, seed, depth, cka. Per task, the mean over seeds at each depth."""
    d = sim[sim.model == model].groupby(["task", "depth"]).cka.mean().reset_index()
    bottom, top = d[d.depth < BOTTOM].cka, d[d.depth > TOP].cka
    if bottom.empty or top.empty:
        return Reading(False, f"The store holds no CKA of {label or model}'s bottom and top layers to read.")
    n = dict(bottom_lo=bottom.min(), bottom_hi=bottom.max(), top_lo=top.min(), top_hi=top.max())
    said = dict(model=label or model, bottom=_span(bottom), top=_span(top), b=BOTTOM, t=TOP, r=REWRITTEN)
    holds = bool(bottom.min() >= KEPT and top.max() <= REWRITTEN)
    if holds:
        assert n["bottom_lo"] >= KEPT and n["top_hi"] <= REWRITTEN   # "keeps" and "rewrites", as stated
        text = ("Fine-tuning leaves **{model}**'s bottom layers as they were and rewrites its top ones. Below "
                "relative depth {b}, the fine-tuned layers' CKA with the pre-trained ones is {bottom} (a task's "
                "mean over seeds); above {t}, it is {top}. Dropping the top layers before fine-tuning removes "
                "layers that fine-tuning would have largely replaced, and the layers it keeps are the ones "
                "fine-tuning changes least.")
    elif bottom.min() >= KEPT:
        text = ("Fine-tuning leaves **{model}**'s bottom layers as they were (CKA {bottom} below relative depth "
                "{b}, a task's mean over seeds), but not every task rewrites its top ones, if rewriting means a CKA "
                "of at most {r}: above {t} the CKA runs from {top}.")
    else:
        text = ("Fine-tuning changes even **{model}**'s bottom layers: its CKA with the pre-trained layers is "
                "{bottom} below relative depth {b} and {top} above {t} (a task's mean over seeds).")
    return Reading(holds, text.format(**said), n)


def _overlap(runs, model):
    """Per task and K: how many of symmetric's dropped layers contribution also drops."""
    r = runs[(runs.model == model) & runs.strategy.isin(["contribution", "symmetric"])]
    layers = r.groupby(["task", "k", "strategy"]).dropped.first().map(set).unstack("strategy")
    layers = layers.reindex(columns=["contribution", "symmetric"]).dropna()
    shared = [len(row.contribution & row.symmetric) for row in layers.itertuples()]
    return layers.assign(shared=shared, same=[row.contribution == row.symmetric for row in layers.itertuples()])


def contribution_vs_symmetric(cosine, runs, model, label=None):
    """cosine: the model's rows of task, depth, cosine (pre-trained weights); runs: the store's
    runs (dropped: 0-based layer indices)."""
    profile = cosine.groupby("depth").cosine.mean()
    both = _overlap(runs, model)
    if profile.empty or both.empty:
        return Reading(False, f"The store lacks {label or model}'s cosine profile or its contribution and "
                              "symmetric runs, so there is nothing to set side by side.")
    layers = len(profile)
    peak = int(pd.Index(profile.index).get_loc(profile.idxmax())) + 1   # 1-based, as the chapters number
    ends = [1, layers]
    share = both.shared.sum() / both.index.get_level_values("k").to_numpy().sum()
    n = dict(peak=peak, layers=layers, share=share, same=int(both.same.sum()), cells=len(both),
             lowest=int(pd.Index(profile.index).get_loc(profile.idxmin())) + 1)
    said = dict(model=label or model, peak=peak, lowest=n["lowest"], share=f"{100 * share:.0f}%", same=n["same"],
                cells=n["cells"], tasks=both.index.get_level_values("task").nunique())
    holds = bool(layers / 3 < peak <= 2 * layers / 3 and n["lowest"] in ends and share > MOSTLY)
    if holds:
        assert n["lowest"] in ends and layers / 3 < peak <= 2 * layers / 3 and share > MOSTLY
        text = ("In **{model}** the layers that change their input least sit in the middle: averaged over the "
                "calibration tasks, the cosine peaks at layer {peak} and is lowest at layer {lowest}, an end of the "
                "stack. Contribution drops the layers with the highest cosine, so it drops middle layers, which is "
                "what symmetric does by construction. Over the store's tasks and K, {share} of the layers symmetric "
                "drops are dropped by contribution too, and in {same} of the {cells} task and K cells the two "
                "drop exactly the same layers.")
    else:
        text = ("In **{model}** the cosine peaks at layer {peak} and is lowest at layer {lowest}; contribution "
                "shares {share} of symmetric's dropped layers over the store's tasks and K (the same layers in "
                "{same} of {cells} cells), so the two strategies are not the same choice here.")
    return Reading(holds, text.format(**said), n)
