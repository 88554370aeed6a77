"""One lock file per training, so that sweeps sharing a store never train the same model twice.

    <store>/runs/<training key>.lock    {"pid": ..., "host": ..., "token": ...}

A lock is created atomically (O_CREAT | O_EXCL: of two sweeps, exactly one gets it) and removed
when the training's records are written. A lock whose process is gone (same host) is stale: the
next sweep takes it over. Locks held on another host are never judged stale, since their
process cannot be seen from here; remove such a file by hand if that host is gone.
"""

import json
import os
import socket
import time
import uuid
from pathlib import Path

STALE_UNREADABLE_S = 10.0  # a lock with no owner written yet is stale after this (O_EXCL, then the write)


def lock_path(store_dir, key):
    return Path(store_dir) / "runs" / f"{key}.lock"


def _owner(path):
    """The lock's {"pid", "host", "token"}, or None when it is gone or (still) unreadable."""
    try:
        owner = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return owner if isinstance(owner, dict) and {"pid", "host", "token"} <= set(owner) else None


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def held_here(owner):
    """True when the owner is a live process on this host."""
    return owner is not None and owner["host"] == socket.gethostname() and _alive(int(owner["pid"]))


def _stale(path, owner):
    if owner is None:  # created but not yet written, or damaged: judge by its age
        try:
            return time.time() - Path(path).stat().st_mtime > STALE_UNREADABLE_S
        except FileNotFoundError:
            return False
    return owner["host"] == socket.gethostname() and not _alive(int(owner["pid"]))


def _create(path):
    """Create the lock file, or return None if it exists."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return None
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "token": uuid.uuid4().hex}
    with os.fdopen(fd, "w") as f:
        json.dump(owner, f)
    return owner


def _take_over(path, seen):
    """Remove a stale lock, unless it changed since we judged it: it is first renamed aside
    (atomic: of two sweeps, one wins) and put back if it is no longer the lock we saw."""
    aside = path.with_name(f".{path.name}.{uuid.uuid4().hex}.stale")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return
    if _owner(aside) != seen:  # a new owner took it meanwhile: give it back
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
    os.unlink(aside)


def try_lock(store_dir, key):
    """The lock's owner record if this process now holds the lock of `key`, else None."""
    path = lock_path(store_dir, key)
    for _ in range(3):  # a stale lock is taken over, then created again
        try:
            owner = _create(path)
        except FileNotFoundError:  # runs/ was removed as empty by another sweep's release just now
            continue
        if owner is not None:
            return owner
        seen = _owner(path)
        if not _stale(path, seen):
            return None
        _take_over(path, seen)
    return None


def release(store_dir, key, owner):
    """Remove the lock of `key` if it is still the one `owner` took, and runs/ with it if that
    leaves it empty (a first training that failed leaves the store as it found it)."""
    path = lock_path(store_dir, key)
    if _owner(path) == owner:
        path.unlink(missing_ok=True)
        try:
            path.parent.rmdir()
        except OSError:  # not empty: the usual case
            pass


def is_locked(store_dir, key):
    """True while a live (or foreign-host) owner holds the lock of `key`."""
    path = lock_path(store_dir, key)
    return path.exists() and not _stale(path, _owner(path))


def trainings_running(store_dir, besides=None):
    """Trainings in progress on this host in this store (its live locks), not counting `besides`."""
    paths = (Path(store_dir) / "runs").glob("*.lock")
    return sum(held_here(_owner(p)) for p in paths if p.stem != besides)
