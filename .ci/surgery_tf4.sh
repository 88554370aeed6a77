#!/usr/bin/env bash
# CI, second transformers line: the surgery tests under the newest transformers 4.x, in a light
# venv of its own (.venv-tf4/, created once, reused after). The main venv tests the 5.x line.
set -euo pipefail
cd "$(dirname "$0")/.."

TF4="transformers==4.57.6"
if ! .venv-tf4/bin/python -c "import transformers, sys; sys.exit(transformers.__version__ != '${TF4#*==}')" 2>/dev/null; then
    python3 -m venv .venv-tf4
    .venv-tf4/bin/python -m pip install -q --upgrade pip
    .venv-tf4/bin/python -m pip install -q torch==2.13.0    # the CPU wheel; an unpinned torch pulls CUDA
    .venv-tf4/bin/python -m pip install -q "$TF4" safetensors accelerate numpy tqdm pytest
fi
.venv-tf4/bin/python -c "import torch, transformers; print('surgery tests under torch', torch.__version__, 'transformers', transformers.__version__)"

# Only the surgery tests: the per-family files, the error catalogue, the real checkpoints.
PYTHONPATH="$PWD" .venv-tf4/bin/python -m pytest -q -rfEs -p no:cacheprovider \
    tests/test_albert.py tests/test_bert.py tests/test_distilbert.py tests/test_gpt2.py tests/test_llama.py \
    tests/test_modernbert.py tests/test_xlnet.py tests/test_surgery_errors.py tests/test_real_surgery.py
