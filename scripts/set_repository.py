"""Point the book at a fork: the repository URL is one setting, `repository.url` in _config.yml.

The Colab install cell of each notebook must name the same URL (a Colab runtime
has no copy of _config.yml), so this script writes it to both places:

    python scripts/set_repository.py https://github.com/<you>/poorman

tests/test_book.py fails if the two ever disagree.
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTALL = re.compile(r'"poorman\[book\] @ git\+(https://[^"]+)"')


def configured_url(root=ROOT):
    import yaml
    return yaml.safe_load((root / "_config.yml").read_text())["repository"]["url"]


def notebook_urls(root=ROOT):
    """{notebook: [urls in its install cell]} for every notebooks/*.md."""
    return {p.name: INSTALL.findall(p.read_text()) for p in sorted((root / "notebooks").glob("*.md"))
            if p.name != "README.md"}


def main(url):
    url = url.rstrip("/")
    config = ROOT / "_config.yml"
    text = config.read_text()
    config.write_text(re.sub(r"(repository:\n  url: ).*", lambda m: m.group(1) + url, text, count=1))
    for p in sorted((ROOT / "notebooks").glob("*.md")):
        p.write_text(INSTALL.sub(f'"poorman[book] @ git+{url}"', p.read_text()))
    print(f"repository set to {url}; now rerun `poorman book` so book/*.ipynb match")


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].startswith("https://"):
        raise SystemExit("usage: python scripts/set_repository.py https://github.com/<owner>/<repo>")
    main(sys.argv[1])
