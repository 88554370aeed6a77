"""Colab: keep the run store on Google Drive, so a session that dies loses no finished run.

A chapter's first cell calls `use_results(results)`, with `results` a notebook parameter:

    results = None   # a folder for the run store; None: Google Drive in Colab, results/ elsewhere

    from poorman.book.colab import use_results
    use_results(results)

In Colab this mounts Drive (Colab asks for permission once) and sets POORMAN_RESULTS to
MyDrive/poorman/results, where `results/<profile>/runs/` then grows one JSON file per finished
run. Outside Colab it changes nothing unless `results` names a folder. Run all again after a
disconnect: the sweep skips the runs Drive already holds and resumes with the next one.
"""

import os
import sys
from pathlib import Path

DRIVE = "/content/drive"
DRIVE_FOLDER = "MyDrive/poorman/results"


def in_colab():
    return "google.colab" in sys.modules


def set_results(path):
    """Make `path` the store root (POORMAN_RESULTS): runs go to <path>/<profile>/runs/."""
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"results folder {path} is a file; give a folder for the run store")
    path.mkdir(parents=True, exist_ok=True)
    os.environ["POORMAN_RESULTS"] = str(path.resolve())
    return path.resolve()


def mount_drive_results(folder=DRIVE_FOLDER, mount_point=DRIVE):
    """Mount Google Drive (Colab only) and keep the store in `folder` on it; returns that folder."""
    if not in_colab():
        raise RuntimeError("mount_drive_results works in Colab only; elsewhere set POORMAN_RESULTS "
                           "or call set_results(folder)")
    from google.colab import drive
    drive.mount(mount_point)
    return set_results(Path(mount_point) / folder)


def use_results(results=None, drive=True):
    """The chapters' first cell: `results` wins; in Colab the store goes to Drive; else nothing changes.

    Returns the store root in use, or None when the default (the project's results/) stays."""
    if results:
        return set_results(results)
    if in_colab() and drive and not os.environ.get("POORMAN_RESULTS"):
        return mount_drive_results()
    return Path(os.environ["POORMAN_RESULTS"]) if os.environ.get("POORMAN_RESULTS") else None
