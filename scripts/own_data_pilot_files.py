"""Write the own-data pilot's files: 400 train and 300 eval rows of real SST-2 sentences of at
least 80 characters (about 110 on average, like the user's file in the precision issue), with
string labels, as a user's CSVs. Reads GLUE from $POORMAN_GLUE_DIR (SST-2/train.tsv, dev.tsv).

    POORMAN_GLUE_DIR=../shared/data/glue python scripts/own_data_pilot_files.py OUT_FOLDER
"""

import os
import sys
from pathlib import Path

import pandas as pd

NAMES = {0: "negative", 1: "positive"}


def long_rows(path, n, seed):
    rows = pd.read_csv(path, sep="\t", quoting=3)
    rows = rows[rows.sentence.str.strip().str.len() >= 80]
    rows = rows.sample(n=n, random_state=seed)
    return pd.DataFrame({"review": rows.sentence.str.strip(), "sentiment": rows.label.map(NAMES)})


def main(out):
    glue = Path(os.environ["POORMAN_GLUE_DIR"]) / "SST-2"
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    long_rows(glue / "train.tsv", 400, 0).to_csv(out / "train.csv", index=False)
    long_rows(glue / "dev.tsv", 300, 0).to_csv(out / "eval.csv", index=False)
    print(f"wrote {out}/train.csv (400 rows) and {out}/eval.csv (300 rows)")


if __name__ == "__main__":
    main(sys.argv[1])
