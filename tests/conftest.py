"""Shared test set-up: offline, one thread, GLUE from the small copy in tests/fixtures/glue, and
every run store in a temporary folder.

A full GLUE copy named by POORMAN_GLUE_DIR when pytest starts (CI points it at
../shared/data/glue) is kept for the few tests that check full-size files (`full_glue`); every
other test, the smoke profile included, reads the fixture.
"""

import os
from pathlib import Path

# Tests never reach the Hub: the real checkpoints come from scripts/offline_models.py.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

FIXTURE_GLUE = Path(__file__).resolve().parent / "fixtures" / "glue"
FULL_GLUE = os.environ.get("POORMAN_GLUE_DIR")
os.environ["POORMAN_GLUE_DIR"] = str(FIXTURE_GLUE)

import pytest  # noqa: E402
import torch  # noqa: E402

# Tiny models gain nothing from threads, and OpenMP spin-waiting costs 30-50x when another
# process shares the 2 cores (a sweep, a benchmark). Real-weight tests pay a little for it.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _store_elsewhere(tmp_path, monkeypatch):
    """Runs and caches go to the test's own temporary folder, never to results/."""
    monkeypatch.setenv("POORMAN_RESULTS", str(tmp_path / "results"))


@pytest.fixture(scope="session")
def glue_dir():
    """The small GLUE copy every test reads (also $POORMAN_GLUE_DIR during the tests)."""
    return FIXTURE_GLUE


@pytest.fixture
def glue_from_hub(monkeypatch):
    """GLUE from the Hub, for grids of tasks the small copy lacks (planning names the source,
    and offline the Hub's revision is what the caches say, or None)."""
    monkeypatch.delenv("POORMAN_GLUE_DIR")


@pytest.fixture(scope="session")
def full_glue():
    """A full GLUE copy given from outside, for the checks of full-size files."""
    full = Path(FULL_GLUE or FIXTURE_GLUE).resolve()
    if full == FIXTURE_GLUE or not (full / "RTE" / "dev.tsv").is_file():
        pytest.skip("needs a full GLUE copy in the download_glue_data.py layout: "
                    "run with POORMAN_GLUE_DIR=<folder> (CI uses ../shared/data/glue where it exists)")
    return full


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A 6-layer BertForSequenceClassification (64 positions) and its tokenizer, saved like a Hub
    checkpoint: the CLI's and the bad-input tests' model folder."""
    from transformers import AutoModelForSequenceClassification, BertConfig

    from poorman.experiments.models import tiny_tokenizer
    path = tmp_path_factory.mktemp("tiny-bert")
    tok = tiny_tokenizer()
    config = BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=6, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64, num_labels=2)
    torch.manual_seed(0)
    AutoModelForSequenceClassification.from_config(config).save_pretrained(path)
    tok.save_pretrained(path)
    return path
