"""The shape of a profile YAML file, declared once (pydantic): keys, types and ranges.

profiles.py reads a file, checks it here, then turns it into a Profile. A key this schema does not
name is an error (a typo such as `trian:` would otherwise leave the defaults to train), and so is a
value of the wrong type (`learning_rate: 1e-3` is text to YAML, `ks: 2` is not a list). What needs
more than the file to check (task names, your own data's files, the K a model can lose) is checked
by profiles.py and the sweep.
"""

import difflib
from typing import Annotated, Literal, Optional, Union, get_args

from pydantic import (BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr,
                      ValidationError, field_validator)

from ..core.strategies import STRATEGIES
from .store.records import check_name

Count = Annotated[StrictInt, Field(ge=1)]
Positive = Annotated[StrictFloat, Field(gt=0)]  # a strict float takes YAML's 2 as well as 2.0
NotNegative = Annotated[StrictFloat, Field(ge=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Train(_Strict):
    """A profile's `train` settings (every one optional: the defaults are profiles.TRAIN_DEFAULTS);
    also each `task_train` entry, and the overrides of `poorman finetune` and `compare`."""
    max_train: Optional[Count] = None        # training examples (null: all)
    max_eval: Optional[Count] = None         # eval examples (null: all)
    max_length: Count = 128                  # tokens; at most the model's positions (checked per model)
    batch_size: Count = 8
    learning_rate: Positive = 5e-5
    epochs: Positive = 3
    warmup_ratio: Annotated[StrictFloat, Field(ge=0, le=1)] = 0.0
    weight_decay: NotNegative = 0.0
    freeze_embeddings: StrictBool = False
    freeze_layers: list[Annotated[StrictInt, Field(ge=0)]] = []
    group_by_length: StrictBool = False
    subsample_seed: Optional[StrictInt] = None
    bf16: Optional[object] = None            # moved: refused with a pointer to `precision`

    @field_validator("bf16", mode="before")
    @classmethod
    def _moved(cls, value):
        raise ValueError("train.bf16 is no longer a setting: use the top-level `precision:` key "
                         "(auto|fp32|bf16|fp16)")


class PruneModel(_Strict):
    id: StrictStr
    ks: Optional[list[Count]] = None         # this model's own K (e.g. for a 6-layer model)


class Models(_Strict):
    prune: list[Union[StrictStr, PruneModel]] = []
    reference: list[StrictStr] = []


class Calibration(_Strict):
    examples: Count = 128
    token: Literal["first", "last", "mean"] = "mean"
    split: StrictStr = "train"


class Latency(_Strict):
    batch_size: Count = 8
    seq_len: Count = 128
    repeats: Count = 10
    warmup: Annotated[StrictInt, Field(ge=0)] = 3


class CellSeeds(_Strict):
    """A rule of `cell_seeds`: the seeds of the cells it matches (absent list: any); first match wins."""
    models: Optional[list[StrictStr]] = None
    strategies: Optional[list[StrictStr]] = None
    ks: Optional[list[Count]] = None
    seeds: list[StrictInt]  # [] : the cells it matches are not run (colab.yaml's last rule)


class ProfileFile(_Strict):
    name: StrictStr
    models: Models
    strategies: list[StrictStr]
    ks: list[Count]
    tasks: list[Union[StrictStr, dict]]      # a GLUE name, or your own data's description (own_task.py)
    seeds: Annotated[list[StrictInt], Field(min_length=1)]
    baseline_seeds: Optional[list[StrictInt]] = None  # default: seeds
    glue_dir: Optional[StrictStr] = None
    jobs: Count = 1
    precision: Literal["auto", "fp32", "bf16", "fp16"] = "auto"
    train: Train = Train()
    task_train: dict[StrictStr, Train] = {}
    excluded_tasks: dict[StrictStr, StrictStr] = {}
    calibration: Calibration = Calibration()
    latency: Latency = Latency()
    cell_seeds: list[CellSeeds] = []
    compare: dict[StrictStr, StrictStr] = {}  # read by nothing now; left in the built-in files

    @field_validator("name", mode="before")
    @classmethod
    def _plain(cls, value):
        return check_name(value, "name")

    @field_validator("strategies")
    @classmethod
    def _known(cls, value):
        unknown = [s for s in value if s not in STRATEGIES]  # the registry as it is now
        if unknown:
            raise ValueError(f"unknown strategies {unknown}; known: {', '.join(STRATEGIES)}")
        return value


def check(model, data, where):
    """`data` checked against `model`; a ValueError of one line naming `where`, the key, what it
    should be and what it is (the first problem, and how many more there are)."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise ValueError(explain(err, model, where)) from None


_TAGS = {"str", "int", "float", "bool", "dict", "list", "PruneModel"}  # union members in an error's loc


def _key(loc):
    return ".".join(str(p) for p in loc if not (isinstance(p, str) and (p in _TAGS or "[" in p)))


def _inner_model(annotation):
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return next((m for m in map(_inner_model, get_args(annotation)) if m is not None), None)


def _model_at(model, loc):
    """The schema class that holds the key at `loc` (for the list of its known keys)."""
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        model = (_inner_model(field.annotation) or model) if field is not None else model
    return model


def _problem(error, model, key):
    if error["type"] == "missing":
        return f"`{key}` is missing (required)"
    if error["type"] == "extra_forbidden":
        name = str(error["loc"][-1])
        known = [k for k in _model_at(model, error["loc"][:-1]).model_fields if k != "bf16"]  # bf16: moved
        guess = difflib.get_close_matches(name, known, n=1)
        return (f"unknown key `{key}`" + (f" (did you mean `{guess[0]}`?)" if guess else "")
                + f"; known here: {', '.join(known)}")
    got, hint = error.get("input"), ""
    if isinstance(got, str) and error["type"] in ("float_type", "int_type"):
        try:
            float(got)
            hint = " (YAML reads a number like 1e-3 as text: write 1.0e-3)"
        except ValueError:
            pass
    what = error["msg"].removeprefix("Value error, ").removeprefix("Input should be ")
    return f"`{key}` should be {what}, got {got!r}{hint}" if error["type"] != "value_error" else f"`{key}`: {what}"


def explain(err, model, where):
    errors = err.errors()  # of a union's members, the one that got deeper names the key best
    errors = [e for e in errors if not any(_key(o["loc"]).startswith(_key(e["loc"]) + ".") for o in errors)]
    key = _key(errors[0]["loc"])
    same = [e for e in errors if _key(e["loc"]) == key]  # a union's members: one line for all
    problem = _problem(same[0], model, key)
    if len(same) > 1 and same[0]["type"] not in ("missing", "extra_forbidden", "value_error"):
        wanted = dict.fromkeys(e["msg"].removeprefix("Input should be ") for e in same)
        problem = f"`{key}` should be {' or '.join(wanted)}, got {same[0].get('input')!r}"
    others = len({_key(e["loc"]) for e in errors}) - 1
    return f"{where}: {problem}" + (f" (and {others} more problem{'s' if others > 1 else ''})" if others else "")
