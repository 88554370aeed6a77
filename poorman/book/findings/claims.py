"""The claims page: one finding per claim of the paper, and the table that lists them."""

from .. import verdicts
from ..claims import CLAIMS
from .base import Finding
from .strategies import _ranking, best_strategy, forty_percent, lower_layers
from .tasks import robust_tasks

# where the evidence for each claim is laid out
EVIDENCE = {"pruned_40_keeps_98": "01_strategies.html#forty-percent",
            "on_par_with_distilbert": "03_distilbert.html",
            "lower_layers_critical": "01_strategies.html#the-bottom-layers",
            "robust_tasks": "01_strategies.html#which-tasks-survive",
            "objective_matters": "02_bert_vs_xlnet.html",
            "xlnet_robust_top": "02_bert_vs_xlnet.html",
            "top_best": "01_strategies.html#which-strategy-is-best"}
NEED = {"on_par_with_distilbert": "needs bert-base and DistilBERT runs, 3 seeds a cell",
        "objective_matters": "needs BERT and XLNet runs, 3 seeds a cell",
        "xlnet_robust_top": "needs BERT and XLNet runs, 3 seeds a cell"}
ONE_MODEL = {"pruned_40_keeps_98": forty_percent, "lower_layers_critical": lower_layers, "robust_tasks": robust_tasks}


def top_best(runs, floor, model):
    """The book's summary "dropping the top layers works best", with where top stands alone."""
    v = verdicts.check_top_best(runs[runs.model == model], floor)
    best = best_strategy(runs, floor, model)
    r = _ranking(runs, model)
    alone = [int(k) for k in r[r.alone & (r.leader == "top")].k] if len(r) else []
    caveat = ("best alone at every K" if len(alone) == len(r) else
              f"best alone only at K={', '.join(map(str, alone))}" if alone else "never shown best alone")
    if v.per_task and all(x == verdicts.INCONCLUSIVE for x in v.per_task.values()):
        caveat += "; no task on its own separates it"
    return Finding("top_best", best.sentence, v.verdict, r, v.key, caveat)


def claim_findings(runs, floor):
    """{claim key: Finding} for every claim (poorman.book.claims.CLAIMS), in the page's order. With
    one pruned model, chapter 1's findings; otherwise the verdict's own summary."""
    pruned = verdicts.models_of(runs, "pruned")
    out = {}
    for key in CLAIMS:
        if len(pruned) == 1 and key in {**ONE_MODEL, "top_best": top_best}:
            out[key] = {**ONE_MODEL, "top_best": top_best}[key](runs, floor, pruned[0])
            continue
        v = verdicts.CHECKS[key](runs, floor)
        caveat = NEED.get(key, v.need) if v.verdict == verdicts.NOT_TESTABLE else ""
        out[key] = Finding(key, v.measured, v.verdict, key=v.key, caveat=caveat)
    return out


def claims_table(found):
    """The claims page's table (Markdown): claim (linked to its evidence), verdict, key number, caveat."""
    rows = ["| claim | verdict | key number (95% interval) | main caveat |", "|---|---|---|---|"]
    for key, (claim, _) in CLAIMS.items():
        f = found[key]
        cells = [f"[{claim}]({EVIDENCE[key]})", f"**{f.verdict}**", f.key or "-", f.caveat or "-"]
        rows.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(rows)
