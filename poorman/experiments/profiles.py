"""Profiles are plain YAML files: which models, strategies, K, tasks, seeds and hyperparameters.

Built-in ones live in poorman/profiles/ (smoke, cpu, paper); any path to a
YAML file of the same shape works too, so a profile is easy to copy and edit.
A task is a GLUE name or a description of your own data (own_task.py):

    tasks:
      - sst2
      - {name: reviews, train: reviews_train.csv, eval: reviews_test.csv, text: review, label: stars}
"""

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from ..core.precision import CHOICES
from ..core.strategies import STRATEGIES
from .tasks import get_task, task_name
from .store.records import check_name

TRAIN_DEFAULTS = {"max_train": None, "max_eval": None, "max_length": 128, "batch_size": 8,
                  "learning_rate": 5e-5, "epochs": 3, "warmup_ratio": 0.0, "weight_decay": 0.0,
                  "freeze_embeddings": False, "freeze_layers": [], "group_by_length": False,
                  "subsample_seed": None}


@dataclass
class Profile:
    name: str
    prune_models: list
    reference_models: list
    strategies: list
    ks: list
    tasks: list                                    # GLUE names, or canonical descriptions (dicts)
    seeds: list
    baseline_seeds: list
    glue_dir: str | None
    train: dict
    calibration: dict = field(default_factory=lambda: {"examples": 128, "token": "mean", "split": "train"})
    latency: dict = field(default_factory=lambda: {"batch_size": 8, "seq_len": 128, "repeats": 10, "warmup": 3})
    model_ks: dict = field(default_factory=dict)   # per-model K values, e.g. for a 6-layer model
    compare: dict = field(default_factory=dict)    # chapter 2's pair: {"bert": id, "xlnet": id}
    jobs: int = 1                                  # runs a sweep trains at once (not part of run ids)
    task_train: dict = field(default_factory=dict)  # per-task changes to `train`, e.g. {stsb: {epochs: 3}}
    excluded_tasks: dict = field(default_factory=dict)  # {task: why it is not run}, for the book to say
    precision: str = "auto"                        # auto|fp32|bf16|fp16 (core/precision.py); not part of run ids
    cell_seeds: list = field(default_factory=list)  # [{models?, strategies?, ks?, seeds}]: seeds_for reads them

    def ks_for(self, model):
        return self.model_ks.get(model, self.ks)

    def train_for(self, task):
        """The training settings of one task: `train`, with the task's `task_train` entries over it."""
        return {**self.train, **self.task_train.get(task, {})}

    def resolved_glue_dir(self):
        """The local GLUE folder to read, or None for the Hub: $POORMAN_GLUE_DIR (which --glue-dir
        sets), else the profile's glue_dir; a relative path is taken from the current folder."""
        value = os.environ.get("POORMAN_GLUE_DIR") or self.glue_dir
        return Path(value).expanduser().resolve() if value else None

    def with_overrides(self, **overrides):
        """A copy with some grid axes replaced (e.g. tasks=['sst2']); None leaves an axis as is."""
        data = {k: v for k, v in self.__dict__.items()}
        data.update({k: v for k, v in overrides.items() if v is not None})
        return Profile(**data)


def seeds_for(profile, role, model, strategy="none", k=0):
    """The seeds of one cell of the grid. A baseline (the full model that is pruned) has
    `baseline_seeds`. Any other cell, pruned or reference, has the seeds of the first `cell_seeds`
    rule that matches it, else `seeds`. A rule matches when each key it has lists the cell's value
    (a missing key matches any): `models` its model, `strategies` its strategy, `ks` its K. A
    reference model's cell has strategy `none` and K 0, so a rule with `strategies: [none]`, or
    one naming only its model, gives its seeds. A rule's empty `seeds` leaves its cells out."""
    if role == "baseline":
        return list(profile.baseline_seeds)
    for rule in profile.cell_seeds:
        cell = {"models": model, "strategies": strategy, "ks": k}
        if all(value in rule[key] for key, value in cell.items() if key in rule):
            return list(rule["seeds"])
    return list(profile.seeds)


def project_root():
    """The folder holding _toc.yml (the book's repository), searched upwards from the cwd."""
    if os.environ.get("POORMAN_ROOT"):
        return Path(os.environ["POORMAN_ROOT"]).resolve()
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / "_toc.yml").exists() and (folder / "poorman").is_dir():
            return folder
    return here


def builtin_profiles():
    return sorted(p.name[:-5] for p in resources.files("poorman.profiles").iterdir()
                  if p.name.endswith(".yaml"))


def load_profile(name_or_path):
    """Load a built-in profile by name, or any YAML file by path."""
    if isinstance(name_or_path, Profile):
        return name_or_path
    path = Path(str(name_or_path))
    if path.suffix in (".yaml", ".yml") and path.exists():
        text = path.read_text()
    elif str(name_or_path) in builtin_profiles():
        text = (resources.files("poorman.profiles") / f"{name_or_path}.yaml").read_text()
    else:
        raise ValueError(f"unknown profile {name_or_path!r}: use one of {', '.join(builtin_profiles())} "
                         f"or a path to a .yaml file shaped like poorman/profiles/cpu.yaml")
    raw = yaml.safe_load(text)
    return _validate(raw, source=str(name_or_path))


