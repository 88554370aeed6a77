"""What every chapter reads from the run store, in one call: `ch = chapter.setup(profile, tasks, results)`.

Chapters only read. `poorman book` runs the missing runs and fills the caches (layer scores, the
size and latency table) before it executes them; here a missing cache is computed only if the
model is at hand, else the figure says what is missing. Importing this module changes nothing
in the process: the notebook's set-up (`prepare`, `setup`) is an explicit call.
"""

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..experiments.data.floor import constant_scores
from ..experiments.data.tasks import task_name
from ..experiments.profiles import Profile, load_profile, project_root
from ..experiments.store import iter_runs, results, results_dir, run_id
from ..experiments.store.records import migrate_hint
from ..experiments.sweep import expand_grid
from . import colab, palette
from .stats import FULL_SEEDS, cells, never_took_off


@dataclass
class Chapter:
    prof: Profile
    runs: pd.DataFrame     # finished runs of the profile's grid, on `tasks` (one row per run)
    tasks: list            # the tasks shown
    excluded: dict         # {task: why the verdicts leave it out} (the profile's `excluded_tasks`)
    floor: dict            # {task: dev score of the constant predictor}
    grid: int              # runs in the profile's grid, on every task
    foreign: int           # records of these tasks from no run of this grid (another recipe): ignored
    empty: list = None     # the profile's tasks with no run in the store yet: said, not drawn
    in_progress: dict = None   # {task: (runs in the store, runs in its grid)}: held back until whole
    shown_grid: int = 0    # runs in the grid on `tasks`

    @property
    def verdict_tasks(self):
        return [t for t in self.tasks if t not in self.excluded]

    @property
    def verdict_runs(self):
        """The runs the verdicts use: every task but the excluded ones."""
        return self.runs[self.runs.task.isin(self.verdict_tasks)]

    def models(self, role):
        """Model ids with runs of `role` (baseline, pruned, reference), in the profile's order."""
        order = dict.fromkeys(self.prof.prune_models + self.prof.reference_models)
        present = set(self.runs[self.runs.role == role].model)
        return [m for m in order if m in present]

    def thin_cells(self):
        """Cells (model x role x strategy x K x task) with fewer than FULL_SEEDS seeds."""
        c = cells(self.runs)
        return c[c.n < FULL_SEEDS]

    def failed(self):
        """Runs that never took off (at the constant predictor's score): counted and shown, never dropped."""
        return never_took_off(self.runs, self.floor)


def page_settings():
    """What a chapter's page (its own kernel, run by `poorman book`) shows: no library chatter
    (deprecations, tokenizers), and figures in the book's look. Progress bars are off in the
    kernels `poorman book` starts (build.page_environment)."""
    warnings.filterwarnings("ignore")
    palette.use()


def load(profile="cpu", tasks=None, page=False):
    """The profile, its runs in the store (only runs of its grid: the book never mixes recipes),
    the constant predictor's score per task, and the tasks the verdicts leave out, with why.
    page: apply page_settings() to this process (chapter.setup does it for a chapter's page)."""
    if page:
        page_settings()
    prof = load_profile(profile).with_overrides(tasks=tasks)
    specs = expand_grid(prof)
    grid = {run_id(spec) for spec in specs}
    df = results(prof.name)
    known = df.run_id.isin(grid) if len(df) else pd.Series(dtype=bool)
    runs = df[known].reset_index(drop=True) if len(df) else df
    foreign = int((~known & df.task.isin(prof.tasks)).sum()) if len(df) else 0   # other tasks: not read
    if runs.empty:
        hint = migrate_hint(results_dir(prof.name), prof.name) or source_hint(prof)
        raise ValueError(f"the store {results_dir(prof.name)} holds no runs of profile {prof.name!r} on "
                         f"{', '.join(prof.tasks)}: " + (hint or f"run `poorman book --profile {profile}` first"))
    excluded = dict(getattr(prof, "excluded_tasks", None) or {})
    started = [t for t in prof.tasks if task_name(t) in set(runs.task)]   # a task with no run yet: said, not drawn
    held = in_progress(runs, specs, started)
    shown = [t for t in started if task_name(t) not in held]
    shown_names = {task_name(t) for t in shown}
    runs = runs[runs.task.isin(shown_names)].reset_index(drop=True)
    return Chapter(prof=prof, runs=runs, tasks=shown, excluded=excluded, floor=constant_scores(prof, shown),
                   grid=len(grid), foreign=foreign, empty=[task_name(t) for t in prof.tasks if t not in started],
                   in_progress=held, shown_grid=sum(task_name(s.task) in shown_names for s in specs))


def source_hint(prof):
    """A sentence for a store whose records read GLUE from elsewhere (run ids name the data source),
    else ''. The usual case: a clone reads the committed store without the GLUE copy it was trained on."""
    sources = {(r["config"].get("data") or {}).get("glue") for r in iter_runs(results_dir(prof.name))
               if r["config"]["task"] in prof.tasks}
    here = "local TSV files" if prof.resolved_glue_dir() else "the Hub"
    if "tsv" in sources:
        return (f"its records of these tasks read GLUE from local TSV files and this session reads {here}: set "
                "POORMAN_GLUE_DIR to a GLUE copy with the same files (ids hash the files' bytes, not their folder)")
    return f"its records of these tasks read GLUE from the Hub and this session reads {here}" if sources else ""


