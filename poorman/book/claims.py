"""The paper's claims: its verbatim words (paper_claims.csv, each with its source) and the claims page.

The book quotes only what a source available here holds. Two of the claims it tests are not in
any abstract (the paper's body is not stored here); the page says so instead of quoting.
"""

import inspect
import re
from importlib import resources

import pandas as pd

from .verdicts import CHECKS

# claim key -> (the claim in the book's words, ids of its verbatim quotes in paper_claims.csv)
CLAIMS = {
    "pruned_40_keeps_98": ("Pruning 40% of the model keeps up to 98% of its performance",
                           ["v1_pruned_up_to", "v3_pruned_up_to", "csl2023_pruned_up_to"]),
    "on_par_with_distilbert": ("Pruned models are on par with DistilBERT in size and performance",
                               ["v1_on_par_with_distilbert", "v3_on_par_with_distillation"]),
    "lower_layers_critical": ("The lower layers are the most critical", ["v3_lower_layers_critical"]),
    "robust_tasks": ("Paraphrase detection and sentence similarity are more robust to dropping layers",
                     ["v3_robust_tasks"]),
    "objective_matters": ("Models pre-trained with another objective react differently", ["v3_objective_matters"]),
    "xlnet_robust_top": ("XLNet is more robust than BERT to dropping its top layers", []),
    "top_best": ("Dropping the top layers works best", []),
}
NO_QUOTE = ("*No quote*: these words are not in the abstracts of v1, v3 or the journal version, the only "
            "texts of the paper stored here; this is the book's summary of the paper's findings, not a quote.")


def paper_claims():
    """DataFrame indexed by claim id, with columns claim, value, unit, source, quote."""
    with resources.files("poorman.book").joinpath("paper_claims.csv").open() as f:
        return pd.read_csv(f).set_index("id")


def cite(claim_id):
    """'"quote" ([arXiv 2004.03844 v3 abstract](url))' for a quote id of paper_claims.csv: the
    source in short, linked (the dropdown of the claims page gives it in full)."""
    row = paper_claims().loc[claim_id]
    url = row.source.rsplit(" ", 1)[-1]
    return f"\"{row.quote}\" ([{row.source.split(' (')[0]}]({url}))"


def words(key):
    """The paper's words for a claim, each distinct quote once with all its sources (Markdown)."""
    quotes = paper_claims().loc[CLAIMS[key][1]] if CLAIMS[key][1] else None
    if quotes is None:
        return NO_QUOTE
    parts = [f"> \"{quote}\" ({'; '.join(sources)})" for quote, sources in
             quotes.groupby("quote", sort=False).source.apply(list).items()]
    return " ".join(p[2:] for p in parts)


def rule(key):
    """How the book decides the claim: the docstring of its check in poorman.book.verdicts, less
    its pointers into the code (a reader of the page cannot follow "ranked()")."""
    text = " ".join(inspect.getdoc(CHECKS[key]).split())
    text = re.sub(r"\s*\((?:see the module docstring|[\w.]+\.\w+|\w+\(\))\)", "", text)   # a whole aside
    return re.sub(r",\s*(?:[\w.]+\.\w+|\w+\(\))(?=\))", "", text)                          # a last item


def table(verdicts):
    """The claims page's table as Markdown: one row per claim."""
    head = "| claim | the paper's words (source) | what the book measured (95% interval) | verdict | to test it |"
    rows = [head, "|" + "---|" * 5]
    for key, (claim, _) in CLAIMS.items():
        v = verdicts[key]
        need = v.need if v.verdict == "not testable" else ""
        cells = [f"**{claim}**", words(key), v.measured, f"**{v.label}**", need]
        rows.append("| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in cells) + " |")
    return "\n".join(rows)
