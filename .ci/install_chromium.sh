#!/usr/bin/env bash
# Install Debian's headless-capable Chromium for `.ci/check_book.py --html`.
# Idempotent: does nothing when a `chromium` is already on PATH.
set -euo pipefail
command -v chromium >/dev/null 2>&1 || (
  export DEBIAN_FRONTEND=noninteractive
  apt-get update && apt-get install -y --no-install-recommends chromium
)
chromium --version