def in_progress(runs, specs, tasks):
    """{task: (runs in the store, runs in the grid)} for each of `tasks` whose grid is not whole,
    while another task's is. A sweep over several sittings adds a task run by run; a page that read
    it half-way would change its verdicts at every sitting, so the task waits until it is whole.
    When no task is whole (a sweep stopped early), nothing is held back: the pages say "partial"."""
    have = runs.task.value_counts()
    need = pd.Series([task_name(s.task) for s in specs]).value_counts()
    names = [task_name(t) for t in tasks]
    whole = [t for t in names if have.get(t, 0) >= need.get(t, 0)]
    return {t: (int(have.get(t, 0)), int(need[t])) for t in names if t not in whole} if whole else {}


def prepare(results=None):
    """A page's kernel, set up for a page: no progress bars or library warnings in the output (they
    belong in a terminal), whole table cells, the book's figure theme, and the run store's folder (`results`; in Colab,
    Google Drive: see colab.use_results). Returns the store's root, None for the project's results/."""
    os.environ.setdefault("TQDM_DISABLE", "1")
    warnings.filterwarnings("ignore")   # deprecations, tokenizers, IProgress: not the chapter's
    pd.set_option("display.max_colwidth", None)   # a table on a page shows its cells whole
    palette.use()
    return colab.use_results(results)


def setup(profile="cpu", tasks=None, results=None):
    """Every chapter's first call: prepare the kernel, in Colab run the runs the store lacks (a
    disconnected session resumes), and load the profile's runs (see load)."""
    prepare(results)
    if colab.in_colab():
        from ..experiments.sweep import sweep
        sweep(profile, tasks=tasks)
    return load(profile, tasks)


def shown_path(path):
    """A folder as a page shows it: relative to the project when inside it (pages name no local folders)."""
    path, root = Path(path).resolve(), project_root()
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def _profile_tasks(prof):
    """The tasks of the profile as written (a build may read fewer); [] if it cannot be reloaded."""
    try:
        return list(load_profile(prof.name).tasks)
    except (ValueError, OSError):
        return []


def store_note(ch):
    """A sentence on what the store holds: complete or partial, thin cells, ignored records."""
    thin, held = ch.thin_cells(), ch.in_progress or {}
    stored = len(ch.runs) + sum(have for have, _ in held.values())
    text = (f"The store `{shown_path(results_dir(ch.prof.name))}` holds **{stored} of the {ch.grid} runs** of the "
            f"`{ch.prof.name}` profile's grid")
    text += "." if len(ch.runs) == ch.shown_grid else ": it is **partial**, and every number below uses the seeds it has."
    empty = ch.empty or []
    if empty:
        text += (f" No run of {' or '.join(empty)} is in it yet, so {'that task is' if len(empty) == 1 else 'those tasks are'}"
                 f" not shown and no verdict here rests on {'it' if len(empty) == 1 else 'them'}.")
    for task, (have, need) in held.items():
        text += (f" {task} is under way ({have} of its {need} runs): no verdict here rests on it until all are in.")
    left = [t for t in _profile_tasks(ch.prof) if t not in ch.tasks and t not in empty and task_name(t) not in held]
    if left:
        one = len(left) == 1
        text += (f" This page reads {', '.join(ch.tasks)}: the profile's {' and '.join(left)} "
                 f"{'is' if one else 'are'} left out of this build, so no verdict here rests on {'it' if one else 'them'}.")
    if len(thin):
        cells_have = "1 cell has" if len(thin) == 1 else f"{len(thin)} cells have"
        text += (f" {cells_have} fewer than {FULL_SEEDS} seeds; tables flag such cells with their seed "
                 f"count, and a cell with one seed has no interval.")
    if ch.foreign:
        text += (" 1 record of another recipe in the same folder is ignored." if ch.foreign == 1 else
                 f" {ch.foreign} records of another recipe in the same folder are ignored.")
    return text


def layer_scores(ch, model, task):
    """The pre-trained model's layer scores on a task (cached in the store), or None if neither
    the cache nor the model is at hand."""
    from ..experiments.run.planning import calibration_scores
    try:
        return calibration_scores(model, task, ch.prof)
    except OSError:
        return None


def weight_scores(ch, model):
    """The pre-trained model's per-layer weight scores (cached in the store), or None if neither
    the cache nor the model is at hand."""
    from ..experiments.run.planning import model_weight_scores
    try:
        return model_weight_scores(model, ch.prof)
    except OSError:
        return None


def variants(ch):
    """Parameters, checkpoint size and latency per model and K, measured side by side (cached);
    None if the models are not at hand to measure."""
    from ..experiments.run.training import quiet_libraries
    from ..experiments.speed import variant_table
    try:
        with quiet_libraries():
            return pd.DataFrame(variant_table(ch.prof))
    except OSError:
        return None


def export_runs(ch, path):
    """Every run of the chapter as one CSV (the book's download)."""
    out = ch.runs.drop(columns=["dropped"]).assign(dropped=ch.runs.dropped.map(lambda d: " ".join(map(str, d))))
    unused = [c for c in out if c.startswith("metric_") and out[c].isna().all()]   # a held-back task's metric
    out = out.drop(columns=unused)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    out.sort_values(["task", "model", "role", "strategy", "k", "seed"]).to_csv(path, index=False)
    return path


def records(ch):
    """The raw records of the chapter's runs (for fields the table leaves out, e.g. CKA)."""
    ids = set(ch.runs.run_id)
    return [r for r in iter_runs(results_dir(ch.prof.name)) if r["run_id"] in ids]
