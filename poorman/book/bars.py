"""The bars a fine-tuned baseline must clear before its recipe counts as one that learns.

They come from the cpu recipe's pilot (issue 8; results/pilot/): every candidate recipe trained
the full model on 3 seeds, and a recipe passed when its mean sat at least MIN_GAIN over the
constant predictor (STSB_LEVEL on STS-B, where the constant scores 0), with a seed SD of at most
MAX_SEED_SD. The pilot's table (pilot_table.py, beside the repository's other scripts) and chapter 3, which holds the distilled
reference to the same bars, both read them here.
"""

import statistics

MIN_GAIN = 0.08        # the mean's lead over the constant predictor
STSB_LEVEL = 0.80      # STS-B's bar is a level: its constant predictor scores 0
MAX_SEED_SD = 0.015    # the spread over seeds (sample SD)
MIN_SEEDS = 3
# CoLA's Matthews correlation starts from 0 and spreads more over seeds than an accuracy: the
# inference issue (19) set its bars at 0.15 over the constant and a seed SD of at most 0.03.
TASK_BARS = {"cola": {"gain": 0.15, "sd": 0.03}}


def level(task, constant):
    """The mean a baseline must reach on `task`, whose constant predictor scores `constant`."""
    return STSB_LEVEL if task == "stsb" else constant + TASK_BARS.get(task, {}).get("gain", MIN_GAIN)


def passes(task, scores, constant):
    """True when the seeds' scores clear every bar: enough seeds, the level, the spread."""
    scores = [float(s) for s in scores]
    return (len(scores) >= MIN_SEEDS and statistics.mean(scores) >= level(task, constant)
            and statistics.stdev(scores) <= TASK_BARS.get(task, {}).get("sd", MAX_SEED_SD))
