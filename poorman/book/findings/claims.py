"""The claims page: one finding per claim of the paper, and the table that lists them."""

import re
from html import escape

from IPython.display import HTML

from .. import verdicts
from ..claims import CLAIMS
from .base import Finding, per_task_words
from .strategies import _ranking, best_strategy, forty_percent, lower_layers
from .tasks import failed_of, robust_tasks

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
SHORT = {"pruned_40_keeps_98": "Pruning 40% keeps up to 98% of the performance",
         "on_par_with_distilbert": "Pruned models match DistilBERT",
         "lower_layers_critical": "The lower layers are the most critical",
         "robust_tasks": "Paraphrase and similarity tasks are more robust",
         "objective_matters": "Another pre-training objective reacts differently",
         "xlnet_robust_top": "XLNet is more robust to losing its top layers",
         "top_best": "Dropping the top layers works best"}   # the table's words; the dropdown has the full ones
ONE_MODEL = {"pruned_40_keeps_98": forty_percent, "lower_layers_critical": lower_layers, "robust_tasks": robust_tasks}


def top_best(runs, floor, model):
    """The book's summary "dropping the top layers works best", with where top stands alone."""
    v = verdicts.check_top_best(runs[runs.model == model], floor)
    best = best_strategy(runs, floor, model)
    r = _ranking(runs, model)
    alone = [int(k) for k in r[r.alone & (r.leader == "top")].k] if len(r) else []
    caveat = ("best alone at every K" if len(alone) == len(r) else
              f"best alone only at K={', '.join(map(str, alone))}" if alone else "never shown best alone")
    if v.per_task:
        caveat += "; " + per_task_words(v.per_task)
    failed = failed_of(runs[runs.model == model], floor, "top")
    caveat += f"; {failed}" if failed else ""
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


def claims_table(found, note=""):
    """The claims page's table: the verdict and the claim (linked to its evidence), the key number,
    the main caveat, and `note` under it. HTML with fixed column widths and wrapping cells, so
    that it fits the text column instead of scrolling sideways."""
    cell = 'style="white-space: normal; vertical-align: top; padding: 0.2em 0.4em"'
    head = "".join(f"<th {cell}>{h}</th>" for h in ("verdict: claim", "key number, 95% interval", "main caveat"))
    rows = []
    for key in CLAIMS:
        f = found[key]
        cells = [f'<b>{escape(f.verdict)}</b>: <a href="{EVIDENCE[key]}">{escape(SHORT[key])}</a>',
                 escape(f.key or "-"), escape(f.caveat or "-")]
        rows.append("<tr>" + "".join(f"<td {cell}>{c}</td>" for c in cells) + "</tr>")
    cols = "".join(f'<col style="width: {w}%">' for w in (29, 29, 42))
    caption = f'<caption style="caption-side: bottom; text-align: left">{_inline(note)}</caption>' if note else ""
    return HTML(f'<table class="claims" style="table-layout: fixed; width: 100%; font-size: 0.8em">{caption}'
                f"<colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _inline(markdown):
    """HTML for a sentence with Markdown's **bold** and `code` only (the store note)."""
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escape(markdown))
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)
