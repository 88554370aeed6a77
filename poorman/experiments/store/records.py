"""Where runs are stored: one JSON file per finished run, written atomically.

    results/<profile>/runs/<run id>.json      one fine-tuning run
    results/<profile>/cache/<kind>/<key>.json  expensive things the notebooks reuse
                                               (layer scores, latency tables, CKA)

A file appears only once complete (write to a temporary file, fsync, rename),
so kill -9 at any moment leaves finished runs intact and unfinished ones absent.
A file that does not parse is reported and skipped, and the next sweep redoes it.
"""

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

RECORD_VERSION = 1


def run_id(spec):
    """Stable hash of exactly what defines a run (model, strategy, k, task, seed, hparams, profile).

    A local data file counts by its bytes: in a {"path", "sha256"} source the path is left out,
    so a changed file gets new ids and the same bytes anywhere keep theirs."""
    canonical = json.dumps(_identity(spec), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _identity(value):
    if isinstance(value, dict):
        return {k: _identity(v) for k, v in value.items() if not (k == "path" and "sha256" in value)}
    if isinstance(value, (list, tuple)):
        return [_identity(v) for v in value]
    return value


def results_dir(profile_name, root=None):
    """results/<profile>/ under the project root; POORMAN_RESULTS moves the whole store."""
    if root is None:
        from ..profiles import project_root
        root = Path(os.environ.get("POORMAN_RESULTS") or project_root() / "results")
    return Path(root) / profile_name


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


def read_json(path):
    """The parsed file, or None (with a warning) if it is corrupt or not a poorman record."""
    try:
        obj = json.loads(Path(path).read_text())
    except (OSError, ValueError) as err:
        warnings.warn(f"skipping corrupt file in the run store: {path} ({err}); a sweep will redo it")
        return None
    if not isinstance(obj, dict):
        warnings.warn(f"skipping foreign file in the run store: {path} (not a JSON object)")
        return None
    return obj


def run_path(store_dir, rid):
    return Path(store_dir) / "runs" / f"{rid}.json"


def finished_run_ids(store_dir):
    """Ids of runs whose record is complete and valid."""
    return {rec["run_id"] for rec in iter_runs(store_dir)}


def write_run(store_dir, record):
    record = {"record_version": RECORD_VERSION, **record}
    atomic_write_json(run_path(store_dir, record["run_id"]), record)
    return run_path(store_dir, record["run_id"])


def iter_runs(store_dir):
    """Every complete record; corrupt or foreign files are warned about and skipped."""
    for path in sorted((Path(store_dir) / "runs").glob("*.json")):
        rec = read_json(path)
        if rec and rec.get("run_id") == path.stem and "metrics" in rec:
            yield rec
        elif rec is not None:
            warnings.warn(f"skipping foreign record in the run store: {path}; a sweep will redo it")


def cache_path(store_dir, kind, key):
    return Path(store_dir) / "cache" / kind / f"{run_id(key)}.json"


def cached(store_dir, kind, key, compute):
    """Return the cached value for (kind, key), computing and storing it once."""
    path = cache_path(store_dir, kind, key)
    if path.exists():
        obj = read_json(path)
        if obj is not None and obj.get("key") == json.loads(json.dumps(key, default=str)):
            return obj["value"]
    value = compute()
    atomic_write_json(path, {"kind": kind, "key": key, "value": value})
    return value
