"""The paper's own reported claims: one data file, each row with its source and verbatim quote."""

from importlib import resources

import pandas as pd


def paper_claims():
    """DataFrame indexed by claim id, with columns claim, value, unit, source, quote."""
    with resources.files("poorman.book").joinpath("paper_claims.csv").open() as f:
        return pd.read_csv(f).set_index("id")


def cite(claim_id):
    """'"quote" (source)' for a claim, ready to drop into computed prose."""
    row = paper_claims().loc[claim_id]
    return f"\"{row.quote}\" ({row.source})"
