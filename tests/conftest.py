import os

# Tests never reach the Hub: the real checkpoints come from scripts/offline_models.py.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
