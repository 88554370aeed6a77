"""The model card (README.md) saved with a `poorman finetune` checkpoint, written from its run record."""

import shlex
from pathlib import Path


def _mb(n_bytes):
    return f"{n_bytes / 1e6:.1f} MB"


def _source(source, rows):
    if "hub" in source:
        return f"Hub dataset `{source['hub']}` ({source.get('config') or 'default'}), split {source['split']}, {rows:,} rows"
    return f"`{Path(source['path']).name}`, {rows:,} rows, sha256 `{source['sha256'][:16]}...`"


def _dropped(record):
    cfg, dropped = record["config"], record["dropped"]
    if not dropped:
        return "none (the full model)"
    how = "given by hand" if cfg["strategy"] == "manual" else f"strategy `{cfg['strategy']}`"
    return f"{', '.join(str(i + 1) for i in dropped)} (1-based, 1 = bottom; {how})"


def reproduce(record, task):
    """The `poorman finetune` command that trains this model again."""
    cfg, train = record["config"], record["config"]["train"]
    args = ["poorman", "finetune", cfg["model"], "--train", _where(task["train"]), "--eval", _where(task["eval"]),
            "--text", task["text"][0]] + (["--text-pair", task["text"][1]] if len(task["text"]) > 1 else []) \
        + ["--label", task["label"], "--name", task["name"]]
    if task["label_names"]:
        args += ["--label-names", *task["label_names"]]
    if task["regression"]:
        args += ["--regression"]
    args += ["--metrics", *task["metrics"]]
    if cfg["strategy"] == "manual":
        args += ["--layers", *map(str, cfg["layers"])]
    elif cfg["k"]:
        args += ["--strategy", cfg["strategy"], "--k", str(cfg["k"])]
    args += ["--profile", cfg["profile"], "--seed", str(cfg["seed"]), "--epochs", str(train["epochs"]),
             "--lr", str(train["learning_rate"]), "--batch-size", str(train["batch_size"]),
             "--max-length", str(train["max_length"])]
    if train["max_train"]:
        args += ["--max-train", str(train["max_train"])]
    return " ".join(shlex.quote(a) for a in args) + " --out OUT"


def _where(source):
    return source["path"] if "path" in source else f"hub:{source['hub']}"


def facts(record, task, learning=None, latency_ms=None):
    """(what, value) rows: base model, layers, data, eval score, size, latency, recipe, software.
    latency_ms: this depth's latency timed side by side with the other depths (`poorman compare`),
    shown instead of the run's own timing, which ran once under whatever else the machine did."""
    cfg, env, lat = record["config"], record["env"], record["latency"]
    metrics = ", ".join(f"{k} {v:.4f}" for k, v in record["metrics"].items() if k != "score")
    labels = ", ".join(f"{i}={n}" for i, n in enumerate(task["label_names"])) or "a score (regression)"
    threads = env.get("cpu_threads")
    device = env.get("gpu") or f"CPU {env.get('processor')}, {threads} thread{'' if threads == 1 else 's'}"
    recipe = ", ".join(f"{k} {v}" for k, v in cfg["train"].items() if v not in (None, [], False))
    n_eval = sum(record["num_eval_examples"].values())
    rows = [("base model", f"`{cfg['model']}`"),
            ("layers", f"{record['num_layers']} of {record['original_layers']} kept"),
            ("dropped", _dropped(record)),
            ("task", f"{task['name']}: text {' + '.join(task['text'])}, label {task['label']}; labels {labels}"),
            ("train data", _source(task["train"], record["num_train_examples"])),
            ("eval data", _source(task["eval"], n_eval)),
            ("eval score", f"**{record['metrics']['score']:.4f}** (mean of {metrics})"),
            *([("against the constant predictor", learning)] if learning else []),
            ("parameters", f"{record['params']['total'] / 1e6:.2f} M ({record['params']['layers'] / 1e6:.2f} M in the layers)"),
            ("checkpoint", _mb(record["checkpoint_bytes"])),
            ("latency", f"{lat['median_ms'] if latency_ms is None else latency_ms:.1f} ms per forward pass of "
                        f"{lat['batch_size']} x {lat['seq_len']} tokens (median; {device}"
                        + ("" if latency_ms is None else "; timed side by side with the other depths by "
                           "`poorman compare`") + ")"),
            ("recipe", f"{recipe}; seed {cfg['seed']}; profile {cfg['profile']}"),
            ("software", f"poorman {env.get('poorman')}, transformers {env.get('transformers')}, "
                         f"torch {env.get('torch')}; {env.get('date')}")]
    return rows


def _what(record, task):
    """The card's first sentence: what was dropped (if anything) and what it was fine-tuned on."""
    model, dropped = record["config"]["model"], len(record["dropped"])
    if not dropped:
        return f"`{model}`, all {record['original_layers']} layers kept, fine-tuned on {task['name']} with poorman."
    return (f"`{model}` with {dropped} of its {record['original_layers']} layers dropped before fine-tuning (the "
            f"\"Poor Man's BERT\" recipe, Sajjad et al., arXiv 2004.03844), fine-tuned on {task['name']} with poorman.")


def model_card(record, task, title, learning=None, latency_ms=None):
    """Markdown for README.md: a front matter for the Hub, the facts, how to use and retrain it.
    learning: metrics.learning_note's line, the model's score beside the constant predictor's.
    latency_ms: see `facts`."""
    cfg = record["config"]
    table = "\n".join(f"| {k} | {v} |" for k, v in facts(record, task, learning, latency_ms))
    return f"""---
library_name: transformers
base_model: {cfg['model']}
pipeline_tag: text-classification
tags: [poorman, layer-dropping]
---

# {title}

{_what(record, task)} It is a plain transformers checkpoint: no poorman needed to use it.

| | |
|---|---|
{table}

## Use

```python
from transformers import pipeline
classify = pipeline("text-classification", model="{title}")
classify("your text here")
```

## Train it again

```bash
{reproduce(record, task)}
```

Run id `{record['run_id']}`; the full run record is in the run store.
"""
