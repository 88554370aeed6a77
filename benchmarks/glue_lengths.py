"""Measure GLUE's padded sequence lengths for the GPU-hour estimate (poorman.experiments.budget).

For each task with a local train and dev TSV: the number of examples, and the mean padded length
per example (and of its square, for attention) when batches are padded to their longest example:
training batches of 8 in random order (5 orders, the paper's recipe), dev batches of 32 in file
order (the Trainer's evaluation), truncated at 128 tokens. The tokenizer is MPNet's
(sentence-transformers/all-mpnet-base-v2: BERT's uncased WordPiece vocabulary plus 5 tokens),
the only real one offline here; BERT-base-uncased and DistilBERT use that vocabulary, RoBERTa's
BPE and XLNet's sentencepiece split English into a similar number of pieces.

    HF_HUB_OFFLINE=1 python benchmarks/glue_lengths.py --glue-dir ../shared/data/glue

Writes poorman/experiments/glue_lengths.json (shipped with the package, so Colab has it).
"""

import argparse
import json
from pathlib import Path

from transformers import AutoTokenizer

from poorman.experiments.budget import measure_lengths
from poorman.experiments.data import local_splits
from poorman.experiments.data.tasks import TASKS

TOKENIZER = "sentence-transformers/all-mpnet-base-v2"
OUT = Path(__file__).resolve().parents[1] / "poorman" / "experiments" / "glue_lengths.json"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--glue-dir", required=True, type=Path, help="a download_glue_data.py folder")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    tokenizer = AutoTokenizer.from_pretrained(TOKENIZER)
    tasks = {}
    for name, task in TASKS.items():
        if set(task.splits[:2]) <= set(local_splits(task, args.glue_dir)):
            tasks[name] = measure_lengths(task, tokenizer, args.glue_dir)
            print(name, {k: round(v, 1) for k, v in tasks[name].items()})
    result = {"tokenizer": TOKENIZER, "max_length": 128, "batch_size": 8, "eval_batch_size": 32,
              "orders": 5, "tasks": tasks}
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
