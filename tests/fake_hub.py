"""A Hugging Face cache that answers the paper's Hub ids offline: tiny random models, real tokenizers.

    seed_models(hf_home, texts)     bert-base-uncased, roberta-base, xlnet-base-cased, albert-base-v2,
                                    distilbert-base-uncased: random weights at hidden size 32, the real
                                    depth, and a tokenizer of the real kind trained on `texts`
                                    (WordPiece, byte-level BPE, sentencepiece unigram)
    seed_glue(hf_home, tasks, ...)  nyu-mll/glue, a few rows per task and split

Both use the layout the libraries read: models under hub/models--<id>/refs/main and
hub/models--<id>/snapshots/<40 hex>/. For datasets the layout matters more. datasets 5,
offline, never reads the Hub cache: load.py's dataset_module_factory raises at
_raise_if_offline_mode_is_enabled() before any hf_hub_download and falls back to
CachedDatasetModuleFactory, which reads the Arrow files that an earlier online load prepared
under datasets/nyu-mll___glue/<config>/0.0.0/<commit>/ (glue-<split>.arrow and
dataset_info.json, whose config_name must equal <config>). So seed_glue writes what a download
leaves in the Hub cache (a parquet file per config and split, as the real repository holds) and
prepares the Arrow cache from those files with datasets' own Parquet builder, as load_dataset
does after a download.
"""

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import sentencepiece
import transformers
from datasets.packaged_modules.parquet.parquet import Parquet
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

from poorman.experiments.data import read_glue_tsv, subsample

VOCAB = 1000
HIDDEN = dict(hidden_size=32, num_attention_heads=4, intermediate_size=64)


def revision(repo_id):
    return hashlib.sha1(repo_id.encode()).hexdigest()  # 40 hex characters, as a commit id


