"""Write the bundled "your own data" sample: SST-2 rows from a GLUE folder, as a user's CSVs.

    python scripts/own_data_sample.py /path/to/glue [--train 400] [--eval 200]

Writes poorman/experiments/samples/sst2_train.csv and sst2_eval.csv: a seeded random sample of
SST-2's train.tsv and dev.tsv, in file order, with string labels (negative/positive) and an extra
column, glue_row (the row's 0-based index in the GLUE file), as a user's own file would have.
"""

import argparse
import csv
from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent.parent / "poorman" / "experiments" / "samples"


def sample(tsv, n, seed=0):
    rows = pd.read_csv(tsv, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    pick = np.sort(np.random.default_rng(seed).permutation(len(rows))[:n])
    return pd.DataFrame({"sentence": rows.sentence.iloc[pick].str.strip().values,
                         "sentiment": rows.label.iloc[pick].map({"0": "negative", "1": "positive"}).values,
                         "glue_row": pick})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("glue_dir")
    parser.add_argument("--train", type=int, default=400)
    parser.add_argument("--eval", type=int, default=200)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for name, file, n in (("train", "train.tsv", args.train), ("eval", "dev.tsv", args.eval)):
        frame = sample(Path(args.glue_dir) / "SST-2" / file, n)
        frame.to_csv(OUT / f"sst2_{name}.csv", index=False)
        print(f"{OUT / f'sst2_{name}.csv'}: {len(frame)} rows, {frame.sentiment.value_counts().to_dict()}")


if __name__ == "__main__":
    main()
