"""Bring a run store to the current run identity without retraining: `poorman migrate-store`.

Records of version 1 were written before the data source was part of run ids, and their configs
may hold `train.bf16` (the precision, now recorded in `env`). Migrating one:

- drops `train.bf16` from its config and records the precision it ran in as `env["precision"]`;
- adds the data source its rows came from (data.data_source): the sha256 of the TSV files in the
  GLUE folder given, which must be the copy the runs read, or the Hub's dataset and revision;
- recomputes its run id, renames its file, and points `same_model_as` at the new ids;
- re-keys the layer-score caches the same way (`glue_dir: true/false` becomes the data source).

Your own data's records keep their ids: their task names its files' sha256 already. Migrating
twice changes nothing. Numbers are never touched: `results()` reads the same rows, field for
field, but for the run ids.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from ..data import data_source
from ..run.spec import NOT_IN_IDS, RECORD_VERSION, run_id
from ..data.tasks import get_task
from .records import atomic_write_json, cache_path, iter_runs, read_json, run_path


@dataclass
class Migration:
    """What a migration did (or would do, in a dry run)."""

    renamed: dict[str, str] = field(default_factory=dict)   # old run id -> new run id
    unchanged: int = 0
    caches: dict[str, str] = field(default_factory=dict)    # old cache key hash -> new one
    dropped_caches: list[str] = field(default_factory=list)  # stale duplicates, computed again when needed

    def summary(self) -> str:
        return (f"{len(self.renamed)} records migrated to the current run identity, {self.unchanged} "
                f"already current; {len(self.caches)} layer-score caches re-keyed, "
                f"{len(self.dropped_caches)} stale ones removed")


class Sources:
    """The data source of each GLUE task, from one GLUE folder (None: the Hub); computed once."""

    def __init__(self, glue_dir: str | Path | None):
        self.glue_dir, self.known = glue_dir, {}

    def of(self, task) -> dict | None:
        key = json.dumps(task, sort_keys=True)
        if key not in self.known:
            self.known[key] = data_source(get_task(task), self.glue_dir)
        return self.known[key]


def migrated_record(rec: dict, sources: Sources) -> dict:
    """The record under the current identity (a current record comes back equal)."""
    cfg = dict(rec["config"])
    bf16 = bool(cfg["train"].get("bf16"))
    cfg["train"] = {k: v for k, v in cfg["train"].items() if k not in NOT_IN_IDS}
    if "data" not in cfg and not isinstance(cfg["task"], dict):
        cfg["data"] = sources.of(cfg["task"])
    env = {"precision": "bf16" if bf16 else "fp32", **rec.get("env", {})}
    return {**rec, "record_version": RECORD_VERSION, "config": cfg, "env": env, "run_id": run_id(cfg)}


def migrate_records(store_dir: Path, sources: Sources, dry_run: bool, report: Migration) -> None:
    old = list(iter_runs(store_dir))
    new = [migrated_record(rec, sources) for rec in old]
    report.renamed = {o["run_id"]: n["run_id"] for o, n in zip(old, new) if o["run_id"] != n["run_id"]}
    report.unchanged = sum(o == n for o, n in zip(old, new))  # same_model_as follows its run's id
    clash = len({n["run_id"] for n in new}) < len(new)
    if clash:
        raise ValueError(f"{store_dir}: two records would get the same run id; nothing was changed")
    if dry_run:
        return
    for before, rec in zip(old, new):
        if rec.get("same_model_as"):
            rec["same_model_as"] = report.renamed.get(rec["same_model_as"], rec["same_model_as"])
        if rec != before:
            atomic_write_json(run_path(store_dir, rec["run_id"]), rec)
    for old_id in set(report.renamed) - set(report.renamed.values()):
        run_path(store_dir, old_id).unlink()


def _cache_entries(store_dir: Path, kind: str):
    for path in sorted((Path(store_dir) / "cache" / kind).glob("*.json")):
        obj = read_json(path, "it is left as it is")
        if obj is not None and isinstance(obj.get("key"), dict):
            yield path, obj


def migrate_layer_scores(store_dir: Path, sources: Sources, profile_glue_dir: bool, dry_run: bool,
                         report: Migration) -> None:
    """Re-key layer-score caches by data source. Old keys said only `glue_dir: bool(the profile's
    glue_dir)`, whatever folder the rows came from; entries of the other flag were never read by
    this profile's runs (another setting, other rows) and are removed: computed again if needed."""
    for path, obj in list(_cache_entries(store_dir, "layer_scores")):
        if "glue_dir" not in obj["key"]:
            continue  # current already
        if obj["key"]["glue_dir"] != profile_glue_dir:
            report.dropped_caches.append(path.stem)
            if not dry_run:
                path.unlink()
            continue
        key = {k: v for k, v in obj["key"].items() if k != "glue_dir"}
        key["data"] = None if isinstance(key["task"], dict) else sources.of(key["task"])
        new_path = cache_path(store_dir, "layer_scores", key)
        report.caches[path.stem] = new_path.stem
        if not dry_run:
            atomic_write_json(new_path, {**obj, "key": key})
            if new_path != path:
                path.unlink()


def migrate_store(store_dir: str | Path, glue_dir: str | Path | None, *, profile_glue_dir: bool = False,
                  dry_run: bool = False) -> Migration:
    """Migrate the records and layer-score caches in `store_dir` to the current run identity.

    glue_dir: the GLUE folder (download_glue_data.py layout) the store's GLUE runs read, whose
    files' sha256 go into their ids; None: they read the Hub (nyu-mll/glue). profile_glue_dir:
    whether the store's profile names a `glue_dir` (no built-in one does)."""
    store_dir = Path(store_dir)
    if not (store_dir / "runs").is_dir():
        raise ValueError(f"{store_dir} is not a run store (it has no runs/ folder)")
    report, sources = Migration(), Sources(glue_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a damaged file is left as it is, and reported by every reader
        migrate_records(store_dir, sources, dry_run, report)
        migrate_layer_scores(store_dir, sources, profile_glue_dir, dry_run, report)
    return report
