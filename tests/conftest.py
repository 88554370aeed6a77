import os

# Tests never reach the Hub: the real checkpoints come from scripts/offline_models.py.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402

# Tiny models gain nothing from threads, and OpenMP spin-waiting costs 30-50x when another
# process shares the 2 cores (a sweep, a benchmark). Real-weight tests pay a little for it.
torch.set_num_threads(1)
