"""Chapter 1's closing paragraphs: what a reader who wants a smaller model should take away.

Each paragraph is written by hand, in a few versions; the findings the chapter computed choose
the version (never a restatement of the verdict rule), so a store that says something else gets
other words, not stale ones.
"""

from .. import verdicts
from .base import Finding, undone_by
from .tasks import task_sides


def _top(best, forty):
    r = best.numbers
    if r.empty:
        return ""
    never_beaten = all(x.leader == "top" or "top" in x.not_shown_apart for x in r.itertuples())
    alone_last = bool(r.iloc[-1].alone) and r.iloc[-1].leader == "top"
    leads_everywhere = (r.leader == "top").all()
    if never_beaten and alone_last and leads_everywhere:
        head = ("**Cut from the top.** Top has the highest mean at every K, no strategy is shown better than it, "
                "and at the largest K it is shown better than every other.")
    elif never_beaten and alone_last:
        head = ("**Cut from the top when cutting deep.** At the largest K top is shown better than every other "
                "strategy. At smaller K no strategy is shown better than top either, but top does not always "
                "have the highest mean there: for a light cut, top is a safe choice, not a proven best.")
    elif never_beaten:
        head = ("**Cut from the top, as a default.** At no K is another strategy shown better than top, but "
                "at no K is top shown better than all of them either.")
    else:
        head = ("**Top is not the safe default here.** At some K another strategy is shown better than top; "
                "the comparisons above say where.")
    return head + " " + {
        verdicts.CONFIRMED: "With about 40% of the parameters gone, the best strategy keeps at least 98% of the "
                            "score, so the paper's 40% figure holds on this model.",
        verdicts.CONTRADICTED: "With about 40% of the parameters gone, even the best strategy loses more than 2% "
                               "of the score, short of the paper's 40% figure.",
    }.get(forty.verdict, _forty_undecided(forty))


def _forty_undecided(forty):
    lead = forty.numbers.iloc[0] if len(forty.numbers) else None
    if lead is not None and lead.retention_lo >= 0.98:
        return (f"With about 40% of the parameters gone, {lead.strategy} keeps at least 98% of the score on its "
                "own interval, but not once the interval allows for having picked the best strategy, so these "
                "seeds do not confirm the paper's 40% figure.")
    return "Whether about 40% of the parameters can go at under 2% of the score, these seeds cannot tell."


def _bottom(lower):
    r = lower.numbers
    if r.empty:
        return ""
    if not (r.leader == "bottom").all():
        return ("**The bottom is not always the worst to lose.** At some K another strategy has a lower mean "
                "than bottom; the paired tests above say whether that is more than noise.")
    head = ("**Keep the bottom.** Dropping the first layers is the worst choice at every K: the paired tests "
            "show it below every other strategy." if r.alone.all() else
            "**Keep the bottom.** Dropping the first layers is the worst choice wherever the paired tests can "
            "tell strategies apart, and where they cannot, bottom still has the lowest mean.")
    if lower.rests_on:
        head += f" That holds on the tasks pooled, and {undone_by(lower.rests_on)}."
    if "never fine-tuned" in lower.caveat:
        head += (" Part of that loss is not graded: some bottom-dropped models never fine-tuned at all with "
                 "this recipe, which says as much about the recipe as about the layers.")
    return head


def _tasks(robust):
    if robust.verdict == verdicts.NOT_TESTABLE:
        return ""
    sides = task_sides(robust.numbers)
    decided = [t for t, v in sides.items() if v != verdicts.INCONCLUSIVE]
    if robust.verdict == verdicts.INCONCLUSIVE:
        split = (", and the paraphrase and similarity tasks point opposite ways"
                 if {verdicts.CONFIRMED, verdicts.CONTRADICTED} <= set(sides.values()) else
                 f", and only {' and '.join(decided)} shows a difference on its own, on both measures"
                 if 0 < len(decided) < len(sides) else
                 ", and no such task shows a difference on its own on both measures" if not decided else "")
        return ("**Do not read the task differences yet.** Whether paraphrase and similarity tasks survive "
                f"pruning better is not decided by these runs{split}.")
    word = "better" if robust.verdict == verdicts.CONFIRMED else "worse"
    return (f"**Paraphrase and similarity tasks survive pruning {word}** than the others, on both measures and "
            "on each such task alone.")


def takeaways(best: Finding, lower: Finding, forty: Finding, robust: Finding) -> Finding:
    """The closing paragraphs from chapter 1's findings: which layers to cut, which to keep, and
    whether the task differences can be read. Markdown, one paragraph each."""
    paragraphs = [p for p in (_top(best, forty), _bottom(lower), _tasks(robust)) if p]
    return Finding("takeaways", "\n\n".join(paragraphs) or "The store holds too few runs to draw anything yet.")
