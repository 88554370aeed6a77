"""Plain names: a profile's or a task's, which name folders of the run store."""

import re

NAME = re.compile(r"[A-Za-z0-9_-]+")


def check_name(name, what="profile name"):
    """A store folder name: a plain identifier (letters, digits, - and _), never a path."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ValueError(f"{what} {name!r} is not a plain name: use letters, digits, - and _ only "
                         f"(it names a folder of the run store, so it cannot be a path)")
    return name
