"""save_checkpoint: write a model folder whole or not at all.

save_pretrained writes into whatever folder it is given: into an existing model it leaves
stale files behind (an old model.safetensors.index.json beside a new model.safetensors),
and given a path that is a file it only logs a warning. Here the model is written to a
fresh folder beside `out`, checked, and then renamed into place, so a failure leaves `out`
exactly as it was.
"""

import json
import os
import shutil
import uuid
from pathlib import Path


def check_saved(folder):
    """Raise OSError unless `folder` holds config.json and complete safetensors weights."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise OSError(f"saving to {folder} wrote no config.json")
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        shards = set(json.loads(index.read_text())["weight_map"].values())
        missing = sorted(s for s in shards if not (folder / s).is_file())
        if missing:
            raise OSError(f"saving to {folder} left out weight shards {missing}")
    elif not (folder / "model.safetensors").is_file():
        raise OSError(f"saving to {folder} wrote no model.safetensors")


def _swap_in(new, out):
    """Rename `new` to `out`; an existing `out` is moved aside first and deleted only after."""
    if not out.exists():
        os.rename(new, out)
        return
    old = out.with_name(f".{out.name}.old-{uuid.uuid4().hex[:8]}")
    os.rename(out, old)
    try:
        os.rename(new, out)
    except OSError:
        os.rename(old, out)
        raise
    shutil.rmtree(old)


def _save_weights(model, folder, out):
    from safetensors import SafetensorError
    try:
        model.save_pretrained(folder)
    except SafetensorError as err:  # e.g. no space left on the device: a message, not a traceback
        raise OSError(f"cannot write the checkpoint for {out} ({err}); is the disk full? "
                      f"{out} is left as it was") from None


def save_checkpoint(model, out, *, tokenizer=None, overwrite=False):
    """save_pretrained (and the tokenizer's) into folder `out`, atomically; returns out as a Path.

    An existing `out` is replaced only with overwrite=True and only if it is a folder.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file, not a folder; a checkpoint is a folder")
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} already exists; pass overwrite=True to replace it")
    new_parent = next((p for p in reversed(out.absolute().parents) if not p.exists()), None)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial-{uuid.uuid4().hex[:8]}")
    partial.mkdir()
    try:
        _save_weights(model, partial, out)
        if tokenizer is not None:
            tokenizer.save_pretrained(partial)
        check_saved(partial)
        _swap_in(partial, out)
    except BaseException:
        if new_parent is not None:  # the folders made for out go too
            shutil.rmtree(new_parent, ignore_errors=True)
        raise
    finally:
        if partial.exists():
            shutil.rmtree(partial)
    return out