def snapshot(hf_home, repo_id, kind="models"):
    repo = Path(hf_home) / "hub" / f"{kind}--{repo_id.replace('/', '--')}"
    folder = repo / "snapshots" / revision(repo_id)
    folder.mkdir(parents=True, exist_ok=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(revision(repo_id))
    return folder


# ----------------------------------------------------------------------------- tokenizers

def wordpiece(texts):
    """BERT's tokenizer: lower-cased WordPiece, vocabulary trained on `texts`."""
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(texts, trainers.WordPieceTrainer(
        vocab_size=VOCAB, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    return transformers.BertTokenizer(vocab=tok.get_vocab(), do_lower_case=True)


def byte_bpe(texts):
    """RoBERTa's tokenizer: byte-level BPE."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=VOCAB, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    merges = json.loads(tok.to_str())["model"]["merges"]
    return transformers.RobertaTokenizer(vocab=tok.get_vocab(), merges=[tuple(m) for m in merges])


SPM_SPECIALS = {  # the ids and control symbols of the real spiece.model files
    "xlnet": dict(unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
                  control_symbols=["<cls>", "<sep>", "<pad>", "<mask>", "<eod>", "<eop>"]),
    "albert": dict(pad_id=0, unk_id=1, bos_id=-1, eos_id=-1, control_symbols=["[CLS]", "[SEP]", "[MASK]"]),
}


def sentencepiece_tokenizer(kind, texts, out):
    """XLNet's or ALBERT's tokenizer from a unigram sentencepiece model trained on `texts`."""
    with tempfile.TemporaryDirectory() as tmp:
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(texts), model_prefix=f"{tmp}/spiece", vocab_size=VOCAB,
            model_type="unigram", hard_vocab_limit=False, minloglevel=2, **SPM_SPECIALS[kind])
        cls = transformers.XLNetTokenizer if kind == "xlnet" else transformers.AlbertTokenizer
        tokenizer = cls.from_pretrained(tmp)  # converts spiece.model, as for the real repositories
        shutil.copy(f"{tmp}/spiece.model", out / "spiece.model")
    return tokenizer


def glue_texts(glue_dir):
    """Every text field of every train file in `glue_dir`: what the tokenizers are trained on."""
    from poorman.experiments.data import local_splits
    from poorman.experiments.data.tasks import TASKS
    texts = []
    for task in TASKS.values():
        if "train" in local_splits(task, glue_dir):
            rows = read_glue_tsv(Path(glue_dir) / task.tsv.dir / task.tsv.file("train"), task)
            texts += [t for f in task.text_fields for t in rows[f]]
    return texts


# ----------------------------------------------------------------------------- models

def _config(model_type, tokenizer):
    sizes = {"distilbert": dict(dim=32, n_layers=6, n_heads=4, hidden_dim=64),
             "xlnet": dict(d_model=32, n_layer=12, n_head=4, d_inner=64),
             "albert": dict(HIDDEN, num_hidden_layers=12, embedding_size=16),
             "roberta": dict(HIDDEN, num_hidden_layers=12, max_position_embeddings=514, type_vocab_size=1),
             }.get(model_type, dict(HIDDEN, num_hidden_layers=12))
    return transformers.AutoConfig.for_model(model_type, vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id,
                                             **sizes)


# Hub id -> (model type, pre-training head class, tokenizer kind)
PAPER_MODELS = {
    "bert-base-uncased": ("bert", "BertForMaskedLM", "wordpiece"),
    "distilbert-base-uncased": ("distilbert", "DistilBertForMaskedLM", "wordpiece"),
    "roberta-base": ("roberta", "RobertaForMaskedLM", "bpe"),
    "xlnet-base-cased": ("xlnet", "XLNetLMHeadModel", "xlnet"),
    "albert-base-v2": ("albert", "AlbertForMaskedLM", "albert"),
}


def seed_models(hf_home, texts, ids=tuple(PAPER_MODELS)):
    """Save a tiny random model and a trained tokenizer under each Hub id; returns {id: snapshot}."""
    import torch
    out, shared = {}, {}
    for repo_id in ids:
        model_type, head, kind = PAPER_MODELS[repo_id]
        folder = snapshot(hf_home, repo_id)
        if kind in ("xlnet", "albert"):
            tokenizer = sentencepiece_tokenizer(kind, texts, folder)
        else:
            if kind not in shared:
                shared[kind] = wordpiece(texts) if kind == "wordpiece" else byte_bpe(texts)
            tokenizer = shared[kind]
        torch.manual_seed(0)
        model = getattr(transformers, head)(_config(model_type, tokenizer))
        model.save_pretrained(folder)  # config.json (architectures: the head) + model.safetensors
        tokenizer.save_pretrained(folder)
        out[repo_id] = folder
    return out


# ----------------------------------------------------------------------------- GLUE

def seed_glue(hf_home, tasks, glue_dir, max_examples=40):
    """A tiny nyu-mll/glue: `max_examples` rows per split of each task, from a local TSV copy."""
    from poorman.experiments.data.tasks import get_task
    hf_home, repo = Path(hf_home), "nyu-mll/glue"
    commit, root = revision(repo), snapshot(hf_home, repo, kind="datasets")
    for name in tasks:
        task = get_task(name)
        files = {}
        for split in task.splits:
            rows = read_glue_tsv(Path(glue_dir) / task.tsv.dir / task.tsv.file(split), task, split)
            path = root / task.hub_config / f"{split}-00000-of-00001.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            subsample(rows, max_examples, seed=0).to_parquet(str(path))
            files[split] = [str(path)]
        with tempfile.TemporaryDirectory() as tmp:
            builder = Parquet(cache_dir=tmp, dataset_name="glue", config_name=task.hub_config,
                              config_id=task.hub_config, hash=commit, data_files=files)
            builder.download_and_prepare()
            target = hf_home / "datasets" / "nyu-mll___glue" / task.hub_config / "0.0.0" / commit
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(builder.cache_dir, target, dirs_exist_ok=True)
    (root / "README.md").write_text(_card(tasks))
    return root


def _card(tasks):
    """The dataset card's `configs:` block, as the real repository declares its parquet files."""
    from poorman.experiments.data.tasks import get_task
    lines = ["---", "configs:"]
    for name in tasks:
        task = get_task(name)
        lines += [f"- config_name: {task.hub_config}", "  data_files:"]
        lines += [f"  - split: {s}\n    path: {task.hub_config}/{s}-*" for s in task.splits]
    return "\n".join(lines + ["---", ""])
