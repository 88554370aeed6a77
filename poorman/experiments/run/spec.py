"""A run as two types: the RunSpec that defines it and the RunRecord of what it gave.

    RunSpec  -> train_and_evaluate (finetune.py) -> RunRecord -> the run store (store/records.py)

A RunSpec is what a run id hashes: model, role, strategy, K, task, seed, training settings,
calibration, and the data source (data.py's `data_source`: the TSVs' sha256, or the Hub's
dataset and revision). Two fields are fixed when the grid is planned and are not part of the id,
because the id already decides them: `dropped`, the layers the strategy chose, and `scores`, the
layer scores it chose them by. The precision is not part of a spec either: it is a choice of
speed recorded in the record's `env` (a `bf16` or `precision` training key is dropped).

Both types turn into the JSON of a record (`to_json`) and back (`from_json`). Records of version
1, written before the data source was part of run ids, still load (`data` is None in them);
`poorman migrate-store` brings them to the current identity.
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..data.tasks import Task, get_task

RECORD_VERSION = 2  # 2: the data source is part of the spec (None in records of version 1)
NOT_IN_IDS = ("bf16", "precision")  # training keys that say how fast, not what is trained

Role = Literal["baseline", "pruned", "reference"]


def run_id(spec: RunSpec | dict) -> str:
    """Stable hash of exactly what defines a run (a RunSpec, or its JSON) or of a cache key.

    A local data file counts by its bytes: in a {"path", "sha256"} source the path is left out,
    so a changed file gets new ids and the same bytes anywhere keep theirs."""
    value = spec.to_json() if isinstance(spec, RunSpec) else spec
    canonical = json.dumps(_identity(value), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _identity(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _identity(v) for k, v in value.items() if not (k == "path" and "sha256" in value)}
    if isinstance(value, (list, tuple)):
        return [_identity(v) for v in value]
    return value


class RunSpec(BaseModel):
    """What defines one run; frozen. `to_json()` is the record's `config`, and its hash the run id."""

    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())

    profile: str
    model: str
    role: Role
    strategy: str
    k: int = Field(ge=0)
    task: str | dict[str, Any]          # a GLUE name, or your own data's canonical description
    seed: int
    train: dict[str, Any]
    calibration: dict[str, Any] | None = None  # only for strategies that score layers
    layers: list[int] | None = None            # strategy "manual": the 0-based layers to drop
    data: dict[str, Any] | None = None         # where the rows come from; None: own data, or version 1
    dropped: tuple[int, ...] | None = Field(default=None, exclude=True)  # planned; not in the id
    scores: tuple[float, ...] | None = Field(default=None, exclude=True)  # the cosine scores, if any

    @field_validator("train")
    @classmethod
    def _speed_is_not_identity(cls, train: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in train.items() if k not in NOT_IN_IDS}

    @cached_property
    def resolved_task(self) -> Task:
        """The Task, looked up once (your own data's files are read once)."""
        return get_task(self.task)

    @property
    def run_id(self) -> str:
        return run_id(self)

    @property
    def training_key(self) -> str:
        """What fixes the trained model. Specs with equal keys (say symmetric and angular dropping
        the same layers, or a reference model that is also a baseline) train the very same model."""
        return training_key(self.to_json(), self.planned_layers)

    @property
    def planned_layers(self) -> list[int]:
        if self.dropped is None:
            raise ValueError(f"run {self.run_id}: its dropped layers are fixed when the grid is "
                             f"planned (planning.fix_layers), and this spec was not planned")
        return list(self.dropped)

    def to_json(self) -> dict[str, Any]:
        """The record's `config`: the spec's fields; `layers` and `data` only where set, so that
        the ids of version-1 records (which had neither) are what they were."""
        out = self.model_dump(mode="json")
        return {k: v for k, v in out.items() if not (k in ("layers", "data") and v is None)}

    @classmethod
    def from_json(cls, config: dict[str, Any]) -> RunSpec:
        return cls.model_validate(config)


def training_key(config: dict[str, Any], dropped: list[int]) -> str:
    """The training key (RunSpec.training_key) of a record's config and its dropped layers."""
    train = {k: v for k, v in config["train"].items() if k not in NOT_IN_IDS}
    key = {"model": config["model"], "task": config["task"], "seed": config["seed"], "train": train,
           "dropped": sorted(dropped)}
    if config.get("data") is not None:
        key["data"] = config["data"]
    return run_id(key)


class RunRecord(BaseModel):
    """What one run gave: its spec, the layers it kept, every metric, timings, size, speed, and the
    environment (versions, hardware, precision). Alias records (same model as another run) carry
    the numbers of the run that trained it, and its id in `same_model_as`."""

    model_config = ConfigDict(frozen=True, extra="allow", protected_namespaces=())

    record_version: int = RECORD_VERSION
    run_id: str
    config: RunSpec
    original_layers: int
    num_layers: int
    dropped: list[int]
    kept: list[int]
    layer_scores: list[float] | None = None
    metrics: dict[str, float]
    train_loss: float | None = None
    layer_similarity_to_pretrained: Any = None
    num_train_examples: int
    num_eval_examples: dict[str, int]
    timing: dict[str, float]
    params: dict[str, int]
    latency: dict[str, Any] | None = None
    checkpoint_bytes: int | None = None
    env: dict[str, Any]
    same_model_as: str | None = None

    @property
    def score(self) -> float:
        return self.metrics["score"]

    @property
    def training_key(self) -> str:
        return training_key(self.config.to_json(), self.dropped)

    def to_json(self) -> dict[str, Any]:
        """The record as the store keeps it (`same_model_as` only on alias records)."""
        out = self.model_dump(mode="json")
        out["config"] = self.config.to_json()
        if out["same_model_as"] is None:
            del out["same_model_as"]
        return out

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> RunRecord:
        """A record as stored, of any version: version 1 has no data source in its config, and
        its config may hold train.bf16 (dropped here: the precision is not part of a spec)."""
        return cls.model_validate({"record_version": 1, **record})

    def alias(self, spec: RunSpec) -> RunRecord:
        """The record of `spec` when this record's model is the one it trains: same numbers, own
        config and id, and `same_model_as` naming the run that did the training. If that run is
        `spec` itself (its record was lost, an alias of it survived), this is its own record again."""
        origin, rid = self.same_model_as or self.run_id, spec.run_id
        scores = list(spec.scores) if spec.scores is not None else None
        return self.model_copy(update=dict(record_version=RECORD_VERSION, run_id=rid, config=spec,
                                           layer_scores=scores,
                                           same_model_as=origin if origin != rid else None))
