"""One lock file per training, so that sweeps sharing a store never train the same model twice.

    <store>/runs/<training key>.lock    {"pid": ..., "host": ..., "token": ...}

The lock is an flock(2) on that file, held by an open descriptor of the process that trains: the
operating system releases it when that process ends, however it ends (kill -9 included). So a
lock file left behind by a dead sweep is free, whatever pid it names, and a live process whose
pid happens to be written in it (pid reuse, a container's pid 1) holds nothing. The JSON inside
only says who holds it, for the messages of those who wait. The holder removes the file when the
training's records are written.

A lock file that names another host is left alone even when no flock holds it: a file system
shared between machines may not carry flocks from one to the other. Remove such a file by hand
if that host is gone; a sweep waiting on it says so.
"""

import fcntl
import json
import os
import socket
import time
import uuid
from pathlib import Path

_HELD = {}  # token -> the open descriptor that holds the flock (closing it releases the lock)


def lock_path(store_dir, key):
    return Path(store_dir) / "runs" / f"{key}.lock"


def _owner(path):
    """The lock's {"pid", "host", "token"}, or None when it is gone or (still) unreadable."""
    try:
        owner = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return owner if isinstance(owner, dict) and {"pid", "host", "token"} <= set(owner) else None


def _flocked(path):
    """True while some open descriptor (of any process, this one included) holds the flock."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops the shared flock the probe may have taken


def _foreign(owner):
    return owner is not None and owner["host"] != socket.gethostname()


def held_here(owner, path=None):
    """True when the lock (at `path`) is held by a live process of this host."""
    return owner is not None and not _foreign(owner) and (path is None or _flocked(path))


def _open_locked(path):
    """An open descriptor holding the flock of the file now at `path`; None while another holds it.
    FileNotFoundError: the file was removed or replaced meanwhile (its holder released it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if os.fstat(fd).st_ino != os.stat(path).st_ino:
            raise FileNotFoundError(path)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _claim(fd, path):
    """Write this process as the owner, unless the file names a lock of another host."""
    if _foreign(_owner(path)):
        return None
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "token": uuid.uuid4().hex}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(owner).encode(), 0)
    _HELD[owner["token"]] = fd
    return owner


def try_lock(store_dir, key):
    """The lock's owner record if this process now holds the lock of `key`, else None."""
    path = lock_path(store_dir, key)
    for _ in range(3):  # the file (or runs/) was removed by its holder's release just now: again
        try:
            fd = _open_locked(path)
        except FileNotFoundError:
            continue
        if fd is None:  # a live process holds it
            return None
        owner = _claim(fd, path)
        if owner is None:
            os.close(fd)
        return owner
    return None


def release(store_dir, key, owner):
    """Remove the lock of `key` if it is still the one `owner` took, and runs/ with it if that
    leaves it empty (a first training that failed leaves the store as it found it)."""
    path = lock_path(store_dir, key)
    fd = _HELD.pop(owner["token"], None) if owner else None
    if _owner(path) == owner:
        path.unlink(missing_ok=True)  # before the flock goes: a waiter then sees a new file
        try:
            path.parent.rmdir()
        except OSError:  # not empty: the usual case
            pass
    if fd is not None:
        os.close(fd)


def is_locked(store_dir, key):
    """True while a live process (or a process of another host) holds the lock of `key`."""
    path = lock_path(store_dir, key)
    return path.exists() and (_flocked(path) or _foreign(_owner(path)))


def trainings_running(store_dir, besides=None):
    """Trainings in progress on this host in this store (its live locks), not counting `besides`."""
    paths = (Path(store_dir) / "runs").glob("*.lock")
    return sum(held_here(_owner(p), p) for p in paths if p.stem != besides)


def waiting_for(store_dir, keys, since):
    """What a sweep waits for, and how long it has: the locks of `keys`, who holds them."""
    held = []
    for key in keys:
        path, owner = lock_path(store_dir, key), _owner(lock_path(store_dir, key))
        who = f"pid {owner['pid']} on {owner['host']}" if owner else "an owner not yet written"
        hint = " (another host's: remove the file by hand if that host is gone)" if _foreign(owner) else ""
        held.append(f"{path} ({who}){hint}")
    shown = "; ".join(held[:3]) + (f"; and {len(held) - 3} more" if len(held) > 3 else "")
    return (f"waiting {time.time() - since:.0f}s for {len(held)} training(s) that other sweeps on this "
            f"store hold: {shown}")
