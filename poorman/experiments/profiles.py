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

from ..core.strategies import STRATEGIES
from .profile_schema import ProfileFile, check
from .data.tasks import get_task, task_name

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
    jobs: int = 1                                  # runs a sweep trains at once (not part of run ids)
    task_train: dict = field(default_factory=dict)  # per-task changes to `train`, e.g. {stsb: {epochs: 3}}
    excluded_tasks: dict = field(default_factory=dict)  # {task: why it is not run}, for the book to say
    precision: str = "auto"                        # auto | fp32 | bf16 | fp16 (profile_schema.py)
    cell_seeds: list = field(default_factory=list)  # [{models?, strategies?, ks?, seeds}]: first match wins

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
    return _validate(parse_yaml(text, str(name_or_path)), source=str(name_or_path))


def parse_yaml(text, source):
    """The YAML document; a syntax error or a tag that plain YAML lacks (!!python/...) is one line."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
        what = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ValueError(f"profile {source}:{where} not valid YAML ({what})") from None


SECTIONS = ("train", "task_train", "excluded_tasks", "calibration", "latency", "cell_seeds", "compare")


def _validate(raw, source):
    """The checked Profile of a parsed YAML file (the schema: profile_schema.py)."""
    if not isinstance(raw, dict):
        raise ValueError(f"profile {source} is not a YAML mapping (name: ..., models: ..., ...)")
    raw = {k: v for k, v in raw.items() if not (k in SECTIONS and v is None)}  # `train:` left empty
    raw["task_train"] = {t: c or {} for t, c in (raw.get("task_train") or {}).items()}
    checked = check(ProfileFile, raw, f"profile {source}")
    tasks = [task_entry(t, source) for t in raw["tasks"]]
    names = [task_name(t) for t in tasks]
    excluded = {get_task(t).name: why for t, why in raw.get("excluded_tasks", {}).items()}
    both = sorted(set(excluded) & set(names))
    if both:
        raise ValueError(f"profile {source}: tasks {both} are both run and listed in excluded_tasks")
    models = raw["models"]
    prune = [m if isinstance(m, str) else m["id"] for m in models.get("prune", [])]
    model_ks = {m["id"]: list(m["ks"]) for m in models.get("prune", []) if isinstance(m, dict) and m.get("ks")}
    return Profile(
        name=raw["name"], prune_models=prune, model_ks=model_ks, precision=checked.precision,
        reference_models=list(models.get("reference", [])), strategies=list(raw["strategies"]),
        ks=list(raw["ks"]), tasks=tasks, seeds=list(raw["seeds"]),
        baseline_seeds=list(raw.get("baseline_seeds") or raw["seeds"]), glue_dir=raw.get("glue_dir"),
        train={**TRAIN_DEFAULTS, **raw.get("train", {})}, task_train=_task_train(raw, names, source),
        excluded_tasks=excluded, jobs=raw.get("jobs", 1),
        cell_seeds=check_cell_seeds(raw.get("cell_seeds") or [], prune + list(models.get("reference", [])),
                                    f"profile {source}"),
        **{k: raw[k] for k in ("calibration", "latency") if k in raw})


def _task_train(raw, names, source):
    """{task: its changes to `train`}, each naming a task of the profile (checked by the schema)."""
    task_train = {}
    for t, changes in raw["task_train"].items():
        name = t if t in names else get_task(t).name
        if name not in names:
            raise ValueError(f"profile {source}: task_train names {t!r}, which is not in its tasks {names}")
        task_train[name] = dict(changes)
    return task_train


def task_entry(entry, source):
    """A profile's task: a GLUE name, kept as written, or a description of your own data, checked
    against its files (relative paths: from the profile's folder) and made canonical."""
    if not isinstance(entry, dict):
        get_task(entry)  # raises with the list of known tasks
        return entry
    from .data.own_task import describe
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
