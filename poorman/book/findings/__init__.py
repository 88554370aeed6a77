"""What the book states, one function per finding: the verdict, the numbers and one sentence.

Every function takes the runs the verdicts use (chapter.Chapter.verdict_runs), the constant
predictor's scores and, for chapter 1's findings, the pruned model; it returns a Finding. The
sentence is chosen among hand-written alternatives by the verdict rule's own functions
(poorman.book.verdicts), never by a restatement of it, so text and numbers cannot drift. A
notebook shows a finding with one line: `findings.best_strategy(runs, floor, model)` (its
sentence renders as Markdown), or `.numbers` for the table behind it.
"""

from .base import Finding
from .claims import claim_findings, claims_table
from .strategies import best_strategy, forty_percent, kept_performance, lower_layers, twin_strategies, two_strategies
from .takeaways import takeaways
from .tasks import failed_runs, robust_tasks

__all__ = ["Finding", "best_strategy", "claim_findings", "claims_table", "failed_runs", "forty_percent",
           "kept_performance", "lower_layers", "robust_tasks", "takeaways", "twin_strategies",
           "two_strategies"]
