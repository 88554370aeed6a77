#!/usr/bin/env bash
# CI, second transformers line: the surgery tests under the newest transformers 4.x, in a light
# venv of its own (.venv-tf4/, created once, reused after); the main venv tests the 5.x line.
#     bash .ci/surgery_tf4.sh            # transformers 4.57.6
#     bash .ci/surgery_tf4.sh 4.45.2     # the floor pyproject.toml claims (venv .venv-tf4.45.2/)
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="${1:-4.57.6}"
VENV=".venv-tf4"
[ "$VERSION" = "4.57.6" ] || VENV=".venv-tf$VERSION"
if ! "$VENV/bin/python" -c "import transformers, sys; sys.exit(transformers.__version__ != '$VERSION')" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q torch==2.13.0    # the CPU wheel; an unpinned torch pulls CUDA
    "$VENV/bin/python" -m pip install -q "transformers==$VERSION" safetensors accelerate numpy tqdm pytest
fi
"$VENV/bin/python" -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)"

# The surgery tests (per family, errors, real checkpoints) and the CLI's bad-input catalogue.
PYTHONPATH="$PWD" "$VENV/bin/python" -m pytest -q -rfEs -p no:cacheprovider \
    tests/test_albert.py tests/test_bert.py tests/test_distilbert.py tests/test_gpt2.py tests/test_llama.py \
    tests/test_modernbert.py tests/test_xlnet.py tests/test_surgery_errors.py tests/test_real_surgery.py \
    tests/test_bad_input.py
