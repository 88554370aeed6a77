"""Where runs are stored: one JSON file per finished run, written atomically.

    <root>/<profile>/runs/<run id>.json       one fine-tuning run
    <root>/<profile>/runs/<training key>.lock  a training in progress (locks.py)
    <root>/<profile>/cache/<kind>/<key>.json   expensive things the notebooks reuse
                                               (layer scores, latency tables, CKA)

The root is an argument; by default $POORMAN_RESULTS, else results/ under the current folder.
A file appears only once complete (write to a temporary file, fsync, rename),
so kill -9 at any moment leaves finished runs intact and unfinished ones absent.
A file that is not a complete record is reported and ignored.
"""

import json
import os
import re
import tempfile
import warnings
from pathlib import Path

from ..data.names import check_name  # noqa: F401  (re-exported: profiles name their store folder by it)
from ..run.spec import RECORD_VERSION, RunRecord, run_id  # the run types; run_id is re-exported here

def default_root():
    """$POORMAN_RESULTS, else results/ under the current folder."""
    return Path(os.environ.get("POORMAN_RESULTS") or Path.cwd() / "results")


def results_dir(profile_name, root=None):
    """<root>/<profile name>/: the only folder a profile's runs and caches go to."""
    return Path(root or default_root()) / check_name(profile_name)


def check_writable(store_dir):
    """Fail now, before any model is loaded, if records cannot be written under store_dir/runs.

    Creates nothing that stays: a probe file goes into the nearest folder of that path that
    exists (where the store's missing folders would be made) and is removed at once."""
    runs = Path(store_dir) / "runs"
    try:
        folder = next(p for p in (runs, *runs.parents) if p.exists())
        if not folder.is_dir():
            raise NotADirectoryError(f"{folder} is a file")
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".poorman-write-check.", suffix=".tmp")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise OSError(f"the run store {store_dir} is not writable ({err}); set POORMAN_RESULTS "
                      f"(or pass store_dir) to a folder you can write") from None


def atomic_write_json(path, obj):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=1, sort_keys=True, default=str)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path, if_bad):
    """The parsed JSON object, or None with a warning that names the file and says `if_bad`
    (what happens to it)."""
    try:
        obj = json.loads(Path(path).read_text())
    except (OSError, ValueError) as err:
        warnings.warn(f"skipping corrupt file in the run store: {path} ({err}); {if_bad}")
        return None
    if not isinstance(obj, dict):
        warnings.warn(f"skipping foreign file in the run store: {path} (JSON, but not an object); {if_bad}")
        return None
    return obj


def _if_bad_record(path):
    stem = Path(path).stem
    if re.fullmatch(r"[0-9a-f]{16}", stem):
        return f"it is ignored, and a sweep whose grid holds run {stem} writes that run's record over it"
    return "it is not named after a run id, and is ignored"


def run_path(store_dir, rid):
    return Path(store_dir) / "runs" / f"{rid}.json"


def finished_run_ids(store_dir):
    """Ids of runs whose record is complete and valid."""
    return {rec["run_id"] for rec in iter_runs(store_dir)}


def older_identity(store_dir):
    """How many records in the store are of an older run identity (store/migrate.py carries them over)."""
    return sum(rec.get("record_version", 1) < RECORD_VERSION for rec in iter_runs(store_dir))


def migrate_hint(store_dir, profile_name):
    """A sentence for a store that holds records of an older run identity, else ''."""
    n = older_identity(store_dir)
    return (f"{n} records in {store_dir} are of an older run identity (no data source in their ids): "
            f"`poorman migrate-store --profile {profile_name} --glue-dir <the GLUE copy they read>` carries "
            f"them over without retraining" if n else "")


def write_run(store_dir, record):
    """Write a record (a RunRecord, or its JSON) atomically as runs/<run id>.json."""
    record = record.to_json() if isinstance(record, RunRecord) else {"record_version": RECORD_VERSION, **record}
    atomic_write_json(run_path(store_dir, record["run_id"]), record)
    return run_path(store_dir, record["run_id"])


def read_run(path):
    """The record in `path`, or None (with a warning that says what the file is) if it is not one."""
    rec = read_json(path, _if_bad_record(path))
    if rec is None or (rec.get("run_id") == Path(path).stem and "metrics" in rec):
        return rec
    what = f"its run_id is {rec.get('run_id')!r}" if rec.get("run_id") != Path(path).stem else "it has no metrics"
    warnings.warn(f"skipping foreign record in the run store: {path} is not a poorman run record ({what}); "
                  f"{_if_bad_record(path)}")
    return None


def iter_runs(store_dir):
    """Every complete record; anything else in runs/ is warned about and ignored."""
    for path in sorted((Path(store_dir) / "runs").glob("*.json")):
        rec = read_run(path)
        if rec is not None:
            yield rec


def cache_path(store_dir, kind, key):
    return Path(store_dir) / "cache" / kind / f"{run_id(key)}.json"


def cached(store_dir, kind, key, compute):
    """Return the cached value for (kind, key), computing and storing it once."""
    path = cache_path(store_dir, kind, key)
    if path.exists():
        obj = read_json(path, "it is computed again and replaced")
        if obj is not None and obj.get("key") == json.loads(json.dumps(key, default=str)):
            return obj["value"]
    value = compute()
    atomic_write_json(path, {"kind": kind, "key": key, "value": value})
    return value