def _validate(raw, source):
    if not isinstance(raw, dict):
        raise ValueError(f"profile {source} is not a YAML mapping (name: ..., models: ..., ...)")
    required = ("name", "models", "strategies", "ks", "tasks", "seeds")
    missing = [k for k in required if k not in raw]
    if missing:
        raise ValueError(f"profile {source} lacks {', '.join(missing)}")
    check_name(raw["name"], f"profile {source}: name")
    unknown = [s for s in raw["strategies"] if s not in STRATEGIES]
    if unknown:
        raise ValueError(f"profile {source}: unknown strategies {unknown}; known: {', '.join(STRATEGIES)}")
    tasks = [task_entry(t, source) for t in raw["tasks"]]
    names = [task_name(t) for t in tasks]
    train = {**TRAIN_DEFAULTS, **(raw.get("train") or {})}
    if "bf16" in train:
        raise ValueError(f"profile {source}: train.bf16 is gone: use the top-level `precision:` key "
                         f"(auto|fp32|bf16|fp16; auto picks what the hardware does well)")
    extra = set(train) - set(TRAIN_DEFAULTS)
    if extra:
        raise ValueError(f"profile {source}: unknown train settings {sorted(extra)}; known: {sorted(TRAIN_DEFAULTS)}")
    task_train = {}
    for t, changes in (raw.get("task_train") or {}).items():
        name = t if t in names else get_task(t).name
        if name not in names:
            raise ValueError(f"profile {source}: task_train names {t!r}, which is not in its tasks {names}")
        bad = set(changes or {}) - set(TRAIN_DEFAULTS)
        if bad:
            raise ValueError(f"profile {source}: unknown train settings {sorted(bad)} for {t}; known: {sorted(TRAIN_DEFAULTS)}")
        task_train[name] = dict(changes or {})
    excluded = {get_task(t).name: str(why) for t, why in (raw.get("excluded_tasks") or {}).items()}
    both = sorted(set(excluded) & set(names))
    if both:
        raise ValueError(f"profile {source}: tasks {both} are both run and listed in excluded_tasks")
    models = raw["models"]
    prune = [m if isinstance(m, str) else m["id"] for m in models.get("prune", [])]
    model_ks = {m["id"]: [int(k) for k in m["ks"]] for m in models.get("prune", [])
                if isinstance(m, dict) and "ks" in m}
    return Profile(
        name=raw["name"], prune_models=prune, model_ks=model_ks, compare=dict(raw.get("compare") or {}),
        reference_models=list(models.get("reference", [])), strategies=list(raw["strategies"]),
        ks=[int(k) for k in raw["ks"]], tasks=tasks, seeds=list(raw["seeds"]),
        baseline_seeds=list(raw.get("baseline_seeds", raw["seeds"])), glue_dir=raw.get("glue_dir"),
        train=train, task_train=task_train, excluded_tasks=excluded, jobs=check_jobs(raw.get("jobs", 1), f"profile {source}"),
        precision=check_precision(raw.get("precision", "auto"), f"profile {source}"),
        cell_seeds=check_cell_seeds(raw.get("cell_seeds") or [], prune + list(models.get("reference", [])),
                                    f"profile {source}"),
        **{k: raw[k] for k in ("calibration", "latency") if k in raw})


def task_entry(entry, source):
    """A profile's task: a GLUE name, kept as written, or a description of your own data, checked
    against its files (relative paths: from the profile's folder) and made canonical."""
    if not isinstance(entry, dict):
        get_task(entry)  # raises with the list of known tasks
        return entry
    from .own_task import describe
    path = Path(source)
    base = path.parent if path.suffix in (".yaml", ".yml") else Path.cwd()
    try:
        return describe(entry, base=base)
    except (ValueError, OSError) as err:
        raise type(err)(f"profile {source}, task {entry.get('name', '')!r}: {err}") from None


def profile_task(profile, name):
    """The profile's task called `name` (your own data's by its name), else the GLUE task `name`."""
    for task in profile.tasks:
        if isinstance(task, dict) and task["name"] == name:
            return task
    return get_task(name).spec


def check_precision(value, where):
    """`precision` from a profile: one of core.precision.CHOICES."""
    if value not in CHOICES:
        raise ValueError(f"{where}: precision must be one of {', '.join(CHOICES)}, got {value!r}")
    return value
def check_cell_seeds(rules, models, where):
    """`cell_seeds`: a list of {models?, strategies?, ks?, seeds} whose models are the profile's,
    strategies known (or `none`, the reference's), ks and seeds integers."""
    keys, out = ("models", "strategies", "ks", "seeds"), []
    for n, rule in enumerate(rules if isinstance(rules, list) else [rules]):
        if not isinstance(rule, dict) or "seeds" not in rule or set(rule) - set(keys):
            raise ValueError(f"{where}: cell_seeds[{n}] must be a mapping with `seeds` and optionally "
                             f"models, strategies, ks; got {rule!r}")
        if not all(isinstance(rule[key], list) for key in rule):
            raise ValueError(f"{where}: cell_seeds[{n}]: each of {', '.join(rule)} must be a list, got {rule!r}")
        known = {"models": models, "strategies": [*STRATEGIES, "none"]}
        for key, valid in known.items():
            bad = [v for v in rule.get(key, []) if v not in valid]
            if bad:
                raise ValueError(f"{where}: cell_seeds[{n}] names {key} {bad}; valid: {', '.join(valid)}")
        ints = [v for key in ("ks", "seeds") for v in rule.get(key, [])]
        if any(isinstance(v, bool) or not isinstance(v, int) for v in ints):
            raise ValueError(f"{where}: cell_seeds[{n}]: ks and seeds are integers, got {rule!r}")
        out.append({key: list(rule[key]) for key in keys if key in rule})
    return out


def check_jobs(value, where):
    """`jobs` (runs a sweep trains at once) from a profile or a caller: an integer >= 1."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{where}: jobs must be an integer >= 1 (runs trained at once), got {value!r}")
    return value
