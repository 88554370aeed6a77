"""Copy MathJax from its npm package into book/_static/mathjax/, so the book renders math offline.

    python scripts/vendor_mathjax.py [--version 3.2.2]

Needs npm (`npm pack` fetches the package tarball from the npm registry). Copies the combined
TeX-to-CommonHTML component and the web fonts it loads from beside itself
([mathjax]/output/chtml/fonts/woff-v2), plus MathJax's licence (Apache-2.0). _config.yml points
Sphinx at it: `sphinx: config: mathjax_path: mathjax/tex-chtml.js` (relative to _static).
"""

import argparse
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "book" / "_static" / "mathjax"
FILES = {"package/es5/tex-chtml.js": "tex-chtml.js", "package/LICENSE": "LICENSE"}
FONTS = "package/es5/output/chtml/fonts/woff-v2/"


def main(version):
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"mathjax@{version}", "--silent"], cwd=tmp, check=True,
                       stdout=subprocess.DEVNULL)
        with tarfile.open(next(Path(tmp).glob("mathjax-*.tgz"))) as tar:
            members = {m.name: m for m in tar.getmembers()}
            if OUT.exists():
                shutil.rmtree(OUT)
            for name, target in FILES.items():
                _extract(tar, members[name], OUT / target)
            for name, member in members.items():
                if name.startswith(FONTS) and member.isfile():
                    _extract(tar, member, OUT / "output/chtml/fonts/woff-v2" / Path(name).name)
    (OUT / "VERSION").write_text(f"mathjax {version} (npm), copied by scripts/vendor_mathjax.py\n")
    print(f"MathJax {version} -> {OUT}")


def _extract(tar, member, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(tar.extractfile(member).read())


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--version", default="3.2.2")
    main(ap.parse_args().version)
