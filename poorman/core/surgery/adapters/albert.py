"""ALBERT: one set of layer weights is applied `num_hidden_layers` times.

Dropping layers therefore means running fewer repetitions: we lower
config.num_hidden_layers and no parameters go away. Because every repetition is the
same function, dropping the top, bottom or alternate k layers gives identical models.

With num_hidden_groups = G > 1 (no public checkpoint does this) repetition i uses group
int(i / (L / G)). We can still do it exactly when the kept repetitions, after removing the
groups nobody uses any more, follow that same rule for the new depth; otherwise ValueError.
"""

import warnings

from torch import nn

from .base import Adapter, configs_of


def _group(i, num_layers, num_groups):
    return int(i / (num_layers / num_groups))  # same expression as AlbertTransformer.forward


class AlbertAdapter(Adapter):
    model_types = ("albert",)
    shares_weights = True
    layer_paths = ("encoder.albert_layer_groups",)  # called once per repetition

    def num_layers(self, model) -> int:
        return model.config.num_hidden_layers

    def applied_layers(self, model) -> list:
        """Repetition i runs group int(i / (L / G)): with one group, the same module L times."""
        groups, config = self.layer_list(model), model.config
        return [groups[_group(i, config.num_hidden_layers, config.num_hidden_groups)]
                for i in range(config.num_hidden_layers)]

    def drop(self, model, keep):
        base, _, parent, name, groups = self.locate(model)
        num_layers, num_groups = model.config.num_hidden_layers, model.config.num_hidden_groups
        wanted = [_group(i, num_layers, num_groups) for i in keep]
        used = sorted(set(wanted))
        if [used[_group(j, len(keep), len(used))] for j in range(len(keep))] != wanted:
            raise ValueError(
                f"ALBERT with num_hidden_groups={num_groups}: keeping repetitions {keep} cannot be "
                "expressed as fewer repetitions of the remaining groups; keep equally many "
                "repetitions of each group."
            )
        warnings.warn(
            "ALBERT shares one set of layer weights across all repetitions: dropping k layers "
            "just runs k fewer repetitions (config.num_hidden_layers), removes no shared weights, "
            "and which indices are dropped makes no difference.",
            stacklevel=3,
        )
        if len(used) != num_groups:  # only possible when G > 1: whole groups fall out
            setattr(parent, name, nn.ModuleList(groups[g] for g in used))
        for config in configs_of(model, base):
            config.num_hidden_layers = len(keep)
            config.num_hidden_groups = len(used)
